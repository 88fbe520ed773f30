"""What the documents show a key it may do: its scope and its user's access rights, both (``key_access``)."""

from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.rest_api_auth.scope import FULL_SCOPE, KeyScope, ModelAccess

from ..key_access import allowed_operations, may


@tagged("post_install", "-at_install")
class TestKeyAccess(TransactionCase):
    def setUp(self):
        super().setUp()
        user = new_test_user(self.env, login="key_access_user", groups="base.group_user")
        self.user_env = self.env(user=user)

    def test_the_access_rights_narrow_a_full_scope(self):
        # an internal user reads countries, an administrator manages them; execute_kw needs read
        self.assertEqual(allowed_operations(self.user_env, FULL_SCOPE, "res.country"), {"read", "execute"})
        self.assertEqual(
            allowed_operations(self.env, FULL_SCOPE, "res.country"), {"read", "create", "write", "unlink", "execute"}
        )

    def test_the_scope_narrows_the_access_rights(self):
        scope = KeyScope(mode="specific", access={"res.country": ModelAccess(read=True, write=True)})
        self.assertEqual(allowed_operations(self.env, scope, "res.country"), {"read", "write"})
        self.assertEqual(allowed_operations(self.user_env, scope, "res.country"), {"read"})
        self.assertFalse(may(self.env, scope, "res.partner", "read"))

    def test_a_model_not_in_the_registry_allows_nothing(self):
        self.assertEqual(allowed_operations(self.env, FULL_SCOPE, "no.such.model"), frozenset())
