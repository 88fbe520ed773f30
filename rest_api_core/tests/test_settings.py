from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase

from ..settings import (
    LOG_BODIES_PARAM,
    METRICS_LOOPBACK_PARAM,
    WEBHOOK_ALLOW_PRIVATE_PARAM,
    cors_origins,
    idempotency_ttl_hours,
    max_batch,
    metrics_loopback,
    page_limits,
    request_log_error_bodies,
    webhook_allow_private,
    webhook_retention_days,
)

# what an administrator may type in a system parameter for on and off
ON_WORDS = ("True", "true", "1", "yes", "on", " On ")
OFF_WORDS = ("False", "false", "0", "no", "off", "")

# settings field -> (its default, a value to save, the reader of the parameter)
BOUNDS = {
    "rest_api_max_batch": (1000, 250, max_batch),
    "rest_api_idempotency_ttl": (24, 2, idempotency_ttl_hours),
    "rest_api_webhook_retention_days": (30, 7, webhook_retention_days),
}


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

    def test_on_off_parameters_read_the_same_words(self):
        """Every on/off parameter reads on/off, yes/no, true/false and 1/0 alike ("off" was once on
        for one of them and "yes" off for others); unset or unreadable, it stays off."""
        parameters = self.env["ir.config_parameter"]
        for param, reader in (
            (WEBHOOK_ALLOW_PRIVATE_PARAM, webhook_allow_private),
            (METRICS_LOOPBACK_PARAM, metrics_loopback),
            (LOG_BODIES_PARAM, request_log_error_bodies),
        ):
            for word, expected in [(word, True) for word in ON_WORDS] + [(word, False) for word in OFF_WORDS]:
                with self.subTest(param=param, word=word):
                    parameters.set_param(param, word)
                    self.assertIs(reader(self.env), expected)
            parameters.set_param(param, "maybe")
            self.assertIs(reader(self.env), False)

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

    def test_bulk_idempotency_and_webhook_settings_are_system_parameters(self):
        parameters = self.env["ir.config_parameter"]
        for key in ("rest_api.max_batch", "rest_api.idempotency_ttl", "rest_api.webhook_retention_days",
                    "rest_api.webhook_allow_private"):  # fmt: skip
            parameters.set_param(key, False)
        defaults = self.env["res.config.settings"].create({})
        for field, (default, _value, reader) in BOUNDS.items():
            with self.subTest(field=field):
                self.assertEqual(defaults[field], default)
                self.assertEqual(reader(self.env), default)
        self.assertFalse(defaults.rest_api_webhook_allow_private)
        self.assertFalse(webhook_allow_private(self.env))

        settings = self.env["res.config.settings"].create(
            {**{field: value for field, (_default, value, _reader) in BOUNDS.items()},
             "rest_api_webhook_allow_private": True}
        )  # fmt: skip
        settings.set_values()
        self.assertEqual(parameters.get_param("rest_api.max_batch"), "250")
        self.assertEqual(parameters.get_param("rest_api.idempotency_ttl"), "2")
        self.assertEqual(parameters.get_param("rest_api.webhook_retention_days"), "7")
        for field, (_default, value, reader) in BOUNDS.items():
            with self.subTest(field=field):
                self.assertEqual(reader(self.env), value)
        self.assertTrue(webhook_allow_private(self.env))
        reopened = self.env["res.config.settings"].create({})
        self.assertEqual([reopened[field] for field in BOUNDS], [value for _d, value, _r in BOUNDS.values()])
        self.assertTrue(reopened.rest_api_webhook_allow_private)

        settings = self.env["res.config.settings"].create({"rest_api_webhook_allow_private": False})
        settings.set_values()
        self.assertFalse(webhook_allow_private(self.env))

    def test_bounds_below_one_are_refused(self):
        for field in BOUNDS:
            with self.subTest(field=field), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create({field: 0})
