"""Direct tests of JSON encoding, body parsing and write-value checks (no HTTP)."""

import datetime
import json
from decimal import Decimal
from types import SimpleNamespace

from odoo.fields import Command
from odoo.tests import BaseCase, TransactionCase

from ..method_call import (
    CONTEXT_ALLOW_LIST,
    LIMITED_METHODS,
    METHOD_OPERATIONS,
    VALUES_METHODS,
    checked_limit,
    filter_context,
    load_effects,
    method_name,
    parse_method_call,
    record_ids,
    required_operations,
)
from ..query import InvalidInput
from ..serialization import (
    default_field_names,
    dumps,
    parse_json_object,
    to_write_values,
    x2many_commands,
    x2many_effects,
)


def field(type_):
    return SimpleNamespace(type=type_)


FIELDS = {
    "id": field("integer"),
    "name": field("char"),
    "active": field("boolean"),
    "color": field("integer"),
    "amount": field("monetary"),
    "ratio": field("float"),
    "kind": field("selection"),
    "day": field("date"),
    "parent_id": field("many2one"),
    "tag_ids": field("many2many"),
    "line_ids": field("one2many"),
    "image": field("binary"),
    "data": field("json"),
    "create_date": field("datetime"),
}


class TestDumps(BaseCase):
    def test_odoo_values(self):
        data = {
            "datetime": datetime.datetime(2025, 7, 16, 11, 51, 36, 122438),
            "whole_second": datetime.datetime(2025, 7, 16, 11, 51, 36),
            "date": datetime.date(2025, 8, 15),
            "many2one": (9, "Customizable Desk"),
            "empty": False,
            "decimal": Decimal("1.25"),
            "set": {3},
            "base64": b"iVBORw0KGgo=",
            "raw": b"\x89PNG",
            "unicode": "Zoë ✓",
        }
        self.assertEqual(
            json.loads(dumps(data)),
            {
                "datetime": "2025-07-16T11:51:36.122438",
                "whole_second": "2025-07-16T11:51:36",
                "date": "2025-08-15",
                "many2one": [9, "Customizable Desk"],
                "empty": False,
                "decimal": 1.25,
                "set": [3],
                "base64": "iVBORw0KGgo=",
                "raw": "iVBORw==",
                "unicode": "Zoë ✓",
            },
        )
        self.assertIn("Zoë ✓".encode(), dumps(data))

    def test_unknown_objects_are_refused(self):
        for value in (object(), datetime.timedelta(days=1), complex(1, 2), Exception("x")):
            with self.subTest(value=value), self.assertRaises(TypeError):
                dumps({"value": value})


class TestDumpsRecordsets(TransactionCase):
    def test_recordsets_become_id_lists(self):
        partners = self.env["res.partner"].search([], limit=2)
        self.assertEqual(
            json.loads(dumps({"partners": partners, "none": partners.browse()})), {"partners": partners.ids, "none": []}
        )


class TestDefaultFields(BaseCase):
    def test_binaries_and_inaccessible_fields_are_left_out(self):
        names = default_field_names(FIELDS, lambda f: f is not FIELDS["data"])
        self.assertNotIn("image", names)
        self.assertNotIn("data", names)
        self.assertEqual(names[:3], ["id", "name", "active"])


class TestParseJsonObject(BaseCase):
    def test_objects(self):
        self.assertEqual(parse_json_object(b'{"name": "x", "n": [1, 2]}'), {"name": "x", "n": [1, 2]})
        self.assertEqual(parse_json_object(b'{"big": 1e308, "small": -1.5e-300}'), {"big": 1e308, "small": -1.5e-300})
        self.assertEqual(parse_json_object('{"name": "Zoë"}'.encode()), {"name": "Zoë"})
        self.assertEqual(parse_json_object(b"{}"), {})

    def test_refusals(self):
        for raw, reason in (
            (b"", "is empty"),
            (b"  \n", "is empty"),
            (b'{"name": ', "not valid JSON"),
            (b"\xff\xfe\x00", "not valid JSON"),
            (b"[1]", "not an array"),
            (b'"x"', "not a string"),
            (b"12", "not a number"),
            (b"true", "not a boolean"),
            (b"null", "not null"),
            (b"[" * 100000, None),
            (b'{"x": NaN}', "NaN is not a JSON number"),
            (b'{"x": [Infinity]}', "Infinity is not a JSON number"),
            (b'{"x": -Infinity}', "not a JSON number"),
            (b'{"x": 1e999}', "too large"),
            (b'{"x": {"y": -2.5e308}}', "too large"),
        ):
            with self.subTest(raw=raw[:20]), self.assertRaises(InvalidInput) as caught:
                parse_json_object(raw)
            self.assertEqual(caught.exception.invalid_params[0]["name"], "body")
            if reason:
                self.assertIn(reason, str(caught.exception))


