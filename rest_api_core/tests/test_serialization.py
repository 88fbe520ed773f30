"""Direct tests of JSON encoding, body parsing and write-value checks (no HTTP)."""

import datetime
import json
from decimal import Decimal
from types import SimpleNamespace

from odoo.fields import Command
from odoo.tests import BaseCase, TransactionCase

from .. import field_types
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


# fields_get() entries, as field_types.describer() gives them
DESCRIPTIONS = {
    "id": {"type": "integer", "readonly": True},
    "name": {"type": "char", "size": 5},
    "active": {"type": "boolean"},
    "color": {"type": "integer"},
    "amount": {"type": "monetary"},
    "ratio": {"type": "float"},
    "kind": {"type": "selection", "selection": [["a", "A"], ["b", "B"]]},
    "day": {"type": "date"},
    "moment": {"type": "datetime"},
    "parent_id": {"type": "many2one", "relation": "res.partner"},
    "tag_ids": {"type": "many2many", "relation": "res.partner.category"},
    "line_ids": {"type": "one2many", "relation": "line.model"},
    "image": {"type": "binary"},
    "data": {"type": "json"},
    "props": {"type": "properties"},
    "create_date": {"type": "datetime", "readonly": True},
    "computed": {"type": "char", "readonly": True},
    "key_ids": {"type": "one2many", "relation": "res.users.apikeys"},
    "secret": None,  # a field the user may not access
}
MODEL_DESCRIPTIONS = {
    "test.model": DESCRIPTIONS,
    "line.model": {"name": {"type": "char"}, "qty": {"type": "integer"}},
    "order": {
        "tag_ids": {"type": "many2many", "relation": "tag"},
        "line_ids": {"type": "one2many", "relation": "line"},
        "note_ids": {"type": "one2many", "relation": "note"},
    },
}


def describe(model_name, names):
    descriptions = MODEL_DESCRIPTIONS[model_name]
    return {name: descriptions[name] for name in names if name in descriptions}


