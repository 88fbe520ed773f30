"""Direct tests of JSON encoding, body parsing and write-value checks (no HTTP)."""

import datetime
import json
from decimal import Decimal
from types import SimpleNamespace

from odoo.fields import Command
from odoo.tests import BaseCase, TransactionCase

from ..method_call import (
    CONTEXT_ALLOW_LIST,
    checked_limit,
    filter_context,
    parse_method_call,
    record_ids,
)
from ..query import InvalidInput
from ..serialization import (
    default_field_names,
    dumps,
    parse_json_object,
    to_write_values,
    x2many_commands,
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