class TestWriteValues(BaseCase):
    def test_accepted_values(self):
        values = {
            "name": "x",
            "active": True,
            "color": 3,
            "amount": 2,
            "ratio": 0.5,
            "kind": "a",
            "day": "2024-01-02",
            "parent_id": 7,
            "tag_ids": [1, 2],
            "line_ids": [[0, 0, {"name": "l"}], [1, 5, {"name": "m"}], [2, 6], [3, 7], [4, 8], [5], [6, 0, [1]]],
            "image": "iVBORw0KGgo=",
            "data": {"any": ["thing"]},
        }
        converted = to_write_values(values, FIELDS)
        self.assertEqual(converted["tag_ids"], [Command.set([1, 2])])
        self.assertEqual(converted["line_ids"], values["line_ids"])
        self.assertEqual(
            {k: v for k, v in converted.items() if k != "tag_ids"}, {k: v for k, v in values.items() if k != "tag_ids"}
        )

    def test_null_and_false_empty_any_field(self):
        self.assertEqual(
            to_write_values({"name": None, "parent_id": None, "tag_ids": False, "color": None}, FIELDS),
            {"name": False, "parent_id": False, "tag_ids": False, "color": False},
        )

    def test_wrong_types_are_all_reported(self):
        values = {
            "name": 5,
            "active": "yes",
            "color": 1.5,
            "amount": "10",
            "ratio": True,
            "kind": ["a"],
            "day": 20240102,
            "parent_id": "7",
            "tag_ids": "1,2",
            "line_ids": [[9, 0, 0]],
            "image": 12,
        }
        with self.assertRaises(InvalidInput) as caught:
            to_write_values(values, FIELDS)
        self.assertEqual([param["name"] for param in caught.exception.invalid_params], list(values))

    def test_relational_edge_cases(self):
        for name, value in (
            ("parent_id", 0),
            ("parent_id", -1),
            ("parent_id", 2**31),
            ("parent_id", True),
            ("parent_id", [7, "Name"]),
            ("tag_ids", [1, [4, 2]]),
            ("tag_ids", [True]),
            ("tag_ids", [[]]),
            ("tag_ids", [[True, 1]]),
            ("tag_ids", [[4, 1, 2, 3]]),
            ("line_ids", [[1.0, 5, {"name": "m"}]]),  # found by schemathesis: a float command code
            ("line_ids", [[0, None, None]]),  # found by schemathesis: no values
            ("line_ids", [[1, 0, {"name": "m"}]]),
            ("line_ids", [[2, [1]]]),  # unhashable id
            ("line_ids", [[6, 0, [[1]]]]),
            ("line_ids", [[6, 0, 1]]),
            ("line_ids", [[7, 0, 0]]),
            ("color", True),
        ):
            with self.subTest(name=name, value=value), self.assertRaises(InvalidInput):
                to_write_values({name: value}, FIELDS)

    def test_values_of_nested_commands_are_checked_against_the_comodel(self):
        comodels = {"line.model": {"name": field("char"), "qty": field("integer")}}
        line_ids = SimpleNamespace(type="one2many", comodel_name="line.model")
        fields = {**FIELDS, "line_ids": line_ids}
        converted = to_write_values({"line_ids": [[0, 0, {"name": "a", "qty": 2}]]}, fields, comodels.get)
        self.assertEqual(converted, {"line_ids": [[0, 0, {"name": "a", "qty": 2}]]})
        with self.assertRaises(InvalidInput) as caught:
            to_write_values({"line_ids": [[4, 3], [0, 0, {"name": {"nested": 1}, "qty": "2"}]]}, fields, comodels.get)
        self.assertEqual(
            caught.exception.invalid_params,
            [
                {"name": "line_ids[1].name", "reason": "must be a string"},
                {"name": "line_ids[1].qty", "reason": "must be an integer"},
            ],
        )

    def test_unknown_and_system_fields(self):
        with self.assertRaises(InvalidInput) as caught:
            to_write_values({"nope": 1, "id": 3, "create_date": "2024-01-01", "name": "ok"}, FIELDS)
        self.assertEqual(
            caught.exception.invalid_params,
            [
                {"name": "nope", "reason": "unknown field"},
                {"name": "id", "reason": "is set by Odoo and cannot be written"},
                {"name": "create_date", "reason": "is set by Odoo and cannot be written"},
            ],
        )


