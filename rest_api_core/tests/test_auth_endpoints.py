"""Authentication on the data endpoints over real HTTP: login tokens, scopes, Odoo's rights, revocation."""

import json
import time

import jwt

from odoo.tests import tagged

from odoo.addons.rest_api_auth.tests.common import RestApiHttpCase, make_api_key, make_personal_key
from odoo.addons.rest_api_auth.tokens import LoginTokenClaims, encode_login_token

SEARCH = "/api/res.partner/search"


@tagged("post_install", "-at_install")
class TestAuthenticationOnDataEndpoints(RestApiHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokens = cls.env["rest.api.token"]
        # an administrator's key issues login tokens for any user
        cls.admin_key, cls.admin_secret = make_api_key(cls.env, cls.admin, allow_token_generation=True)

    def get(self, path, headers, params=None):
        return self.opener.get(self.base_url() + path, params=params, headers=headers, timeout=30)

    def search(self, headers):
        return self.get(SEARCH, headers, {"fields": "['name']", "limit": 1})

    def create_partner(self, headers, name):
        response = self.post("/api/res.partner/create", headers, {"name": name})
        self.assertEqual(response.status_code, 201, response.text)
        return self.env["res.partner"].browse(response.json()["id"])

    def login_token(self, user, key=None):
        _token, login_token = self.tokens._issue(key or self.admin_key, user, 1)
        return login_token

    def test_login_token_makes_its_user_the_effective_user(self):
        self.user.groups_id += self.env.ref("base.group_partner_manager")
        login_token = self.login_token(self.user)
        for headers in (
            {"api-key": self.admin_secret, "Login-Token": login_token},
            {"X-API-Key": self.admin_secret, "X-Login-Token": login_token},
            {"api-key": self.admin_secret, "token": login_token},
            {"api-key": self.admin_secret, "Authorization": f"Bearer {login_token}"},
        ):
            with self.subTest(headers=list(headers)):
                partner = self.create_partner(headers, "Made with a login token")
                self.assertEqual(partner.create_uid, self.user)
        self.assertEqual(
            self.create_partner({"api-key": self.admin_secret}, "Made with the key").create_uid, self.admin
        )

    def test_login_token_user_keeps_its_own_rights(self):
        login_token = self.login_token(self.user)  # an internal user, not a settings administrator
        response = self.get(
            "/api/ir.config_parameter/search", {"api-key": self.admin_secret, "Login-Token": login_token}
        )
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/problem+json")
        self.assertEqual(self.get("/api/ir.config_parameter/search", {"api-key": self.admin_secret}).status_code, 200)

    def test_key_cannot_exceed_its_user_rights(self):
        key, secret = make_api_key(self.env, self.user)  # scope "all": the user's own rights, no more
        headers = {"api-key": secret}
        self.assertEqual(self.search(headers).status_code, 200)
        for method, path in (("GET", "/api/ir.config_parameter/search"), ("POST", "/api/res.users/create")):
            with self.subTest(path=path):
                response = self.request(method, path, headers, {"name": "x", "login": "x"})
                self.assertEqual(response.status_code, 403, response.text)
                self.assertEqual(response.headers["Content-Type"], "application/problem+json")
                self.assertNotIn("Traceback", response.text)
        # record rules apply too: of the saved filters, the user sees their own and the shared ones only
        filters = self.env["ir.filters"]
        own = filters.create({"name": "own", "model_id": "res.partner", "user_id": self.user.id})
        theirs = filters.create({"name": "theirs", "model_id": "res.partner", "user_id": self.other_user.id})
        response = self.get("/api/ir.filters/search", headers, {"fields": "['user_id']", "limit": 500})
        seen = {record["id"]: record["user_id"] for record in response.json()}
        self.assertEqual(seen[own.id], [self.user.id, "Rest User"])
        self.assertNotIn(theirs.id, seen)
        self.assertEqual([owner for owner in seen.values() if owner], [[self.user.id, "Rest User"]])
        self.assertEqual(key.user_id, self.user)

    def test_specific_scope_allows_exactly_its_models_and_operations(self):
        self.user.groups_id += self.env.ref("base.group_partner_manager")
        _key, secret = make_api_key(
            self.env,
            self.user,
            scope_mode="specific",
            access=[{"model": "res.partner", "read": True, "create": True}, {"model": "res.country", "read": True}],
        )
        headers = {"api-key": secret}
        self.assertEqual(self.search(headers).status_code, 200)
        self.assertEqual(self.get("/api/res.country/search", headers, {"limit": 1}).status_code, 200)
        partner = self.create_partner(headers, "Scoped create")
        refused = [
            ("PUT", f"/api/res.partner/{partner.id}", "This API key may not write res.partner."),
            ("DELETE", f"/api/res.partner/{partner.id}", "This API key may not unlink res.partner."),
            ("GET", "/api/res.users/search", "This API key may not read res.users."),
            ("POST", "/api/res.country/create", "This API key may not create res.country."),
        ]
        for method, path, detail in refused:
            with self.subTest(method=method, path=path):
                self.assertProblem(self.request(method, path, headers, {"name": "x"}), 403, detail, path)
        response = self.post("/api/res.partner/execute_kw", headers, {"method": "name_search", "args": ["Scoped"]})
        self.assertProblem(response, 403, "This API key may not execute res.partner.", "/api/res.partner/execute_kw")
        self.assertTrue(partner.exists())
        self.assertEqual(partner.name, "Scoped create")

    def test_required_login_token(self):
        key, secret = make_api_key(self.env, self.user, allow_token_generation=True, require_login_token=True)
        self.assertProblem(
            self.search({"api-key": secret}), 401, "This API key requires a login token (header 'Login-Token')."
        )
        login_token = self.login_token(self.user, key)
        self.assertEqual(self.search({"api-key": secret, "Login-Token": login_token}).status_code, 200)

    def test_bad_login_tokens(self):
        login_token = self.login_token(self.other_user)
        claims = jwt.decode(login_token, options={"verify_signature": False})
        header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
        payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
        now = int(time.time())
        expired = encode_login_token(
            self.tokens._jwt_secret(),
            self.tokens._jwt_issuer(),
            LoginTokenClaims(
                self.other_user.id, self.admin_key.id, claims["jti"], issued_at=now - 99, expires_at=now - 9
            ),
        )
        other_key, other_secret = make_api_key(self.env, self.admin, allow_token_generation=True)
        cases = [
            ("a.b.c", "The login token is invalid."),
            ("not-a-jwt-at-all", "The login token is invalid."),
            (f"{header}.{payload}.", "The login token is invalid."),  # alg none
            (
                jwt.encode(claims, "another secret, long enough for HS256!", algorithm="HS256"),
                "The login token is invalid.",
            ),
            (jwt.encode(claims, self.tokens._jwt_secret(), algorithm="HS512"), "The login token is invalid."),
            (expired, "The login token has expired."),
            (self.login_token(self.other_user, other_key), "The login token was issued under another API key."),
        ]
        for token, detail in cases:
            with self.subTest(detail=detail, token=token[:20]):
                self.assertProblem(
                    self.search({"api-key": self.admin_secret, "Login-Token": token}), 401, detail, SEARCH
                )
        # the token of the other key works with its own key
        self.assertEqual(self.search({"api-key": other_secret, "Login-Token": cases[-1][0]}).status_code, 200)

    def test_revoked_token_is_refused_on_the_next_request(self):
        login_token = self.login_token(self.other_user)
        headers = {"api-key": self.admin_secret, "Login-Token": login_token}
        self.assertEqual(self.search(headers).status_code, 200)
        self.tokens.search([("user_id", "=", self.other_user.id)]).with_user(self.manager).action_revoke()
        self.assertProblem(self.search(headers), 401, "The login token has been revoked.", SEARCH)

    def test_token_of_a_deactivated_user(self):
        headers = {"api-key": self.admin_secret, "Login-Token": self.login_token(self.other_user)}
        self.assertEqual(self.search(headers).status_code, 200)
        self.other_user.active = False
        self.assertProblem(self.search(headers), 401, "The user of this login token is deactivated.", SEARCH)

    def test_deactivated_key_is_refused_on_the_next_request(self):
        key, secret = make_api_key(self.env, self.user)
        self.assertEqual(self.search({"api-key": secret}).status_code, 200)
        key.with_user(self.manager).active = False
        self.assertProblem(self.search({"api-key": secret}), 401, "This API key is deactivated.", SEARCH)


@tagged("post_install", "-at_install")
class TestCredentialsAreNeverManagedThroughTheApi(RestApiHttpCase):
    """Not even by an administrator's key of scope "all": a leaked key must not copy itself, widen
    or revive keys and tokens (provisioning stays on XML-RPC/JSON-RPC and the web client)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_key, cls.admin_secret = make_api_key(cls.env, cls.admin, allow_token_generation=True)
        cls.headers = {"api-key": cls.admin_secret}

    def test_a_key_cannot_generate_keys(self):
        """The review's probe: generate_api_key through execute_kw."""
        path = "/api/rest.api.key/execute_kw"
        response = self.post(path, self.headers, {"method": "generate_api_key", "args": [{"name": "copy"}]})
        detail = (
            "rest.api.key cannot be used through the REST API: credentials (API keys, login tokens, passwords, "
            "second factors) are managed and checked in Odoo (web client, XML-RPC/JSON-RPC), never with an API key."
        )
        self.assertProblem(response, 403, detail, path)
        self.assertFalse(self.env["rest.api.key"].search([("name", "=", "copy")]))

    def test_credential_models_are_refused_on_every_route(self):
        key, _secret = make_api_key(self.env, self.user)
        for method, path in (
            ("GET", "/api/rest.api.key/search"),
            ("GET", f"/api/rest.api.key/{key.id}"),
            ("PUT", f"/api/rest.api.key/{key.id}"),
            ("DELETE", f"/api/rest.api.key/{key.id}"),
            ("GET", "/api/rest.api.token/record_count"),
            ("GET", "/api/res.users.apikeys/search"),
            ("GET", "/api/res.users.apikeys/schema"),
            ("POST", "/api/res.users.apikeys.description/create"),
        ):
            with self.subTest(method=method, path=path):
                response = self.request(method, path, self.headers, {"rate_limit": 0})
                self.assertEqual(response.status_code, 403, response.text)
                self.assertIn("cannot be used through the REST API", response.json()["detail"])
        self.assertEqual(key.rate_limit, 600)

    def test_a_key_can_neither_check_nor_change_its_users_password(self):
        """The probe: identitycheck create + run_check told a right password from a wrong one, unthrottled."""
        _key, secret = make_api_key(self.env, self.user)
        headers, uid = {"api-key": secret}, self.user.id
        self.env.cr.execute("SELECT password FROM res_users WHERE id = %s", [uid])
        password_hash = self.env.cr.fetchone()[0]
        checks = self.env["res.users.identitycheck"].sudo().search_count([])
        for method, path, body in (
            ("POST", "/api/res.users.identitycheck/create", {"password": "rest_user"}),
            ("POST", "/api/res.users.identitycheck/execute_kw", {"method": "create", "args": [{"password": "x"}]}),
            ("POST", "/api/res.users.identitycheck/execute_kw", {"method": "run_check", "args": [[1]]}),
            ("GET", "/api/res.users.identitycheck/search", None),
            ("POST", "/api/change.password.wizard/create", {"user_ids": [[0, 0, {"user_id": uid}]]}),
            ("POST", "/api/change.password.user/execute_kw", {"method": "change_password_button", "args": [[1]]}),
            ("POST", "/api/change.password.own/create", {"new_password": "x", "confirm_password": "x"}),
            ("POST", "/api/auth_totp.wizard/create", {"user_id": uid}),
        ):
            with self.subTest(method=method, path=path):
                response = self.request(method, path, headers, body)
                self.assertEqual(response.status_code, 403, response.text)
                self.assertIn("cannot be used through the REST API", response.json()["detail"])
        for args in (["wrong", "new-password"], ["rest_user", "new-password"]):
            with self.subTest(args=args):
                response = self.post("/api/res.users/execute_kw", headers, {"method": "change_password", "args": args})
                detail = "res.users.change_password checks a password: it cannot be called through the REST API."
                self.assertProblem(response, 403, detail, "/api/res.users/execute_kw")
        self.env.cr.execute("SELECT password FROM res_users WHERE id = %s", [uid])
        self.assertEqual(self.env.cr.fetchone()[0], password_hash)
        self.assertEqual(self.env["res.users.identitycheck"].sudo().search_count([]), checks)

    def test_nor_through_the_users_x2many_fields(self):
        key, _secret = make_api_key(self.env, self.user, scope_mode="specific")
        token, _jwt = self.env["rest.api.token"]._issue(self.admin_key, self.user, 1)
        token.action_revoke()
        path = f"/api/res.users/{self.user.id}"
        for values, detail in (
            ({"rest_api_key_ids": [[1, key.id, {"scope_mode": "all", "rate_limit": 0}]]}, "write rest.api.key"),
            ({"rest_api_key_ids": [[2, key.id]]}, "unlink rest.api.key"),
            ({"rest_api_token_ids": [[1, token.id, {"revoked": False}]]}, "write rest.api.token"),
        ):
            with self.subTest(values=values):
                # refused before Odoo sees the commands (the models refuse them too, see current_request)
                response = self.request("PUT", path, self.headers, values)
                self.assertEqual(response.status_code, 403, response.text)
                self.assertIn(f"may not {detail} records", response.json()["detail"])
                self.assertIn("cannot be used through the REST API", response.json()["detail"])
        self.assertEqual((key.scope_mode, key.rate_limit, token.revoked), ("specific", 600, True))


@tagged("post_install", "-at_install")
class TestThrottlingOverHttp(RestApiHttpCase):
    def search(self, secret, model="res.partner"):
        return self.opener.get(
            f"{self.base_url()}/api/{model}/search", params={"limit": 1}, headers={"api-key": secret}, timeout=30
        )

    def test_personal_keys_of_one_user_share_one_allowance(self):
        """Anyone may create personal keys: more keys must not mean a higher rate."""
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("rest_api.default_rate_limit", "3")
        parameters.set_param("rest_api.default_rate_burst", "3")
        secrets = [make_personal_key(self.user) for _key in range(4)]
        statuses = [self.search(secret).status_code for secret in secrets]
        self.assertEqual(statuses, [200, 200, 200, 429])
        self.assertEqual(self.search(make_personal_key(self.other_user)).status_code, 200)

    def test_requests_refused_by_the_scope_are_throttled(self):
        _key, secret = make_api_key(
            self.env,
            self.user,
            scope_mode="specific",
            access=[{"model": "res.partner", "read": True}],
            rate_limit=2,
            rate_period=3600,
            rate_burst=2,
        )
        refused = self.search(secret, model="res.country")
        self.assertEqual(refused.status_code, 403, refused.text)
        self.assertEqual(refused.headers["RateLimit"], '"default";r=1;t=1800')
        self.assertEqual(self.search(secret).status_code, 200)
        throttled = self.search(secret, model="res.country")
        self.assertEqual(throttled.status_code, 429)
        self.assertIn("Retry-After", throttled.headers)
