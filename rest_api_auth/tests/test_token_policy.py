"""The one token-issuing policy (``rest.api.token._issue_for``), as /api/generate_token and the dialog use it."""

import datetime

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..exceptions import NotFound, PermissionDenied
from .common import RestApiUsersMixin, make_api_key


@tagged("post_install", "-at_install")
class TestTokenPolicy(RestApiUsersMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        cls.tokens = cls.env["rest.api.token"]
        cls.key, _secret = make_api_key(cls.env, cls.user, allow_token_generation=True)

    def expire(self, key):
        past = datetime.datetime.now() - datetime.timedelta(hours=1)
        self.env.cr.execute(
            "UPDATE res_users_apikeys SET expiration_date = %s WHERE id = %s", [past, key.native_key_id.id]
        )
        key.native_key_id.invalidate_recordset(["expiration_date"])
        key.invalidate_recordset(["expiration_date"])

    def refusal(self, key, user):
        """The policy's answer, checked to be the same through _issue_for and through the dialog."""
        error = self.tokens._issue_refusal(key, user)
        if error:
            with self.assertRaises(type(error)) as caught:
                self.tokens._issue_for(key, user, 1)
            self.assertEqual(caught.exception.detail, error.detail)
            if key:
                wizard = self.env["rest.api.token.issue"].create({"user_id": user.id, "key_id": key.id})
                self.assertNotIn(key, wizard.allowed_key_ids)
                with self.assertRaises(UserError) as shown:
                    wizard._issue_and_show()
                self.assertEqual(shown.exception.args[0], error.detail)
        return error

    def test_allowed_key_issues(self):
        self.assertIsNone(self.refusal(self.key, self.user))
        token, login_token = self.tokens._issue_for(self.key, self.user, 3)
        self.assertEqual((token.user_id, token.key_id), (self.user, self.key))
        self.assertTrue(login_token)

    def test_refusals(self):
        no_tokens, _secret = make_api_key(self.env, self.user)
        inactive_user = new_test_user(self.env, login="rest_inactive", groups="base.group_user")
        inactive_user.active = False
        cases = [
            (self.env["rest.api.key"], self.user, PermissionDenied, "This API key may not issue login tokens."),
            (no_tokens, self.user, PermissionDenied, "This API key may not issue login tokens."),
            (self.key, self.other_user, PermissionDenied, "This API key may only issue login tokens for its own user."),
        ]
        for key, user, error_class, detail in cases:
            with self.subTest(key=key.name, user=user.id):
                error = self.refusal(key, user)
                self.assertIsInstance(error, error_class)
                self.assertIn(detail, error.detail)
        admin_key, _secret = make_api_key(self.env, self.admin, allow_token_generation=True)
        for user in (self.env["res.users"].browse(987654), inactive_user):
            with self.subTest(user=user.id):
                error = self.tokens._issue_refusal(admin_key, user)
                self.assertIsInstance(error, NotFound)
                self.assertEqual(error.detail, f"There is no active user with id {user.id}.")
        self.assertIsNone(self.refusal(admin_key, self.other_user))  # an administrator's key acts for anyone

    def test_deactivated_or_expired_key_or_owner(self):
        self.key.active = False
        self.assertEqual(self.refusal(self.key, self.user).detail, "The API key test key is deactivated.")
        self.key.active = True
        self.expire(self.key)
        self.assertEqual(self.refusal(self.key, self.user).detail, "The API key test key has expired.")

        administrator = new_test_user(self.env, login="rest_sysadmin", groups="base.group_user,base.group_system")
        admin_key, _secret = make_api_key(self.env, administrator, allow_token_generation=True)
        administrator.active = False
        self.assertEqual(self.refusal(admin_key, self.user).detail, "The user of the API key test key is deactivated.")
        self.assertFalse(self.tokens.search([]))