class TestMethodCall(BaseCase):
    def test_parse(self):
        call = parse_method_call(
            {"method": "search_read", "args": [[]], "kwargs": {"fields": ["name"], "context": {"lang": "fr_FR"}}}
        )
        self.assertEqual(
            (call.method, call.args, call.kwargs, call.context),
            ("search_read", [[]], {"fields": ["name"]}, {"lang": "fr_FR"}),
        )
        call = parse_method_call({"method": "fields_get"})
        self.assertEqual((call.args, call.kwargs, call.context), ([], {}, {}))

    def test_refusals(self):
        for body, param in (
            ({}, "method"),
            ({"method": ""}, "method"),
            ({"method": "a.b"}, "method"),
            ({"method": ["x"]}, "method"),
            ({"method": "x", "args": "[]"}, "args"),
            ({"method": "x", "kwargs": [1]}, "kwargs"),
            ({"method": "x", "kwargs": {"context": [1]}}, "kwargs.context"),
        ):
            with self.subTest(body=body), self.assertRaises(InvalidInput) as caught:
                parse_method_call(body)
            self.assertEqual(caught.exception.invalid_params[0]["name"], param)

    def test_context_allow_list(self):
        context = {
            "lang": "nl_BE",
            "tz": "Europe/Brussels",
            "active_test": False,
            "allowed_company_ids": [1, 2],
            "bin_size": True,
            "default_user_id": 1,
            "tracking_disable": True,
            "active_id": 4,
            "install_mode": True,
        }
        self.assertEqual(filter_context(context), {key: context[key] for key in CONTEXT_ALLOW_LIST})
        for key, value in (
            ("lang", 1),
            ("active_test", "no"),
            ("allowed_company_ids", [True]),
            ("allowed_company_ids", 1),
        ):
            with self.subTest(key=key), self.assertRaises(InvalidInput):
                filter_context({key: value})

    def test_method_name_of_any_body(self):
        self.assertEqual(method_name({"method": "read"}), "read")
        self.assertIsNone(method_name({"method": 1}))
        self.assertIsNone(method_name(None))
        self.assertIsNone(method_name([1]))

    def test_record_ids(self):
        self.assertEqual(record_ids(4), [4])
        self.assertEqual(record_ids([4, 5]), [4, 5])
        for value in (0, -1, True, "4", [4, "5"], [0], None, {"id": 4}):
            with self.subTest(value=value), self.assertRaises(InvalidInput):
                record_ids(value)


class TestX2manyCommands(BaseCase):
    def test_valid_shapes(self):
        for value in (
            [[0, 0, {"name": "x"}]],
            [[0, False, {}]],
            [[1, 7, {"name": "x"}]],
            [[2, 7], [3, 7], [4, 7]],
            [[2, 7, 0], [3, 7, 0], [4, 7, False]],
            [[5], [5, 0], [5, 0, 0]],
            [[6, 0, []], [6, 0, [1, 2]], [6, False, [3]]],
            [Command.create({}), Command.update(7, {}), Command.link(7), Command.clear(), Command.set([1])],
        ):
            with self.subTest(value=value):
                self.assertIs(x2many_commands(value), value)

    def test_id_lists_and_empty_values(self):
        self.assertEqual(x2many_commands([3, 1]), [Command.set([3, 1])])
        self.assertEqual(x2many_commands([]), [Command.set([])])
        self.assertEqual(x2many_commands(False), [Command.clear()])
        self.assertEqual(x2many_commands(None), [Command.clear()])

    def test_bad_shapes(self):
        for value in (
            [[0, "virtual_1", {}]],
            [[0, 1, {}]],
            [[0, 0]],
            [[0, 0, []]],
            [[1, 0, {}]],
            [[1, True, {}]],
            [[1, 7]],
            [[2]],
            [[4, True]],
            [[4, 1.0]],
            [[4, "7"]],
            [[4, 0]],
            [[4, 2**31]],
            [[4, 7, 1]],
            [[4, 7, 0, 0]],
            [[5, 1]],
            [[5, 0, 0, 0]],
            [[6, 0]],
            [[6, 1, [1]]],
            [[6, 0, 1]],
            [[6, 0, [True]]],
            [[6, 0, [[1]]]],
            [[7, 0, 0]],
            [[True, 7]],
            [[1.0, 7, {}]],
            [[]],
            [[4, 7], 8],
            [True],
            [0],
            [-3],
            ["7"],
        ):
            with self.subTest(value=value), self.assertRaises(ValueError):
                x2many_commands(value)
        for value in ("1,2", 7, {"ids": [1]}, True):
            with self.subTest(value=value), self.assertRaises(TypeError):
                x2many_commands(value)


