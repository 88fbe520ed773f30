from odoo.tests import TransactionCase, tagged

from .common import RestApiUsersMixin

PARAMETERS = (
    "rest_api.personal_keys_enabled",
    "rest_api.default_rate_limit",
    "rest_api.default_rate_period",
    "rest_api.default_rate_burst",
    "rest_api.throttle_fail_open",
    "rest_api.throttle_store",
    "rest_api.throttle_lease",
    "rest_api.failed_auth_limit",
    "rest_api.failed_auth_period",
)


@tagged("post_install", "-at_install")
class TestSettings(RestApiUsersMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        cls.parameters = cls.env["ir.config_parameter"].sudo()

    def test_installed_with_explicit_defaults(self):
        values = {name: self.parameters.get_param(name) for name in PARAMETERS}
        values.pop("rest_api.failed_auth_limit")  # raised for the tests by setup_rest_api_users
        self.assertEqual(
            values,
            {
                "rest_api.personal_keys_enabled": "True",
                "rest_api.default_rate_limit": "600",
                "rest_api.default_rate_period": "60",
                "rest_api.default_rate_burst": "60",
                "rest_api.throttle_fail_open": "True",
                "rest_api.throttle_store": "postgresql",
                "rest_api.throttle_lease": "True",
                "rest_api.failed_auth_period": "60",
            },
        )
        secret = self.parameters.get_param("rest_api.jwt_secret")
        self.assertGreaterEqual(len(secret), 43)  # 32 random bytes or more, URL-safe base64

    def test_off_and_zero_survive_a_save(self):
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertTrue(settings.rest_api_personal_keys_enabled)
        self.assertTrue(settings.rest_api_throttle_lease)
        self.assertEqual(settings.rest_api_default_rate_limit, 600)
        settings.write(
            {
                "rest_api_personal_keys_enabled": False,
                "rest_api_throttle_fail_open": False,
                "rest_api_throttle_lease": False,
                "rest_api_default_rate_limit": 0,
                "rest_api_default_rate_burst": 0,
                "rest_api_failed_auth_limit": 7,
            }
        )
        settings.execute()
        self.assertEqual(self.parameters.get_param("rest_api.personal_keys_enabled"), "False")
        self.assertEqual(self.parameters.get_param("rest_api.throttle_fail_open"), "False")
        self.assertEqual(self.parameters.get_param("rest_api.throttle_lease"), "False")
        self.assertEqual(self.parameters.get_param("rest_api.default_rate_limit"), "0")
        self.assertEqual(self.parameters.get_param("rest_api.default_rate_burst"), "0")
        self.assertEqual(self.parameters.get_param("rest_api.failed_auth_limit"), "7")
        reopened = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertFalse(reopened.rest_api_personal_keys_enabled)
        self.assertFalse(reopened.rest_api_throttle_fail_open)
        self.assertFalse(reopened.rest_api_throttle_lease)
        self.assertEqual(reopened.rest_api_default_rate_limit, 0)
        self.assertEqual(reopened.rest_api_default_rate_period, 60)

    def test_rotate_secret_action(self):
        old = self.parameters.get_param("rest_api.jwt_secret")
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        action = settings.action_rotate_rest_api_token_secret()
        self.assertEqual(action["tag"], "display_notification")
        new = self.parameters.get_param("rest_api.jwt_secret")
        self.assertNotEqual(new, old)
        self.assertGreaterEqual(len(new), 43)

    def test_manager_group_for_administrators_only(self):
        self.assertTrue(self.admin.has_group("rest_api_auth.group_rest_api_manager"))
        self.assertFalse(self.user.has_group("rest_api_auth.group_rest_api_manager"))
