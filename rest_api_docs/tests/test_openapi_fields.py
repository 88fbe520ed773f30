"""The per-field schemas of a key's document: what a record, an update and a create body may hold."""

from jsonschema import Draft202012Validator

from odoo.tests import BaseCase

from odoo.addons.rest_api_core.field_types import enum_names

from ..openapi import build_openapi, field_schemas
from .test_openapi import PARTNER_FIELDS, SERVER, VERSION, partner_doc


class TestFieldSchemas(BaseCase):
    def setUp(self):
        super().setUp()
        self.spec = spec = build_openapi(SERVER, [partner_doc()], version=VERSION)
        schemas = spec["components"]["schemas"]
        self.record = schemas["res.partner"]
        self.values = schemas["res.partner-values"]
        self.create = schemas["res.partner-create"]
        self.validator = Draft202012Validator(self.record, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def assertValid(self, record):
        errors = [error.message for error in self.validator.iter_errors(record)]
        self.assertEqual(errors, [], record)

    def assertInvalid(self, record):
        self.assertFalse(self.validator.is_valid(record), record)

    def test_a_read_record_validates(self):
        self.assertValid(
            {
                "id": 7,
                "name": "Azure Interior",
                "comment": "<p>VIP</p>",
                "description": False,
                "color": 0,
                "credit_limit": 0.0,
                "balance": 12.5,
                "active": True,
                "birthday": "1990-05-17",
                "write_date": "2026-01-31 13:45:07",
                "type": "contact",
                "lang": False,
                "priority": 2,
                "parent_id": [3, "Deco Addict"],
                "child_ids": [8, 9],
                "category_id": [],
                "image_1920": "iVBORw0KGgo=",
                "ref_record": "res.users,2",
                "res_id": 0,
                "metadata": {"any": ["json", 1]},
                "properties": [{"name": "a1", "type": "char", "string": "A", "value": "x"}],
                "properties_definition": False,
                "display_name": "Azure Interior",
            }
        )

    def test_empty_values_are_false(self):
        self.assertValid(
            {
                name: False
                for name in PARTNER_FIELDS
                if PARTNER_FIELDS[name]["type"] not in ("integer", "float", "monetary", "boolean", "json")
                and PARTNER_FIELDS[name]["type"] not in ("one2many", "many2many", "many2one_reference")
            }
        )
        self.assertValid({"parent_id": [3, False]})  # a related record without a name

    def test_wrong_shapes_are_refused(self):
        for record in (
            {"name": True},
            {"name": None},
            {"parent_id": 3},
            {"parent_id": [3]},
            {"child_ids": [[8, "x"]]},
            {"type": "unknown"},
            {"birthday": "17/05/1990"},
            {"color": "1"},
            {"credit_limit": False},
            {"write_date": "yesterday"},
            {"ref_record": "nonsense"},
        ):
            with self.subTest(record=record):
                self.assertInvalid(record)

    def test_readonly_reflected(self):
        self.assertTrue(self.record["properties"]["id"]["readOnly"])
        self.assertTrue(self.record["properties"]["write_date"]["readOnly"])
        self.assertNotIn("readOnly", self.record["properties"]["name"])
        self.assertFalse({"id", "write_date", "display_name", "balance"} & set(self.values["properties"]))
        self.assertIn("name", self.values["properties"])
        self.assertFalse(self.values["additionalProperties"])

    def test_required_without_default_on_create_only(self):
        self.assertEqual(self.create["required"], ["name"])  # country_code has a default
        # a plain object schema (no $ref with siblings, which code generators ignore)
        self.assertEqual(self.create["properties"], self.values["properties"])
        self.assertNotIn("$ref", self.create)
        self.assertNotIn("required", self.values)
        # required: it cannot be emptied either
        self.assertEqual(self.values["properties"]["name"]["maxLength"], 64)
        self.assertNotIn("anyOf", self.values["properties"]["name"])

    def test_selection_values(self):
        self.assertEqual(
            self.record["properties"]["type"]["anyOf"][0],
            {"enum": ["contact", "invoice"], "type": "string", "x-enum-varnames": ["CONTACT", "INVOICE"]},
        )
        self.assertEqual(
            self.record["properties"]["priority"]["anyOf"][0],
            {"enum": [1, 2], "type": "integer", "x-enum-varnames": ["VALUE_1", "VALUE_2"]},
        )
        self.assertEqual(self.record["properties"]["lang"]["anyOf"][0], {"type": "string"})

    def test_enum_member_names_never_collide(self):
        # res.partner.tz: code generators made all three GMT0
        values = ["GMT0", "GMT+0", "GMT-0", "Etc/GMT+0", "gmt0", "", "1", None]
        names = enum_names(values)
        self.assertEqual(names[:4], ["GMT0", "GMT_PLUS_0", "GMT_MINUS_0", "ETC_GMT_PLUS_0"])
        self.assertEqual(len({name.replace("_", "").lower() for name in names}), len(values))
        self.assertTrue(all(name[0].isalpha() and name.isidentifier() for name in names))

    def test_write_shapes(self):
        write = Draft202012Validator({**self.values, "components": self.spec["components"]})
        for values in (
            {"parent_id": 3, "category_id": [1, 2]},
            {"parent_id": False, "category_id": [[6, 0, [1, 2]]], "child_ids": [[0, 0, {"name": "Child"}]]},
            {"birthday": "1990-05-17", "image_1920": False, "properties": {"a1": "x"}},
        ):
            with self.subTest(values=values):
                self.assertEqual([error.message for error in write.iter_errors(values)], [])
        self.assertFalse(write.is_valid({"parent_id": [3, "Deco Addict"]}))
        self.assertFalse(write.is_valid({"parent_id": 2**31}))  # no such id in PostgreSQL
        self.assertFalse(write.is_valid({"category_id": [1, [4, 2]]}))  # ids and commands mixed
        self.assertFalse(write.is_valid({"unknown_field": 1}))
        self.assertFalse(write.is_valid({"write_date": "2026-01-31 13:45:07"}))  # readonly

    def test_command_values_are_the_comodels_values_schema(self):
        """The document holds what the server checks the values of x2many create/update commands
        against: a comodel of the document by reference; a comodel the key may not create or write
        records of has no such command (the server refuses it whatever its values)."""
        spec = build_openapi(
            SERVER, [partner_doc(comodels={"res.partner.category": frozenset({"read", "write"})})], version=VERSION
        )
        values = spec["components"]["schemas"]["res.partner-values"]
        write = Draft202012Validator({**values, "components": spec["components"]})
        ref = {"$ref": "#/components/schemas/res.partner-values"}

        def command_values(name):
            commands = values["properties"][name]["anyOf"][0]["anyOf"][1]["items"]["anyOf"]
            return {command["prefixItems"][0].get("const"): command["prefixItems"][2] for command in commands[:-3]}

        self.assertEqual(command_values("child_ids"), {0: ref, 1: ref})
        self.assertEqual(list(command_values("category_id")), [1])  # write, not create: [1, id, {values}] only
        self.assertEqual(command_values("category_id")[1]["type"], "object")  # a comodel ?models= left out
        for value, valid in (
            ([[0, 0, {"name": "Child", "child_ids": [[0, 0, {"name": "Grandchild"}]]}]], True),
            ([[1, 8, {"comment": "<p>Moved</p>"}]], True),
            ([[0, 0, {"name": "Child", "unknown_field": 1}]], False),  # the server: 400 unknown field
            ([[0, 0, {"name": "Child", "child_ids": [[0, 0, {"color": "red"}]]}]], False),  # nested: 400
            ([[1, 8, {"write_date": "2026-01-31 13:45:07"}]], False),  # read-only
        ):
            with self.subTest(value=value):
                self.assertEqual(write.is_valid({"child_ids": value}), valid)
        self.assertTrue(write.is_valid({"category_id": [[1, 3, {"name": "VIP"}], [4, 2]]}))
        self.assertFalse(write.is_valid({"category_id": [[0, 0, {"name": "VIP"}]]}))
        described = values["properties"]["category_id"]["anyOf"][0]["anyOf"][1]["description"]
        self.assertNotIn("create", described)
        self.assertIn("`[1, id, {values}]` update", described)

        # a key that may not create contacts: no create command on them either
        spec = build_openapi(SERVER, [partner_doc(operations={"read", "write"})], version=VERSION)
        values = spec["components"]["schemas"]["res.partner-values"]
        self.assertEqual(list(command_values("child_ids")), [1])

    def test_datetimes(self):
        read, write = field_schemas("date_deadline", {"type": "datetime"})
        for value, readable, writable in (
            ("2026-01-31 13:45:07", True, True),
            ("2026-01-31", False, True),
            ("2026-01-31T13:45:07", False, False),  # the server reads and writes Odoo's format
            ("2026-01-31T13:45:07.123456Z", False, False),
            ("2026-02-31 13:45:07", False, False),
            ("31/01/2026", False, False),
            (False, True, True),
            (None, False, True),  # null empties a field on write
        ):
            with self.subTest(value=value):
                self.assertEqual(Draft202012Validator(read).is_valid(value), readable)
                self.assertEqual(Draft202012Validator(write).is_valid(value), writable)

    def test_update_needs_a_field(self):
        spec = build_openapi(SERVER, [partner_doc()], version=VERSION)
        body = spec["paths"]["/api/res.partner/{id}"]["patch"]["requestBody"]["content"]["application/json"]
        validator = Draft202012Validator({**body["schema"], "components": spec["components"]})
        self.assertFalse(validator.is_valid({}))
        self.assertTrue(validator.is_valid({"name": "New name"}))

    def test_descriptions(self):
        read, _write = field_schemas("parent_id", PARTNER_FIELDS["parent_id"])
        self.assertEqual(read["title"], "Parent")
        self.assertIn("`res.partner`", read["description"])
        read, _write = field_schemas("comment", PARTNER_FIELDS["comment"])
        self.assertEqual(read["description"], "Internal notes.")
        read, _write = field_schemas("metadata", PARTNER_FIELDS["metadata"])
        self.assertEqual(read, {"title": "Metadata"})
        read, write = field_schemas("x_custom", {"type": "some_new_type"})
        self.assertEqual((read, write), ({}, {}))