def x2many(type_, comodel, inverse=None):
    return SimpleNamespace(type=type_, comodel_name=comodel, inverse_name=inverse)


# order (lines: one2many, cascade; notes: one2many, set null; tags: many2many)
# -> line (tag_ids: many2many) / note / tag
MODELS = {
    "order": {
        "name": field("char"),
        "line_ids": x2many("one2many", "line", "order_id"),
        "note_ids": x2many("one2many", "note", "order_id"),
        "tag_ids": x2many("many2many", "tag"),
    },
    "line": {
        "order_id": SimpleNamespace(type="many2one", comodel_name="order", ondelete="cascade"),
        "tag_ids": x2many("many2many", "tag"),
        "name": field("char"),
    },
    "note": {"order_id": SimpleNamespace(type="many2one", comodel_name="order", ondelete="set null")},
    "tag": {"name": field("char")},
}


class TestX2manyEffects(BaseCase):
    def effects(self, values, creating=False):
        return x2many_effects(values, "order", MODELS.get, creating=creating)

    def test_create_write_delete_commands_reach_the_comodel(self):
        self.assertEqual(
            self.effects({"tag_ids": [[0, 0, {"name": "t"}], [1, 3, {"name": "u"}], [2, 4]], "name": "x"}),
            {("tag", "create"): "tag_ids", ("tag", "write"): "tag_ids", ("tag", "unlink"): "tag_ids"},
        )

    def test_nested_commands_are_followed(self):
        values = {
            "line_ids": [[0, 0, {"name": "l", "tag_ids": [[0, 0, {"name": "t"}]]}], [1, 9, {"tag_ids": [[2, 5]]}]]
        }
        self.assertEqual(
            self.effects(values),
            {
                ("line", "create"): "line_ids",
                ("tag", "create"): "line_ids.tag_ids",
                ("line", "write"): "line_ids",
                ("tag", "unlink"): "line_ids.tag_ids",
            },
        )

    def test_many2many_links_stay_on_the_written_record(self):
        for value in ([[3, 1]], [[4, 1]], [[5]], [[6, 0, [1]]], [1, 2], [], False):
            with self.subTest(value=value):
                self.assertEqual(self.effects({"tag_ids": value}), {})
                self.assertEqual(self.effects({"tag_ids": value}, creating=True), {})

    def test_one2many_links_write_the_lines_and_delete_removed_cascading_ones(self):
        cascade = {("line", "write"): "line_ids", ("line", "unlink"): "line_ids"}
        for value, expected in (
            ([[4, 1]], {("line", "write"): "line_ids"}),
            ([[3, 1]], cascade),
            ([[5]], cascade),
            ([[6, 0, [1]]], cascade),
            ([1, 2], cascade),
            ([], cascade),
            (False, cascade),
        ):
            with self.subTest(value=value):
                self.assertEqual(self.effects({"line_ids": value}), expected)
        for value in ([[3, 1]], [[5]], [1]):
            with self.subTest(value=value):
                self.assertEqual(self.effects({"note_ids": value}), {("note", "write"): "note_ids"})

    def test_a_new_record_has_no_lines_to_remove(self):
        for value, expected in (
            ([], {}),
            (False, {}),
            ([[5]], {}),
            ([1], {("line", "write"): "line_ids"}),
            ([[6, 0, [1]]], {("line", "write"): "line_ids"}),
            ([[4, 1]], {("line", "write"): "line_ids"}),
            ([[3, 1]], {("line", "write"): "line_ids", ("line", "unlink"): "line_ids"}),  # any line, anyone's
        ):
            with self.subTest(value=value):
                self.assertEqual(self.effects({"line_ids": value}, creating=True), expected)
        # [1, id, values] writes an existing line: its values' commands are those of an update
        values = {"line_ids": [[1, 4, {"tag_ids": []}], [0, 0, {"tag_ids": []}]]}
        self.assertEqual(
            self.effects(values, creating=True), {("line", "write"): "line_ids", ("line", "create"): "line_ids"}
        )

    def test_values_from_to_write_values(self):
        values = to_write_values({"tag_ids": [1, 2], "line_ids": [3], "note_ids": None}, MODELS["order"])
        self.assertEqual(
            x2many_effects(values, "order", MODELS.get),
            {("line", "write"): "line_ids", ("line", "unlink"): "line_ids", ("note", "write"): "note_ids"},
        )

    def test_other_fields_are_left_alone(self):
        self.assertEqual(self.effects({"name": [[0, 0, {}]], "unknown": [[2, 1]]}), {})

    def test_bad_commands_and_values_are_named_by_path(self):
        for values, param in (
            ({"tag_ids": [[4, True]]}, "tag_ids"),
            ({"tag_ids": "1,2"}, "tag_ids"),
            ({"line_ids": [[0, 0, {"tag_ids": [[6, 1, []]]}]]}, "line_ids.tag_ids"),
        ):
            with self.subTest(values=values), self.assertRaises(InvalidInput) as caught:
                self.effects(values)
            self.assertEqual(caught.exception.invalid_params[0]["name"], param)
        with self.assertRaises(InvalidInput) as caught:
            self.effects(["name"])
        self.assertEqual(caught.exception.invalid_params[0]["name"], "values")


