"""REST API managers find the key list without developer mode."""

from odoo.tests import TransactionCase, tagged

from .common import RestApiUsersMixin


@tagged("post_install", "-at_install")
class TestMenus(RestApiUsersMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()

    def visible_actions(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        return {menu["id"]: menu.get("action") for menu in menus.values() if isinstance(menu.get("id"), int)}

    def test_key_list_without_developer_mode(self):
        key_list = f"ir.actions.act_window,{self.env.ref('rest_api_auth.rest_api_key_action').id}"
        app = self.env.ref("rest_api_auth.menu_rest_api")
        users_and_companies = self.env.ref("rest_api_auth.menu_rest_api_keys_users")
        manager_menus = self.visible_actions(self.manager)
        self.assertIn(app.id, manager_menus)  # the REST API app, for managers who are not administrators
        self.assertEqual(manager_menus[self.env.ref("rest_api_auth.menu_rest_api_keys").id], key_list)
        admin_menus = self.visible_actions(self.admin)
        self.assertEqual(admin_menus[users_and_companies.id], key_list)  # Settings > Users & Companies
        self.assertNotIn(app.id, self.visible_actions(self.user))
