"""The cached default field list of reads without ``fields`` (``field_lists``)."""

from types import SimpleNamespace

from odoo.tests import BaseCase, TransactionCase, new_test_user

from .. import field_lists
from ..field_lists import ModelFieldList, default_fields
from ..serialization import default_field_names


def field(type_, groups=None):
    return SimpleNamespace(type=type_, groups=groups)


class TestModelFieldList(BaseCase):
    def test_unrestricted_model_needs_no_user(self):
        fields = {"id": field("integer"), "name": field("char"), "image": field("binary", "base.group_system")}
        entry = ModelFieldList(fields)
        self.assertFalse(entry.restricted)
        names = entry.names(self.fail, self.fail)  # neither the access key nor any field's access is asked
        self.assertEqual(names, ("id", "name"))
        self.assertIs(entry.names(self.fail, self.fail), names)

    def test_restricted_model_per_access_key(self):
        fields = {"id": field("integer"), "secret": field("char", "base.group_system"), "name": field("char")}
        entry = ModelFieldList(fields)
        self.assertTrue(entry.restricted)
        asked = []

        def is_accessible(admin):
            def check(checked):
                asked.append(checked)
                return admin or not checked.groups

            return check

        admin = entry.names(lambda: ("admin",), is_accessible(True))
        self.assertEqual(admin, ("id", "secret", "name"))
        self.assertEqual(entry.names(lambda: ("user",), is_accessible(False)), ("id", "name"))
        self.assertEqual(len(asked), 6)
        self.assertIs(entry.names(lambda: ("admin",), self.fail), admin)  # computed once per key
        self.assertEqual(len(asked), 6)


class TestDefaultFields(TransactionCase):
    def expected(self, env, model):
        return default_field_names(env[model]._fields, lambda field: field.is_accessible(env))

    def test_every_readable_non_binary_field_per_user(self):
        employee = new_test_user(self.env, login="rest_cache_employee", groups="base.group_user")
        portal = new_test_user(self.env, login="rest_cache_portal", groups="base.group_portal")
        envs = [self.env(user=user) for user in (self.env.ref("base.user_admin"), employee, portal)]
        for env in envs:
            for model in ("res.partner", "res.users", "ir.attachment"):
                with self.subTest(user=env.user.login, model=model):
                    self.assertEqual(default_fields(env[model]), self.expected(env, model))
                    self.assertEqual(default_fields(env[model]), self.expected(env, model))
        # ir.attachment.access_token is for internal users (groups="base.group_user") only
        self.assertIn("access_token", default_fields(envs[1]["ir.attachment"]))
        self.assertNotIn("access_token", default_fields(envs[2]["ir.attachment"]))
        # superuser mode reads the fields no group may read (groups=".")
        self.assertIn("request", default_fields(envs[1]["res.users.identitycheck"].sudo()))
        self.assertNotIn("request", default_fields(envs[1]["res.users.identitycheck"]))

    def test_one_entry_per_model_until_its_fields_change(self):
        model = self.env["res.partner.category"]
        default_fields(model)
        entries = field_lists._BY_DATABASE[self.env.registry.db_name][2]
        entry = entries["res.partner.category"]
        default_fields(model.with_user(self.env.ref("base.user_admin")))
        self.assertIs(entries["res.partner.category"], entry)
        # a custom field sets the model's fields up again: the list follows
        self.env["ir.model.fields"].create(
            {
                "model_id": self.env["ir.model"]._get_id("res.partner.category"),
                "name": "x_rest_cached",
                "field_description": "REST cached",
                "ttype": "char",
            }
        )
        self.assertIn("x_rest_cached", default_fields(self.env["res.partner.category"]))
        self.assertIsNot(field_lists._BY_DATABASE[self.env.registry.db_name][2]["res.partner.category"], entry)
