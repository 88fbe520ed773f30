"""generate_api_key's input checks as plain functions (no database): see ``provisioning``."""

import datetime

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import BaseCase

from .. import provisioning

NOW = datetime.datetime(2026, 6, 1, 12, 0, 0)


class TestProvisioningRules(BaseCase):
    def test_key_values(self):
        values = provisioning.key_values({"name": "  shop ", "rate_limit": 10, "allowed_ips": ""}, default_burst=60)
        self.assertEqual(
            values, {"name": "shop", "scope_mode": "all", "allowed_ips": False, "rate_limit": 10, "rate_burst": 10}
        )
        values = provisioning.key_values({"name": "x", "rate_limit": 100, "rate_burst": 0}, default_burst=60)
        self.assertEqual(values["rate_burst"], 0)

    def test_owner_defaults_to_the_caller(self):
        self.assertEqual(provisioning.owner_id(None, 7), 7)
        self.assertEqual(provisioning.owner_id(9, 7), 9)
        for bad in (True, "9", 9.0):
            with self.subTest(user_id=bad), self.assertRaisesRegex(ValidationError, "user_id must be"):
                provisioning.owner_id(bad, 7)

    def test_access_commands(self):
        models = {"res.partner": 42}
        commands = provisioning.access_commands(
            [{"model": "res.partner", "read": True, "execute": True, "methods": ["name_search", "read"]}], models.get
        )
        self.assertEqual(
            commands,
            [
                Command.create(
                    {
                        "model_id": 42,
                        "perm_read": True,
                        "perm_create": False,
                        "perm_write": False,
                        "perm_unlink": False,
                        "perm_execute": True,
                        "allowed_methods": "name_search, read",
                    }
                )
            ],
        )
        with self.assertRaisesRegex(ValidationError, "Unknown model in access: 'res.nothing'"):
            provisioning.access_commands([{"model": "res.nothing"}], models.get)

    def test_expiration(self):
        self.assertIsNone(provisioning.expiration(False, NOW))
        self.assertEqual(provisioning.expiration("2026-07-01 00:00:00", NOW), datetime.datetime(2026, 7, 1))
        self.assertEqual(provisioning.expiration(datetime.datetime(2026, 7, 1), NOW), datetime.datetime(2026, 7, 1))
        for bad, message in (("soon", "must be 'YYYY-MM-DD HH:MM:SS'"), ("2026-05-01 00:00:00", "is in the past")):
            with self.subTest(value=bad), self.assertRaisesRegex(ValidationError, message):
                provisioning.expiration(bad, NOW)