def write_values(values, model_name="test.model"):
    return to_write_values(values, describe, model_name)


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
                "datetime": "2025-07-16 11:51:36",  # Odoo's format, UTC: what writes take
                "whole_second": "2025-07-16 11:51:36",
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
    """Values are validated against the write schemas of the field-type contract (field_types)."""

    def test_accepted_values(self):
        values = {
            "name": "x",
            "active": True,
            "color": 3,
            "amount": 2,
            "ratio": 0.5,
            "kind": "a",
            "day": "2024-01-02",
            "moment": "2024-02-29 23:59:59",
            "parent_id": 7,
            "line_ids": [[0, 0, {"name": "l"}], [1, 5, {"name": "m"}], [2, 6], [3, 7], [4, 8], [5], [6, 0, [1]]],
            "image": "iVBORw0KGgo=",
            "data": {"any": ["thing"]},
            "props": {"color": "red"},
        }
        self.assertEqual(write_values(values), values)
        self.assertEqual(write_values({"tag_ids": [1, 2]}), {"tag_ids": [Command.set([1, 2])]})
        self.assertEqual(write_values({"moment": "2024-01-02"}), {"moment": "2024-01-02"})  # midnight
        self.assertEqual(write_values({"props": [{"name": "color", "value": "red"}]})["props"][0]["name"], "color")

    def test_padded_commands_as_odoo_makes_them(self):
        commands = [[4, 8, 0], [3, 7, False], [2, 6, 0], [5, 0, 0], [0, False, {"name": "l"}], [6, False, [1]]]
        self.assertEqual(
            write_values({"line_ids": commands})["line_ids"],
            [[4, 8, 0], [3, 7, False], [2, 6, 0], [5, 0, 0], [0, False, {"name": "l"}], [6, 0, [1]]],
        )

    def test_null_and_false_empty_the_fields_that_have_an_empty_value(self):
        names = ("name", "kind", "day", "moment", "parent_id", "tag_ids", "image", "props")
        for empty in (None, False):
            converted = write_values(dict.fromkeys(names, empty))
            self.assertEqual(converted, {**dict.fromkeys(names, False), "tag_ids": [Command.clear()]})

    def test_numbers_and_booleans_take_only_their_own_values(self):
        for name in ("active", "color", "amount", "ratio"):
            for value in (None, "1", [1]):
                with self.subTest(name=name, value=value), self.assertRaises(InvalidInput):
                    write_values({name: value})
        with self.assertRaises(InvalidInput):
            write_values({"color": False})
        with self.assertRaises(InvalidInput):
            write_values({"active": 0})

    def test_whole_number_floats_are_integers(self):
        converted = write_values(
            {"color": 3.0, "parent_id": 7.0, "tag_ids": [1.0], "line_ids": [[4, 2.0], [1.0, 5, {}]]}
        )
        self.assertEqual(
            converted, {"color": 3, "parent_id": 7, "tag_ids": [Command.set([1])], "line_ids": [[4, 2], [1, 5, {}]]}
        )
        self.assertIs(type(converted["color"]), int)
        for name, value in (("color", 1.5), ("parent_id", 7.5), ("tag_ids", [1.5])):
            with self.subTest(name=name), self.assertRaises(InvalidInput):
                write_values({name: value})

    def test_floats_are_at_most_1e300_in_magnitude(self):
        self.assertEqual(write_values({"ratio": 1e300, "amount": -1e300}), {"ratio": 1e300, "amount": -1e300})
        for name in ("ratio", "amount"):
            for value in (1.7976931348623157e308, -1e301):
                with self.subTest(name=name, value=value), self.assertRaises(InvalidInput):
                    write_values({name: value})

    def test_integers_are_32_bits(self):
        self.assertEqual(write_values({"color": -(2**31)}), {"color": -(2**31)})
        for value in (2**31, -(2**31) - 1):
            with self.subTest(value=value), self.assertRaises(InvalidInput):
                write_values({"color": value})

    def test_strings_fit_their_size_and_have_no_nul(self):
        self.assertEqual(write_values({"name": "abcde"}), {"name": "abcde"})
        for value in ("abcdef", "a\x00b"):
            with self.subTest(value=value), self.assertRaises(InvalidInput) as caught:
                write_values({"name": value})
            self.assertEqual(caught.exception.invalid_params[0]["name"], "name")

    def test_dates_and_datetimes_exist(self):
        for name, value in (
            ("day", "2024-02-30"),
            ("day", "2023-02-29"),
            ("day", "2024-13-01"),
            ("day", "2024-01-02garbage"),
            ("day", "0999-01-01"),
            ("moment", "2024-01-01 24:00:00"),
            ("moment", "2024-01-01T10:00:00"),
            ("moment", "2024-01-01 10:00:00.5"),
            ("moment", "2100-02-29 10:00:00"),
        ):
            with self.subTest(name=name, value=value), self.assertRaises(InvalidInput):
                write_values({name: value})
        self.assertEqual(write_values({"day": "2000-02-29"}), {"day": "2000-02-29"})

    def test_selection_binary_and_properties(self):
        for name, value in (
            ("kind", "c"),
            ("image", "not base64!"),
            ("image", "abc"),
            ("props", 5),
            ("props", [1]),
            ("props", True),
            ("props", [{"value": 1}]),
        ):
            with self.subTest(name=name, value=value), self.assertRaises(InvalidInput):
                write_values({name: value})

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
            write_values(values)
        self.assertEqual([param["name"] for param in caught.exception.invalid_params], list(values))
        self.assertEqual(caught.exception.invalid_params[1]["reason"], 'must be true or false, not "yes"')

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
            ("tag_ids", [[4, 1, 1]]),
            ("line_ids", [[1.5, 5, {"name": "m"}]]),
            ("line_ids", [[0, None, None]]),  # found by schemathesis: no values
            ("line_ids", [[1, 0, {"name": "m"}]]),
            ("line_ids", [[2, [1]]]),  # unhashable id
            ("line_ids", [[6, 0, [[1]]]]),
            ("line_ids", [[6, 0, 1]]),
            ("line_ids", [[7, 0, 0]]),
        ):
            with self.subTest(name=name, value=value), self.assertRaises(InvalidInput):
                write_values({name: value})

    def test_values_of_nested_commands_are_checked_against_the_comodel(self):
        converted = write_values({"line_ids": [[0, 0, {"name": "a", "qty": 2.0}]]})
        self.assertEqual(converted, {"line_ids": [[0, 0, {"name": "a", "qty": 2}]]})
        with self.assertRaises(InvalidInput) as caught:
            write_values({"line_ids": [[4, 3], [0, 0, {"name": {"nested": 1}, "qty": "2", "nope": 1}]]})
        self.assertEqual(
            [param["name"] for param in caught.exception.invalid_params],
            ["line_ids[1].name", "line_ids[1].qty", "line_ids[1].nope"],
        )
        self.assertEqual(caught.exception.invalid_params[1]["reason"], 'must be an integer (32 bits), not "2"')

    def test_unknown_system_read_only_and_inaccessible_fields(self):
        with self.assertRaises(InvalidInput) as caught:
            write_values({"nope": 1, "id": 3, "create_date": "2024-01-01", "computed": "x", "name": "ok"})
        self.assertEqual(
            caught.exception.invalid_params,
            [
                {"name": "nope", "reason": "unknown field"},
                {"name": "id", "reason": "is set by Odoo and cannot be written"},
                {"name": "create_date", "reason": "is set by Odoo and cannot be written"},
                {"name": "computed", "reason": "is read-only"},
            ],
        )
        # passed on for Odoo to refuse (403)
        self.assertEqual(write_values({"secret": 5}), {"secret": 5})

    def test_fields_relating_to_credentials_are_read_only(self):
        description = field_types.contract_description(DESCRIPTIONS["key_ids"])
        self.assertFalse(field_types.writable("key_ids", description))


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
            [[4, 1.0]],  # execute_kw passes values on as they are: ints only
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
