"""The web client's key and token flows, driven over JSON-RPC like the browser drives them."""

import xmlrpc.client

import jwt

from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from ..authentication import resolve
from ..exceptions import AuthenticationFailed
from .common import RestApiUsersMixin, make_api_key, make_personal_key


@tagged("post_install", "-at_install")
class TestKeyAndTokenDialogs(RestApiUsersMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()

    def call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def call_button(self, model, method, ids):
        return self.make_jsonrpc_request(
            "/web/dataset/call_button", {"model": model, "method": method, "args": [ids], "kwargs": {}}
        )

    def confirm_identity(self, action, password):
        """Odoo's password check dialog, as for its own API keys; returns the checked method's action."""
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        check_id = action["res_id"]
        self.call_kw("res.users.identitycheck", "write", [[check_id], {"password": password}])
        return self.call_button("res.users.identitycheck", "run_check", [check_id])

    def test_new_key_dialog_shows_the_secret_once(self):
        self.authenticate("rest_manager", "rest_manager")
        wizard_id = self.call_kw(
            "rest.api.key.generate",
            "create",
            [
                {
                    "name": "mobile app",
                    "user_id": self.user.id,
                    "scope_mode": "specific",
                    "rate_limit": 30,
                    "rate_burst": 5,
                }
            ],
        )
        action = self.confirm_identity(
            self.call_button("rest.api.key.generate", "action_generate", [wizard_id]), "rest_manager"
        )
        self.assertEqual(action["res_model"], "rest.api.key.show")
        secret = action["context"]["default_key"]
        self.assertRegex(secret, r"^[0-9a-f]{40}$")

        key = self.env["rest.api.key"].search([("name", "=", "mobile app")])
        self.assertEqual((key.user_id, key.scope_mode, key.rate_limit), (self.user, "specific", 30))
        self.assertFalse(self.env["rest.api.key.generate"].search([("id", "=", wizard_id)]))  # the dialog is gone
        self.env.cr.execute("SELECT key FROM res_users_apikeys WHERE id = %s", [key.native_key_id.id])
        self.assertNotEqual(self.env.cr.fetchone()[0], secret)  # only the hash is stored
        context = resolve(self.env, {"api-key": secret}, "127.0.0.1", "docs")
        self.assertEqual(context.api_key_id, key.id)
        self.assertEqual(context.uid, self.user.id)

    def test_wrong_password_creates_nothing(self):
        self.authenticate("rest_manager", "rest_manager")
        wizard_id = self.call_kw("rest.api.key.generate", "create", [{"name": "nope", "user_id": self.user.id}])
        action = self.call_button("rest.api.key.generate", "action_generate", [wizard_id])
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self.confirm_identity(action, "wrong password")
        self.assertFalse(self.env["rest.api.key"].search([("name", "=", "nope")]))

    def test_issue_login_token_from_the_user_form(self):
        key, secret = make_api_key(self.env, self.user, allow_token_generation=True)
        make_api_key(self.env, self.other_user, allow_token_generation=True)  # not for rest_user
        self.authenticate("rest_manager", "rest_manager")
        action = self.call_button("res.users", "action_issue_rest_api_token", [self.user.id])
        self.assertEqual(action["res_model"], "rest.api.token.issue")
        wizard_id = self.call_kw(
            "rest.api.token.issue",
            "create",
            [{"user_id": self.user.id, "key_id": key.id, "expiration_days": 7}],
            {"context": action["context"]},
        )
        allowed = self.call_kw("rest.api.token.issue", "read", [[wizard_id], ["allowed_key_ids"]])
        self.assertEqual(allowed[0]["allowed_key_ids"], key.ids)
        action = self.confirm_identity(
            self.call_button("rest.api.token.issue", "action_issue", [wizard_id]), "rest_manager"
        )
        self.assertEqual(action["res_model"], "rest.api.token.show")
        login_token = action["context"]["default_login_token"]
        token = self.env["rest.api.token"].search([("key_id", "=", key.id)])
        self.assertEqual(jwt.decode(login_token, options={"verify_signature": False})["jti"], token.jti)
        headers = {"api-key": secret, "Login-Token": login_token}
        self.assertEqual(resolve(self.env, headers, "127.0.0.1", "docs").token_id, token.id)

        # revoke it from the same tab
        self.call_button("rest.api.token", "action_revoke", [token.id])
        self.assertTrue(token.revoked)
        with self.assertRaises(AuthenticationFailed):
            resolve(self.env, headers, "127.0.0.1", "docs")

    def test_token_dialog_refuses_a_key_of_another_user(self):
        key, _secret = make_api_key(self.env, self.other_user, allow_token_generation=True)
        self.authenticate("rest_manager", "rest_manager")
        wizard_id = self.call_kw("rest.api.token.issue", "create", [{"user_id": self.user.id, "key_id": key.id}])
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.confirm_identity(self.call_button("rest.api.token.issue", "action_issue", [wizard_id]), "rest_manager")
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.UserError")
        self.assertFalse(self.env["rest.api.token"].search([]))

    def test_a_manager_cannot_provision_for_a_user_with_more_rights(self):
        """The review's probe, over JSON-RPC: a key for an "Access Rights" user would let the manager
        give themselves any group with it."""
        rights_manager = new_test_user(self.env, login="rest_rights", groups="base.group_user,base.group_erp_manager")
        self.authenticate("rest_manager", "rest_manager")
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.call_kw("rest.api.key", "generate_api_key", [{"name": "escalation", "user_id": rights_manager.id}])
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        self.assertFalse(self.env["rest.api.key"].search([("user_id", "=", rights_manager.id)]))

        # nor issue a login token acting as that user, under any key
        admin_key, _secret = make_api_key(self.env, self.admin, allow_token_generation=True)
        wizard_id = self.call_kw(
            "rest.api.token.issue", "create", [{"user_id": rights_manager.id, "key_id": admin_key.id}]
        )
        self.assertEqual(
            self.call_kw("rest.api.token.issue", "read", [[wizard_id], ["allowed_key_ids"]])[0]["allowed_key_ids"], []
        )
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.confirm_identity(self.call_button("rest.api.token.issue", "action_issue", [wizard_id]), "rest_manager")
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        self.assertFalse(self.env["rest.api.token"].search([("user_id", "=", rights_manager.id)]))

    def test_users_see_their_keys_and_revoke_their_tokens_in_their_preferences(self):
        key, _secret = make_api_key(self.env, self.user, allow_token_generation=True)
        token, _login_token = self.env["rest.api.token"]._issue(key, self.user, 1)
        self.authenticate("rest_user", "rest_user")
        view = self.env.ref("base.view_users_form_simple_modif")
        arch = self.call_kw("res.users", "get_views", [[[view.id, "form"]]])["views"]["form"]["arch"]
        self.assertIn('name="rest_api_key_ids"', arch)
        values = self.call_kw(
            "res.users",
            "web_read",
            [[self.user.id]],
            {
                "specification": {
                    "rest_api_key_ids": {"fields": {"name": {}, "key_prefix": {}, "request_count": {}}},
                    "rest_api_token_ids": {"fields": {"state": {}}},
                }
            },
        )[0]
        self.assertEqual([line["id"] for line in values["rest_api_key_ids"]], key.ids)
        self.assertEqual(values["rest_api_token_ids"], [{"id": token.id, "state": "valid"}])
        self.call_button("rest.api.token", "action_revoke", [token.id])
        self.assertTrue(token.revoked)
        # un-revoking is refused to everybody
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.call_kw("rest.api.token", "write", [[token.id], {"revoked": False}])
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        self.assertTrue(token.revoked)

    def test_users_cannot_open_the_dialogs(self):
        self.authenticate("rest_user", "rest_user")
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.call_kw("rest.api.key.generate", "create", [{"name": "mine", "user_id": self.user.id}])
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self.call_kw("rest.api.key", "generate_api_key", [{"name": "mine"}])

    def test_provisioning_over_jsonrpc_and_xmlrpc(self):
        manager_password = "rest_manager"
        created = self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.manager.id,
            manager_password,
            "rest.api.key",
            "generate_api_key",
            [{"name": "over xml-rpc", "user_id": self.user.id, "expiration_date": False}],
        )
        self.assertEqual(set(created), {"id", "key"})
        key = self.env["rest.api.key"].browse(created["id"])
        self.assertEqual(key.name, "over xml-rpc")
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self.xmlrpc_object.execute_kw(
                self.env.cr.dbname,
                self.manager.id,
                manager_password,
                "rest.api.key",
                "generate_api_key",
                [{"name": "bad", "access": [{"model": "no.such.model"}]}],
            )
        self.assertIn("Unknown model in access: 'no.such.model'", caught.exception.faultString)
        self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.manager.id,
            manager_password,
            "rest.api.key",
            "write",
            [[key.id], {"active": False}],
        )
        self.assertFalse(key.active)
        self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.manager.id, manager_password, "rest.api.key", "unlink", [[key.id]]
        )
        self.assertFalse(key.exists())

    def test_xmlrpc_refuses_rest_keys_but_takes_personal_keys(self):
        _key, secret = make_api_key(self.env, self.user)
        with mute_logger("odoo.http"), self.assertRaises(xmlrpc.client.Fault) as caught:
            self.xmlrpc_object.execute_kw(self.env.cr.dbname, self.user.id, secret, "res.partner", "search_count", [[]])
        self.assertEqual(caught.exception.faultString, "Access Denied")
        personal = make_personal_key(self.user)
        count = self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.user.id, personal, "res.partner", "search_count", [[]]
        )
        self.assertGreater(count, 0)