class TestMethodClasses(BaseCase):
    def test_generic_methods_need_their_operation(self):
        for method, operations in (
            ("read", ("read",)),
            ("search_read", ("read",)),
            ("web_search_read", ("read",)),
            ("search_fetch", ("read",)),
            ("fields_get", ("read",)),
            ("create", ("create",)),
            ("copy", ("create",)),
            ("name_create", ("create",)),
            ("load", ("create", "write")),
            ("web_save", ("create", "write", "read")),
            ("write", ("write",)),
            ("action_archive", ("write",)),
            ("toggle_active", ("write",)),
            ("unlink", ("unlink",)),
            ("action_confirm", ()),
            ("get_base_url", ()),
        ):
            with self.subTest(method=method):
                self.assertEqual(required_operations(method), operations)

    def test_table_is_consistent(self):
        self.assertTrue(all(set(ops) <= {"read", "create", "write", "unlink"} for ops in METHOD_OPERATIONS.values()))
        self.assertTrue(all(METHOD_OPERATIONS[method] for method in VALUES_METHODS | LIMITED_METHODS))
        self.assertTrue(all("read" in METHOD_OPERATIONS[method] for method in LIMITED_METHODS))


class TestCheckedLimit(BaseCase):
    def test_absent(self):
        self.assertEqual(checked_limit(None, None, 1000), 1000)
        self.assertEqual(checked_limit(None, 100, 1000), 100)
        self.assertEqual(checked_limit(None, 100, 50), 50)
        self.assertEqual(checked_limit(None, 0, 50), 50)

    def test_given(self):
        self.assertEqual(checked_limit(1, None, 5), 1)
        self.assertEqual(checked_limit(5, 100, 5), 5)
        for value in (0, 6, -1, False, True, "3", 2.0, [3]):
            with self.subTest(value=value), self.assertRaises(InvalidInput) as caught:
                checked_limit(value, None, 5)
            self.assertEqual(
                caught.exception.invalid_params, [{"name": "limit", "reason": "must be an integer from 1 to 5"}]
            )


class TestLoadEffects(BaseCase):
    def effects(self, columns):
        return load_effects(columns, "order", MODELS.get)

    def test_sub_record_columns_create_and_write_the_comodel(self):
        self.assertEqual(
            self.effects(["name", "line_ids/name", "line_ids/tag_ids/name"]),
            {
                ("line", "create"): "line_ids",
                ("line", "write"): "line_ids",
                ("tag", "create"): "line_ids/tag_ids",
                ("tag", "write"): "line_ids/tag_ids",
            },
        )

    def test_id_columns_only_link(self):
        self.assertEqual(self.effects(["id", ".id", "tag_ids/id", "tag_ids/.id", "tag_ids:id", "name"]), {})
        self.assertEqual(self.effects(["line_ids/id"]), {("line", "write"): "line_ids"})
        self.assertEqual(self.effects(["line_ids/.id"]), {("line", "write"): "line_ids"})

    def test_unknown_and_scalar_paths_are_left_to_odoo(self):
        self.assertEqual(self.effects(["nope/name", "name/x"]), {})

    def test_columns_must_be_strings(self):
        for columns in ("name", [1], None, [["name"]]):
            with self.subTest(columns=columns), self.assertRaises(InvalidInput):
                self.effects(columns)
