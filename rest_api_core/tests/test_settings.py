from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase

from ..settings import cors_origins, page_limits


class TestSettings(TransactionCase):
    def test_settings_are_system_parameters(self):
        settings = self.env["res.config.settings"].create(
            {"rest_api_default_limit": 25, "rest_api_max_limit": 200, "rest_api_cors_origins": "https://a.example"}
        )
        settings.set_values()
        parameters = self.env["ir.config_parameter"]
        self.assertEqual(parameters.get_param("rest_api.default_limit"), "25")
        self.assertEqual(parameters.get_param("rest_api.max_limit"), "200")
        self.assertEqual(page_limits(self.env), (25, 200))
        self.assertEqual(cors_origins(self.env), {"https://a.example"})

    def test_defaults(self):
        parameters = self.env["ir.config_parameter"]
        for key in ("rest_api.default_limit", "rest_api.max_limit", "rest_api.cors_origins"):
            parameters.set_param(key, False)
        self.assertEqual(page_limits(self.env), (80, 1000))
        self.assertEqual(cors_origins(self.env), frozenset())
        settings = self.env["res.config.settings"].create({})
        self.assertEqual((settings.rest_api_default_limit, settings.rest_api_max_limit), (80, 1000))

    def test_inconsistent_limits_are_refused(self):
        for values in ({"rest_api_default_limit": 0}, {"rest_api_default_limit": 50, "rest_api_max_limit": 10}):
            with self.subTest(**values), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create({"rest_api_max_limit": 1000, **values})

    def test_garbage_parameters_fall_back(self):
        parameters = self.env["ir.config_parameter"]
        parameters.set_param("rest_api.default_limit", "lots")
        parameters.set_param("rest_api.max_limit", "-3")
        self.assertEqual(page_limits(self.env), (80, 1000))
        parameters.set_param("rest_api.default_limit", "5000")
        parameters.set_param("rest_api.max_limit", "100")
        self.assertEqual(page_limits(self.env), (100, 100))
