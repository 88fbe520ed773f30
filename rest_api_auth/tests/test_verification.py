"""The authentication entry point's checks, called in-process (``resolve``) on the ORM.

The same cases go over real HTTP in rest_api_core's tests; here they also cover
the verified-key cache and its invalidation, which only the worker can see.
"""

import datetime
import json
import time
import uuid

import jwt

from odoo.tests import TransactionCase, tagged
from odoo.tools.cache import get_cache_key_counter

from ..authentication import resolve
from ..exceptions import AuthenticationFailed, PermissionDenied, Throttled, TooManyFailedAuthentications
from ..keys import secret_digest
from ..scope import FULL_SCOPE
from ..tokens import LoginTokenClaims, LoginTokenPolicy, encode_login_token
from .common import RestApiUsersMixin, make_api_key, make_personal_key

LOCAL = "127.0.0.1"


@tagged("post_install", "-at_install")
class TestResolve(RestApiUsersMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        cls.key, cls.secret = make_api_key(
            cls.env,
            cls.user,
            scope_mode="specific",
            access=[
                {"model": "res.partner", "read": True, "write": True},
                {"model": "res.country", "read": True, "execute": True, "methods": ["name_search"]},
            ],
            allow_token_generation=True,
        )
        cls.tokens = cls.env["rest.api.token"]

    def resolve(self, headers, operation="read", model="res.partner", method=None, ip=LOCAL, **policy):
        return resolve(self.env, headers, ip, operation, model=model, method=method, **policy)

    def assertRefused(self, headers, detail, status=401, **kwargs):
        error_class = AuthenticationFailed if status == 401 else PermissionDenied
        with self.assertRaises(error_class) as caught:
            self.resolve(headers, **kwargs)
        self.assertEqual(caught.exception.detail, detail)
        self.assertEqual(caught.exception.status, status)
        return caught.exception

    # -- keys ------------------------------------------------------------

    def test_key_acts_as_its_owner_within_its_scope(self):
        context = self.resolve({"api-key": self.secret})
        self.assertEqual(context.uid, self.user.id)
        self.assertEqual(context.api_key_id, self.key.id)
        self.assertIsNone(context.token_id)
        self.assertEqual(context.key.bucket, f"key:{self.key.id}")

    def test_specific_scope_allows_exactly_its_models_and_operations(self):
        allowed = [
            ("read", "res.partner", None),
            ("write", "res.partner", None),
            ("read", "res.country", None),
            ("execute", "res.country", "name_search"),
        ]
        refused = [
            ("create", "res.partner", None),
            ("unlink", "res.partner", None),
            ("execute", "res.partner", "name_search"),
            ("write", "res.country", None),
            ("execute", "res.country", "search_read"),
            ("read", "res.users", None),
            ("read", "ir.config_parameter", None),
        ]
        for operation, model, method in allowed:
            with self.subTest(operation=operation, model=model, method=method):
                self.resolve({"api-key": self.secret}, operation=operation, model=model, method=method)
        for operation, model, method in refused:
            with self.subTest(operation=operation, model=model, method=method):
                target = f"{model}.{method}" if method else model
                self.assertRefused(
                    {"api-key": self.secret},
                    f"This API key may not {operation} {target}.",
                    status=403,
                    operation=operation,
                    model=model,
                    method=method,
                )
        # no model to narrow: the documentation and generate_token
        self.resolve({"api-key": self.secret}, operation="docs", model=None)
        self.resolve({"api-key": self.secret}, operation="token", model=None)

    def test_missing_key(self):
        for headers in (
            {},
            {"api-key": ""},
            {"api-key": "   "},
            {"Login-Token": "a.b.c"},
            {"Authorization": "Basic x"},
        ):
            with self.subTest(headers=headers):
                error = self.assertRefused(headers, "An API key is required (header 'api-key').")
                self.assertIn('error="invalid_request"', error.headers["WWW-Authenticate"])

    def test_unknown_and_garbled_keys(self):
        wrong_secret = self.secret[:8] + ("0" if self.secret[8] != "0" else "1") + self.secret[9:]
        for secret in (wrong_secret, "0" * 40, "garbage", "x" * 300, "nul\x00-in-the-key-0123456789", "ключ" * 10):
            with self.subTest(secret=secret[:12]):
                self.assertRefused({"api-key": secret}, "Invalid API key.")

    def test_header_aliases(self):
        for headers in (
            {"api-key": self.secret},
            {"X-API-Key": self.secret},
            {"api_key": self.secret},
            {"Authorization": f"Bearer {self.secret}"},
        ):
            with self.subTest(headers=list(headers)):
                self.assertEqual(self.resolve(headers).uid, self.user.id)

    def test_deactivated_key_is_refused_at_once(self):
        self.resolve({"api-key": self.secret})  # now in the verified-key cache
        self.key.with_user(self.manager).active = False
        self.assertRefused({"api-key": self.secret}, "This API key is deactivated.")
        self.key.with_user(self.manager).active = True
        self.resolve({"api-key": self.secret})

    def test_deleted_key_is_refused_at_once(self):
        self.resolve({"api-key": self.secret})
        self.key.with_user(self.manager).unlink()
        self.assertRefused({"api-key": self.secret}, "Invalid API key.")

    def test_key_removed_from_preferences_is_refused_at_once(self):
        self.resolve({"api-key": self.secret})
        self.key.native_key_id.with_user(self.user)._remove()
        self.assertRefused({"api-key": self.secret}, "Invalid API key.")

    def test_expired_key_is_refused_even_from_the_cache(self):
        self.key.expiration_date = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(seconds=1)
        verify = self.env["rest.api.key"]._rest_api_verify_secret
        _cache, _key, counter = get_cache_key_counter(verify, secret_digest(self.secret), self.secret, None)
        self.resolve({"api-key": self.secret})
        time.sleep(2.1)
        hits = counter.hit
        self.assertRefused({"api-key": self.secret}, "This API key has expired.")
        self.assertEqual(counter.hit, hits + 1)  # refused from the cache, no new hash

    def test_key_of_a_deactivated_user(self):
        self.resolve({"api-key": self.secret})
        self.user.active = False
        self.assertRefused({"api-key": self.secret}, "The user of this API key is deactivated.")

    def test_allowed_ips(self):
        self.key.allowed_ips = "10.0.0.0/8, 2001:db8::/32"
        self.assertEqual(self.resolve({"api-key": self.secret}, ip="10.9.8.7").uid, self.user.id)
        self.assertEqual(self.resolve({"api-key": self.secret}, ip="2001:db8::1").uid, self.user.id)
        self.assertRefused({"api-key": self.secret}, "This API key may not be used from 127.0.0.1.", status=403)

    def test_rest_keys_are_refused_by_xmlrpc_and_bearer(self):
        natives = self.env["res.users.apikeys"]
        self.assertIsNone(natives._check_credentials(scope="rpc", key=self.secret))
        self.assertEqual(natives._check_credentials(scope="rest_api", key=self.secret), self.user.id)

    # -- personal keys ------------------------------------------------------

    def test_personal_key_has_full_scope_and_default_rate(self):
        secret = make_personal_key(self.other_user)
        context = self.resolve({"api-key": secret}, model="res.users")
        self.assertEqual(context.uid, self.other_user.id)
        self.assertIsNone(context.api_key_id)
        self.assertEqual(context.scope, FULL_SCOPE)
        self.assertEqual((context.key.rate.limit, context.key.rate.period, context.key.rate.burst), (600, 60, 60))
        self.assertTrue(context.key.bucket.startswith("personal:"))

    def test_personal_keys_can_be_disabled(self):
        secret = make_personal_key(self.other_user)
        self.resolve({"api-key": secret})
        self.env["ir.config_parameter"].sudo().set_param("rest_api.personal_keys_enabled", "False")
        self.assertRefused({"api-key": secret}, "Invalid API key.")
        self.env["ir.config_parameter"].sudo().set_param("rest_api.personal_keys_enabled", "True")
        self.resolve({"api-key": secret})

    def test_personal_key_cannot_carry_login_tokens(self):
        secret = make_personal_key(self.user)
        _token, login_token = self.tokens._issue(self.key, self.user, 1)
        self.assertRefused(
            {"api-key": secret, "Login-Token": login_token},
            "Login tokens are only accepted with the REST API key that issued them.",
        )

    # -- login tokens -------------------------------------------------------

    def test_login_token_selects_the_user(self):
        admin_key, admin_secret = make_api_key(self.env, self.admin, allow_token_generation=True)
        token, login_token = self.tokens._issue(admin_key, self.other_user, 2)
        for headers in (
            {"api-key": admin_secret, "Login-Token": login_token},
            {"X-API-Key": admin_secret, "X-Login-Token": login_token},
            {"api_key": admin_secret, "token": login_token},
            {"api-key": admin_secret, "Authorization": f"Bearer {login_token}"},
        ):
            with self.subTest(headers=list(headers)):
                context = self.resolve(headers)
                self.assertEqual(context.uid, self.other_user.id)
                self.assertEqual(context.token_id, token.id)
                self.assertEqual(context.api_key_id, admin_key.id)

    def test_required_login_token(self):
        self.key.require_login_token = True
        self.assertRefused({"api-key": self.secret}, "This API key requires a login token (header 'Login-Token').")
        token, login_token = self.tokens._issue(self.key, self.user, 1)
        self.assertEqual(self.resolve({"api-key": self.secret, "Login-Token": login_token}).uid, self.user.id)
        # the endpoints' policies (rest_api_core's registry): generate_token does not use a token
        unused = {"operation": "token", "model": None, "login_token": LoginTokenPolicy.UNUSED}
        self.assertEqual(self.resolve({"api-key": self.secret}, **unused).uid, self.user.id)
        self.assertIsNone(self.resolve({"api-key": self.secret, "Login-Token": "not.a.token"}, **unused).token_id)
        # the documentation does not need one (it shows how to get one); a token sent with it is still used
        optional = {"operation": "docs", "model": None, "login_token": LoginTokenPolicy.OPTIONAL}
        self.assertIsNone(self.resolve({"api-key": self.secret}, **optional).token_id)
        with_token = self.resolve({"api-key": self.secret, "Login-Token": login_token}, **optional)
        self.assertEqual(with_token.token_id, token.id)
        self.assertRefused(
            {"api-key": self.secret, "Login-Token": "not.a.token"}, "The login token is invalid.", **optional
        )
        # what an endpoint does by default: require one
        self.assertRefused(
            {"api-key": self.secret},
            "This API key requires a login token (header 'Login-Token').",
            operation="docs",
            model=None,
        )

    def test_token_alg_none(self):
        _token, login_token = self.tokens._issue(self.key, self.user, 1)
        claims = jwt.decode(login_token, options={"verify_signature": False})
        header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
        payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
        self.assertRefused(
            {"api-key": self.secret, "Login-Token": f"{header}.{payload}."}, "The login token is invalid."
        )

    def test_token_wrong_signature(self):
        _token, login_token = self.tokens._issue(self.key, self.user, 1)
        claims = jwt.decode(login_token, options={"verify_signature": False})
        forged = jwt.encode(claims, "another secret of at least thirty-two bytes", algorithm="HS256")
        self.assertRefused({"api-key": self.secret, "Login-Token": forged}, "The login token is invalid.")

    def test_token_expired(self):
        token, _login_token = self.tokens._issue(self.key, self.user, 1)
        now = int(time.time())
        expired = encode_login_token(
            self.tokens._jwt_secret(),
            self.tokens._jwt_issuer(),
            LoginTokenClaims(self.user.id, self.key.id, token.jti, issued_at=now - 100, expires_at=now - 10),
        )
        self.assertRefused({"api-key": self.secret, "Login-Token": expired}, "The login token has expired.")

    def test_token_expired_in_the_database(self):
        token, login_token = self.tokens._issue(self.key, self.user, 1)
        # tokens cannot be changed through the ORM (only revoked): end it behind the ORM's back
        self.env.cr.execute(
            "UPDATE rest_api_token SET expires_at = %s WHERE id = %s",
            [datetime.datetime.now() - datetime.timedelta(seconds=1), token.id],
        )
        token.invalidate_recordset()
        self.env.registry.clear_cache()
        self.assertRefused({"api-key": self.secret, "Login-Token": login_token}, "The login token has expired.")

    def test_token_issued_under_another_key(self):
        other_key, other_secret = make_api_key(self.env, self.user, allow_token_generation=True)
        _token, login_token = self.tokens._issue(other_key, self.user, 1)
        self.resolve({"api-key": other_secret, "Login-Token": login_token})
        self.assertRefused(
            {"api-key": self.secret, "Login-Token": login_token}, "The login token was issued under another API key."
        )

    def test_token_revoked(self):
        token, login_token = self.tokens._issue(self.key, self.user, 1)
        headers = {"api-key": self.secret, "Login-Token": login_token}
        self.resolve(headers)  # now in the token cache
        token.with_user(self.manager).action_revoke()
        self.assertRefused(headers, "The login token has been revoked.")
        self.assertEqual(token.state, "revoked")

    def test_token_deleted(self):
        token, login_token = self.tokens._issue(self.key, self.user, 1)
        headers = {"api-key": self.secret, "Login-Token": login_token}
        self.resolve(headers)
        token.unlink()
        self.assertRefused(headers, "The login token is invalid.")

    def test_token_of_a_deactivated_user(self):
        admin_key, admin_secret = make_api_key(self.env, self.admin, allow_token_generation=True)
        _token, login_token = self.tokens._issue(admin_key, self.other_user, 1)
        headers = {"api-key": admin_secret, "Login-Token": login_token}
        self.resolve(headers)
        self.other_user.active = False
        self.assertRefused(headers, "The user of this login token is deactivated.")

    def test_rotating_the_secret_invalidates_every_token(self):
        token, login_token = self.tokens._issue(self.key, self.user, 1)
        headers = {"api-key": self.secret, "Login-Token": login_token}
        self.resolve(headers)
        old_secret = self.tokens._jwt_secret()
        self.tokens.with_user(self.admin)._rotate_jwt_secret()
        self.assertNotEqual(self.tokens._jwt_secret(), old_secret)
        self.assertRefused(headers, "The login token is invalid.")
        self.assertTrue(token.revoked)
        # new tokens work
        _token, new_login_token = self.tokens._issue(self.key, self.user, 1)
        self.resolve({"api-key": self.secret, "Login-Token": new_login_token})

    def test_key_that_lost_administrator_rights_no_longer_acts_for_others(self):
        self.manager.groups_id += self.env.ref("base.group_system")
        manager_key, manager_secret = make_api_key(self.env, self.manager, allow_token_generation=True)
        _token, login_token = self.tokens._issue(manager_key, self.other_user, 1)
        headers = {"api-key": manager_secret, "Login-Token": login_token}
        self.assertEqual(self.resolve(headers).uid, self.other_user.id)
        self.manager.groups_id -= self.env.ref("base.group_system")
        self.assertRefused(headers, "This API key may no longer act for the user of this login token.")


def unique_address():
    """A documentation IPv6 address of its own /64: the throttle store outlives test transactions."""
    return f"2001:db8:{uuid.uuid4().int % 65536:x}:{uuid.uuid4().int % 65536:x}::7"


@tagged("post_install", "-at_install")
class TestThrottlingInResolve(RestApiUsersMixin, TransactionCase):
    """Where authentication throttles: failed attempts per address, then each key's rate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()

    def resolve(self, secret, ip=LOCAL, model="res.partner", operation="read", **kwargs):
        return resolve(self.env, {"api-key": secret}, ip, operation, model=model, **kwargs)

    def statuses(self, secrets, address):
        statuses = []
        for secret in secrets:
            try:
                self.resolve(secret, ip=address)
                statuses.append(200)
            except (AuthenticationFailed, Throttled) as error:
                statuses.append(error.status)
        return statuses

    def test_failed_attempts_from_an_address_never_lock_out_other_keys(self):
        """Behind NAT or a proxy, many clients share an address: failures are counted per address
        and key prefix, and only where a hash is checked (a prefix that is no key's costs none)."""
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("rest_api.failed_auth_limit", "2")
        parameters.set_param("rest_api.failed_auth_period", "60")
        _key, cached = make_api_key(self.env, self.user, rate_limit=0)
        _key, guessed = make_api_key(self.env, self.user, rate_limit=0)
        _key, fresh = make_api_key(self.env, self.user, rate_limit=0)
        address = unique_address()
        self.resolve(cached, ip=address)  # verified once: now in this worker's cache

        # random guesses match no key's prefix: no hash, never limited
        self.assertEqual(self.statuses(["0" * 40] * 30, address), [401] * 30)
        # guesses at one key's prefix cost a hash each: limited for that address and prefix
        wrong = guessed[:8] + "0" * 32
        self.assertEqual(self.statuses([wrong] * 4, address), [401, 401, 429, 429])
        with self.assertRaises(TooManyFailedAuthentications):
            self.resolve(guessed, ip=address)  # that prefix is the one being guessed at, from that address
        # every other key goes on from that address, cached or not, and that key from elsewhere
        self.assertEqual(self.resolve(cached, ip=address).uid, self.user.id)
        self.assertEqual(self.resolve(fresh, ip=address).uid, self.user.id)
        self.assertEqual(self.resolve(guessed, ip=unique_address()).uid, self.user.id)

    def test_a_request_run_again_is_charged_once(self):
        key, secret = make_api_key(self.env, self.user, rate_limit=1, rate_period=3600, rate_burst=1)
        first = self.resolve(secret)
        self.assertEqual(first.response_headers["RateLimit"], '"default";r=0;t=3600')
        again = self.resolve(secret, charge=False)  # Odoo's retry of the same request
        self.assertEqual((again.uid, again.response_headers), (self.user.id, {}))
        with self.assertRaises(Throttled):
            self.resolve(secret)
        self.assertEqual(key.request_count, 1)

    def test_requests_refused_by_the_scope_are_charged(self):
        _key, secret = make_api_key(
            self.env,
            self.user,
            scope_mode="specific",
            access=[{"model": "res.partner", "read": True}],
            rate_limit=2,
            rate_period=3600,
            rate_burst=2,
        )
        with self.assertRaises(PermissionDenied) as caught:
            self.resolve(secret, model="res.country")
        self.assertEqual(caught.exception.headers["RateLimit"], '"default";r=1;t=1800')
        self.resolve(secret)
        with self.assertRaises(Throttled):
            self.resolve(secret, model="res.country")

    def test_requests_from_a_refused_address_are_not_charged(self):
        """A leaked key used from elsewhere cannot spend the real client's allowance."""
        _key, secret = make_api_key(
            self.env, self.user, allowed_ips="10.0.0.0/8", rate_limit=1, rate_period=3600, rate_burst=1
        )
        for _attempt in range(3):
            with self.assertRaises(PermissionDenied) as caught:
                self.resolve(secret)
            self.assertNotIn("RateLimit", caught.exception.headers)
        self.assertEqual(self.resolve(secret, ip="10.1.2.3").response_headers["RateLimit"], '"default";r=0;t=3600')

    def test_personal_keys_of_one_user_share_one_allowance(self):
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("rest_api.default_rate_limit", "2")
        parameters.set_param("rest_api.default_rate_burst", "2")
        first, second = make_personal_key(self.other_user), make_personal_key(self.other_user)
        self.resolve(first)
        self.resolve(second)
        for secret in (first, second, make_personal_key(self.other_user)):
            with self.subTest(secret=secret[:8]), self.assertRaises(Throttled):
                self.resolve(secret)
        self.resolve(make_personal_key(self.user))  # another user's allowance is their own
