"""Settings > REST API shows the settings of rest_api_core and rest_api_docs (saved: see test_settings)."""

from odoo.tests import HttpCase, tagged

from odoo.addons.rest_api_auth.tests.common import TOUR_TIMEOUT, load_static_routes


@tagged("post_install", "-at_install", "is_tour")
class TestSettingsScreen(HttpCase):
    def test_settings_view_shows_every_field(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        for field in (
            "rest_api_cors_origins",
            "rest_api_default_limit",
            "rest_api_max_limit",
            "rest_api_max_batch",
            "rest_api_idempotency_ttl",
            "rest_api_webhook_allow_private",
            "rest_api_webhook_retention_days",
            "rest_api_throttle_lease",
            "rest_api_docs_public",
        ):
            with self.subTest(field=field):
                self.assertIn(f'name="{field}"', arch)

    def test_settings_search_finds_them(self):
        """Searching "CORS", "page size", "bulk", "webhook", "lease" or "documentation" in Settings shows it."""
        load_static_routes()
        self.start_tour(
            "/odoo/action-rest_api_auth.rest_api_config_settings_action",
            "rest_api_settings_search",
            login="admin",
            timeout=TOUR_TIMEOUT,
        )
