"""The web client's "New API Key" buttons, pressed in a real browser (Odoo tours)."""

from odoo.tests import HttpCase, tagged

from .common import TOUR_TIMEOUT, RestApiUsersMixin, load_static_routes


@tagged("post_install", "-at_install", "is_tour")
class TestNewKeyTours(RestApiUsersMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        load_static_routes()

    def assertKeyCreated(self, name, user):
        key = self.env["rest.api.key"].search([("name", "=", name)])
        self.assertEqual(len(key), 1, f"the tour created no key named {name!r}")
        self.assertEqual(key.user_id, user)
        self.assertTrue(key.native_key_id)

    def test_new_key_from_the_key_list(self):
        """A REST API manager (not an administrator) creates a key from the key list's header button."""
        self.start_tour(
            "/odoo/action-rest_api_auth.rest_api_key_action",
            "rest_api_new_key_from_list",
            login="rest_manager",
            timeout=TOUR_TIMEOUT,
        )
        self.assertKeyCreated("key from the list", self.manager)

    def test_new_key_from_the_user_form(self):
        self.start_tour(
            f"/odoo/action-base.action_res_users/{self.user.id}",
            "rest_api_new_key_from_user_form",
            login="admin",
            timeout=TOUR_TIMEOUT,
        )
        self.assertKeyCreated("key from the user form", self.user)

    def test_new_key_from_settings(self):
        settings = "/odoo/action-rest_api_auth.rest_api_config_settings_action"
        self.start_tour(settings, "rest_api_new_key_from_settings", login="admin", timeout=TOUR_TIMEOUT)
        self.assertKeyCreated("key from settings", self.admin)
