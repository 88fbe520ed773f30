import datetime

from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.base.models.res_users import KEY_CRYPT_CONTEXT

from ..keys import REST_API_KEY_SCOPE
from ..scope import FULL_SCOPE
from .common import RestApiUsersMixin, make_api_key


@tagged("post_install", "-at_install")
class TestProvisioning(RestApiUsersMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        cls.keys = cls.env["rest.api.key"]

    def _native_row(self, key):
        self.env.cr.execute(
            "SELECT name, user_id, scope, expiration_date, index, key FROM res_users_apikeys WHERE id = %s",
            [key.native_key_id.id],
        )
        return self.env.cr.dictfetchone()

    def test_generate_full_policy(self):
        result = self.keys.with_user(self.manager).generate_api_key(
            {
                "name": "shop frontend",
                "user_id": self.user.id,
                "scope_mode": "specific",
                "access": [
                    {
                        "model": "res.partner",
                        "read": True,
                        "create": True,
                        "write": False,
                        "unlink": False,
                        "execute": True,
                        "methods": ["name_search"],
                    },
                ],
                "expiration_date": "2099-01-31 00:00:00",
                "rate_limit": 100,
                "rate_period": 60,
                "rate_burst": 10,
                "allowed_ips": "127.0.0.1, 10.0.0.0/8",
                "require_login_token": False,
                "allow_token_generation": True,
            }
        )
        self.assertEqual(set(result), {"id", "key"})
        key = self.keys.browse(result["id"])
        self.assertRegex(result["key"], r"^[0-9a-f]{40}$")
        self.assertEqual(key.name, "shop frontend")
        self.assertEqual(key.user_id, self.user)
        self.assertEqual(key.expiration_date, datetime.datetime(2099, 1, 31))
        self.assertEqual((key.rate_limit, key.rate_period, key.rate_burst), (100, 60, 10))
        self.assertEqual(key.allowed_ips, "127.0.0.1, 10.0.0.0/8")
        self.assertTrue(key.allow_token_generation)
        self.assertFalse(key.require_login_token)
        self.assertEqual(key.key_prefix, result["key"][:8] + "…")
        line = key.access_ids
        self.assertEqual(line.model_id.model, "res.partner")
        self.assertEqual(
            (line.perm_read, line.perm_create, line.perm_write, line.perm_unlink, line.perm_execute),
            (True, True, False, False, True),
        )
        self.assertEqual(line.allowed_methods, "name_search")

        # the secret lives only as Odoo's hash, on a native row of its own scope, owned by the user
        row = self._native_row(key)
        self.assertEqual(row["scope"], REST_API_KEY_SCOPE)
        self.assertEqual(row["user_id"], self.user.id)
        self.assertEqual(row["name"], "shop frontend")
        self.assertEqual(row["index"], result["key"][:8])
        self.assertNotIn(result["key"], row["key"])
        self.assertTrue(KEY_CRYPT_CONTEXT.verify(result["key"], row["key"]))
        self.assertEqual(row["expiration_date"], datetime.datetime(2099, 1, 31))

        # the scope the authentication entry point will apply
        scope = key._rest_api_scope()
        self.assertTrue(scope.allows("res.partner", "read"))
        self.assertTrue(scope.allows("res.partner", "create"))
        self.assertTrue(scope.allows("res.partner", "execute", "name_search"))
        self.assertFalse(scope.allows("res.partner", "execute", "unlink"))
        self.assertFalse(scope.allows("res.partner", "write"))
        self.assertFalse(scope.allows("res.partner", "unlink"))
        self.assertFalse(scope.allows("res.users", "read"))

    def test_defaults(self):
        result = self.keys.with_user(self.manager).generate_api_key({"name": "mine"})
        key = self.keys.browse(result["id"])
        self.assertEqual(key.user_id, self.manager)  # the caller
        self.assertEqual(key.scope_mode, "all")
        self.assertEqual(key._rest_api_scope(), FULL_SCOPE)
        self.assertFalse(key.expiration_date)  # persistent, whatever Odoo's self-service maximum
        self.assertEqual((key.rate_limit, key.rate_period, key.rate_burst), (600, 60, 60))
        self.assertFalse(key.allow_token_generation)
        self.assertFalse(key.require_login_token)
        self.assertTrue(key.active)

    def test_default_rate_comes_from_the_settings(self):
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("rest_api.default_rate_limit", "0")
        parameters.set_param("rest_api.default_rate_burst", "5")
        key, _secret = make_api_key(self.env, self.user)
        self.assertEqual((key.rate_limit, key.rate_period, key.rate_burst), (0, 60, 5))

    def test_manager_key_ignores_self_service_maximum_duration(self):
        far = (datetime.datetime.now() + datetime.timedelta(days=3650)).replace(microsecond=0)
        result = self.keys.with_user(self.manager).generate_api_key(
            {"name": "long", "user_id": self.user.id, "expiration_date": far.strftime("%Y-%m-%d %H:%M:%S")}
        )
        self.assertEqual(self.keys.browse(result["id"]).expiration_date, far)

    def test_bad_values_are_validation_errors(self):
        cases = [
            ({}, "needs a name"),
            ({"name": "  "}, "needs a name"),
            ({"name": "x", "colour": "red"}, "Unknown member(s) in generate_api_key values: colour"),
            ({"name": "x", "user_id": 999999}, "no active user with id 999999"),
            ({"name": "x", "user_id": "2"}, "user_id must be a res.users id"),
            ({"name": "x", "scope_mode": "some"}, "scope_mode must be"),
            ({"name": "x", "access": [{"model": "no.such.model", "read": True}]}, "Unknown model in access"),
            ({"name": "x", "access": [{"model": "res.partner", "read": "yes"}]}, "must be true or false"),
            ({"name": "x", "access": [{"model": "res.partner", "delete": True}]}, "Unknown member(s) in an access"),
            ({"name": "x", "access": {"model": "res.partner"}}, "access must be a list"),
            ({"name": "x", "access": [{"model": "res.partner", "execute": True, "methods": "write"}]}, "list of"),
            (
                {"name": "x", "access": [{"model": "res.partner", "execute": True, "methods": ["_private"]}]},
                "not a public method name",
            ),
            ({"name": "x", "expiration_date": "tomorrow"}, "expiration_date must be"),
            ({"name": "x", "expiration_date": "2001-01-01 00:00:00"}, "is in the past"),
            ({"name": "x", "rate_limit": -1}, "rate_limit must be an integer"),
            ({"name": "x", "rate_burst": "10"}, "rate_burst must be an integer"),
            ({"name": "x", "rate_limit": 10, "rate_period": 0}, "needs a period"),
            ({"name": "x", "allowed_ips": "localhost"}, "is not an IP address"),
            ({"name": "x", "allowed_ips": 127}, "allowed_ips must be"),
            ({"name": "x", "require_login_token": 1}, "must be true or false"),
        ]
        for values, message in cases:
            with self.subTest(values=values), self.assertRaises(ValidationError) as caught:
                self.keys.with_user(self.manager).generate_api_key(values)
            self.assertIn(message, str(caught.exception))
        with self.assertRaises(ValidationError):
            self.keys.with_user(self.manager).generate_api_key(["name", "x"])
        self.assertFalse(self.keys.search([]))

    def test_only_managers_provision(self):
        with self.assertRaises(AccessError):
            self.keys.with_user(self.user).generate_api_key({"name": "mine"})

    def test_only_administrators_issue_keys_for_administrators(self):
        with self.assertRaises(AccessError):
            self.keys.with_user(self.manager).generate_api_key({"name": "as admin", "user_id": self.admin.id})
        result = self.keys.with_user(self.admin).generate_api_key({"name": "as admin", "user_id": self.admin.id})
        self.assertEqual(self.keys.browse(result["id"]).user_id, self.admin)

    def test_deactivate_and_delete(self):
        key, _secret = make_api_key(self.env, self.user)
        native = key.native_key_id
        key.with_user(self.manager).write({"active": False})
        self.assertFalse(key.active)
        self.assertTrue(native.exists())
        key.with_user(self.manager).unlink()
        self.assertFalse(key.exists())
        self.env.cr.execute("SELECT count(*) FROM res_users_apikeys WHERE id = %s", [native.id])
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_deleting_the_native_key_deletes_the_policy_and_tokens(self):
        key, _secret = make_api_key(self.env, self.user, allow_token_generation=True)
        token, _jwt = self.env["rest.api.token"]._issue(key, self.user, 1)
        key.native_key_id.with_user(self.user)._remove()  # the owner deletes it from Preferences
        self.env.invalidate_all()
        self.assertFalse(key.exists())
        self.assertFalse(token.exists())

    def test_users_see_only_their_own_keys_read_only(self):
        mine, _secret = make_api_key(self.env, self.user, scope_mode="specific", access=[{"model": "res.partner"}])
        theirs, _secret = make_api_key(self.env, self.other_user)
        keys = self.keys.with_user(self.user)
        self.assertEqual(keys.search([]), mine)
        self.assertEqual(mine.with_user(self.user).access_ids.model, "res.partner")
        with self.assertRaises(AccessError):
            theirs.with_user(self.user).read(["name"])
        with self.assertRaises(AccessError):
            mine.with_user(self.user).write({"rate_limit": 0})
        with self.assertRaises(AccessError):
            mine.with_user(self.user).unlink()
        self.assertEqual(self.keys.with_user(self.manager).search([]), mine | theirs)

    def test_owner_cannot_change(self):
        key, _secret = make_api_key(self.env, self.user)
        with self.assertRaises(UserError):
            key.write({"user_id": self.other_user.id})
        with self.assertRaises(UserError):
            key.copy()

    def test_rename_and_expiry_follow_on_the_native_row(self):
        key, _secret = make_api_key(self.env, self.user)
        key.write({"name": "renamed", "expiration_date": datetime.datetime(2098, 5, 1)})
        row = self._native_row(key)
        self.assertEqual(row["name"], "renamed")
        self.assertEqual(row["expiration_date"], datetime.datetime(2098, 5, 1))
        self.assertEqual(self.keys.search([("expiration_date", "=", datetime.datetime(2098, 5, 1))]), key)
        key.expiration_date = False
        self.assertIsNone(self._native_row(key)["expiration_date"])
        with self.assertRaises(ValidationError):
            key.expiration_date = datetime.datetime(2001, 1, 1)

    def test_companion_needs_a_rest_api_native_row_of_its_user(self):
        personal = self.env["res.users.apikeys"].with_user(self.user).sudo()
        personal._generate(None, "personal", None)
        native = self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.user.id)])
        with self.assertRaises(ValidationError):
            self.keys.create({"name": "hijack", "user_id": self.user.id, "native_key_id": native.id})

    def test_access_line_per_model_once(self):
        key, _secret = make_api_key(self.env, self.user, scope_mode="specific", access=[{"model": "res.partner"}])
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation), self.env.cr.savepoint():
            key.write({"access_ids": [Command.create({"model_id": self.env["ir.model"]._get_id("res.partner")})]})
