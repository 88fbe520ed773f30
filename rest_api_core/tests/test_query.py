"""Direct tests of the query parameter parsers (no database, no HTTP)."""

import json
from types import SimpleNamespace

from odoo.tests import BaseCase

from ..query import (
    DomainLimits,
    InvalidInput,
    check_domain_size,
    next_page_link,
    parse_domain,
    parse_fields,
    parse_limit,
    parse_offset,
    parse_order,
)


def field(type_, comodel_name=None):
    return SimpleNamespace(type=type_, comodel_name=comodel_name)


MODELS = {
    "partner": {
        "id": field("integer"),
        "name": field("char"),
        "active": field("boolean"),
        "parent_id": field("many2one", "partner"),
        "tag_ids": field("many2many", "tag"),
        "props": field("properties"),
        "date": field("date"),
    },
    "tag": {"id": field("integer"), "name": field("char")},
}


def fields_of(model_name):
    return MODELS[model_name]


LIMITS = DomainLimits(max_conditions=50, max_depth=4)


class TestDomainSize(BaseCase):
    def assertRefused(self, domain, reason):
        with self.assertRaises(InvalidInput) as caught:
            check_domain_size(domain, LIMITS)
        self.assertEqual(caught.exception.invalid_params[0]["name"], "domain")
        self.assertIn(reason, caught.exception.invalid_params[0]["reason"])

    def test_within_limits(self):
        for domain in (
            [],
            ["|"] * 49 + [["id", "=", n] for n in range(50)],
            [["id", "in", list(range(10000))]],  # one condition, however long its list
            [["parent_id", "any", [["parent_id", "any", [["parent_id", "any", [["name", "=", "x"]]]]]]]],
            "junk",
            [1, None, "&"],
        ):
            with self.subTest(domain=str(domain)[:60]):
                check_domain_size(domain, LIMITS)

    def test_conditions_are_counted_through_sub_domains(self):
        self.assertRefused(["|"] * 50 + [["id", "=", n] for n in range(51)], "more than 50 conditions (the limit)")
        nested = [["parent_id", "any", [["id", "=", n] for n in range(50)]]]
        self.assertRefused(nested, "more than 50 conditions")

    def test_depth(self):
        domain = [["name", "=", "x"]]
        for _level in range(4):
            domain = [["parent_id", "any", domain]]
        self.assertRefused(domain, "nests sub-domains more than 4 levels deep (the limit)")
        deep = []
        for _level in range(900):  # any shape, measured without recursion
            deep = [deep]
        self.assertRefused(deep, "levels deep")
        value = [1]
        for _level in range(10):
            value = [value]
        self.assertRefused([["id", "in", value]], "levels deep")

    def test_parse_domain_applies_them(self):
        text = json.dumps(["|"] * 50 + [["id", "=", n] for n in range(51)])
        with self.assertRaises(InvalidInput):
            parse_domain(text, "partner", fields_of, LIMITS)
        for text in ("[" * 900 + "]" * 900, "(" * 900 + ")" * 900, "[" * 100000):
            with self.subTest(text=text[:5]), self.assertRaises(InvalidInput):
                parse_domain(text, "partner", fields_of, LIMITS)


class TestParseDomain(BaseCase):
    def parse(self, text):
        return parse_domain(text, "partner", fields_of, LIMITS)

    def assertInvalid(self, text, reason=None):
        with self.assertRaises(InvalidInput) as caught:
            self.parse(text)
        self.assertEqual(caught.exception.invalid_params[0]["name"], "domain")
        if reason:
            self.assertIn(reason, caught.exception.invalid_params[0]["reason"])

    def test_empty(self):
        for text in (None, "", "  ", "[]"):
            self.assertEqual(self.parse(text), [])

    def test_python_and_json_forms(self):
        expected = [["id", "in", [13, 5]], ["name", "ilike", "acme"]]
        self.assertEqual(self.parse("[('id','in',[13,5]), ('name', 'ilike', 'acme')]"), expected)
        self.assertEqual(self.parse('[["id","in",[13,5]],["name","ilike","acme"]]'), expected)
        self.assertEqual(self.parse("[('id','in',(13,5)), ('name', 'ilike', 'acme')]"), expected)

    def test_json_and_python_constants(self):
        self.assertEqual(
            self.parse('[["active","=",true],["name","=",null]]'), [["active", "=", True], ["name", "=", None]]
        )
        self.assertEqual(
            self.parse("[('active','=',False),('name','!=',None)]"), [["active", "=", False], ["name", "!=", None]]
        )

    def test_operators_polish_notation_and_constant_leaves(self):
        text = "['|', '!', ('name', '=', 'a'), '&', (1, '=', 1), ('id', '>', 3)]"
        self.assertEqual(self.parse(text), ["|", "!", ["name", "=", "a"], "&", [1, "=", 1], ["id", ">", 3]])
        self.assertEqual(self.parse("[(0, '=', 1)]"), [[0, "=", 1]])
        self.assertEqual(self.parse("[('name', 'NOT ILIKE', 'x')]"), [["name", "not ilike", "x"]])

    def test_dotted_paths_any_and_properties(self):
        self.assertEqual(
            self.parse("[('parent_id.parent_id.name', '=', 'x')]"), [["parent_id.parent_id.name", "=", "x"]]
        )
        self.assertEqual(
            self.parse("[('tag_ids', 'any', [('name', '=', 'vip')])]"), [["tag_ids", "any", [["name", "=", "vip"]]]]
        )
        self.assertEqual(self.parse("[('props.color', '=', 'red')]"), [["props.color", "=", "red"]])

    def test_unknown_fields_and_paths(self):
        self.assertInvalid("[('nope', '=', 1)]", "unknown field 'nope' on partner")
        self.assertInvalid("[('parent_id.nope', '=', 1)]", "unknown field 'parent_id.nope'")
        self.assertInvalid("[('name.id', '=', 1)]", "not a relational field")
        self.assertInvalid("[('tag_ids', 'any', [('nope', '=', 1)])]", "unknown field 'nope' on tag")
        self.assertInvalid("[('name', 'any', [])]", "relational")
        self.assertInvalid("[('name desc', '=', 1)]", "not a field name")
        self.assertInvalid("[(\"name') or 1=1 --\", '=', 1)]", "not a field name")

    def test_operators_are_whitelisted(self):
        self.assertInvalid("[('name', 'similar to', 'x')]", "is not one of")
        self.assertInvalid("[('name', '=;', 'x')]", "is not one of")
        self.assertInvalid("[('name', None, 'x')]", "is not one of")
        self.assertInvalid("['^', ('name', '=', 'x')]", "not a domain operator")

    def test_code_is_never_run(self):
        for text in (
            "[__import__('os').system('id')]",
            "[('name', '=', open('/etc/passwd').read())]",
            "[('name', '=', ().__class__.__bases__)]",
            "[('name', '=', 1 if True else 2)]",
            "[('name', '=', f'{1}')]",
            "[('id', '=', 9**9**9)]",
        ):
            self.assertInvalid(text, "neither JSON nor a Python literal")

    def test_values_must_be_plain_data(self):
        for value in ("{1, 2}", "{'a': 1}", "b'x'", "1j", "[[1]]", "[{'a': 1}]"):
            self.assertInvalid(f"[('name', '=', {value})]", "must be a string, number")

    def test_numbers_must_be_finite(self):
        # json.loads and ast.literal_eval both produce NaN or infinity from these
        for text in ('[["name", "=", NaN]]', '[["name", "=", Infinity]]', "[('name', '=', 1e999)]"):
            self.assertInvalid(text, "(finite)")
        self.assertInvalid('[["id", "in", [1, -Infinity]]]', "(finite)")
        self.assertEqual(self.parse('[["name", "=", 1e300]]'), [["name", "=", 1e300]])

    def test_structure(self):
        self.assertInvalid("('name', '=', 'x')", None)  # a tuple of 3 strings is not a list of conditions
        self.assertInvalid("{'name': 'x'}", "must be a list")
        self.assertInvalid("'name'", "must be a list")
        self.assertInvalid("[('name', '=')]", "3 elements")
        self.assertInvalid("[42]", "neither a condition nor an operator")
        self.assertInvalid("['|', ('name', '=', 'x')]", "lacks its operands")
        self.assertInvalid("['!']", "lacks its operands")
        self.assertInvalid("[(True, '=', 1)]", "not a field name")

    def test_limits_of_the_parser(self):
        self.assertInvalid("[" * 100000, None)
        self.assertInvalid("[('name', '=', '" + "x" * 70000 + "')]", "longer than")


class TestParseFieldsAndOrder(BaseCase):
    fields = MODELS["partner"]

    def test_fields(self):
        self.assertEqual(parse_fields(None, self.fields), [])
        self.assertEqual(parse_fields("[]", self.fields), [])
        self.assertEqual(parse_fields("['name','date']", self.fields), ["name", "date"])
        self.assertEqual(parse_fields('["name","name","id"]', self.fields), ["name", "id"])
        with self.assertRaises(InvalidInput) as caught:
            parse_fields("['name', 'nope', 'gone']", self.fields)
        self.assertEqual(
            caught.exception.invalid_params,
            [
                {"name": "fields", "reason": "unknown field 'nope'"},
                {"name": "fields", "reason": "unknown field 'gone'"},
            ],
        )
        for text in ("name", "'name'", "[1]", "{'name': 1}", "[['name']]", "name,date"):
            with self.assertRaises(InvalidInput):
                parse_fields(text, self.fields)

    def test_order(self):
        self.assertIsNone(parse_order(None, self.fields))
        self.assertIsNone(parse_order(" ", self.fields))
        self.assertEqual(parse_order("name", self.fields), "name asc")
        self.assertEqual(
            parse_order("name DESC, id asc NULLS first,date nulls last", self.fields),
            "name desc, id asc nulls first, date asc nulls last",
        )
        for text in (
            "id; DROP TABLE res_partner",
            "name desc desc",
            "name, ",
            "(select 1)",
            'name collate "C"',
            "parent_id.name",
            "nope",
            "name asc nulls",
            "1",
        ):
            with self.subTest(order=text), self.assertRaises(InvalidInput):
                parse_order(text, self.fields)


class TestPaging(BaseCase):
    def test_limit(self):
        self.assertEqual(parse_limit(None, 80, 1000), 80)
        self.assertEqual(parse_limit("1000", 80, 1000), 1000)
        for text in ("", "0", "-1", "1001", "1.5", "ten", " 5", "+5", "99999999999999999999"):
            with self.subTest(limit=text), self.assertRaises(InvalidInput):
                parse_limit(text, 80, 1000)

    def test_offset(self):
        self.assertEqual(parse_offset(None), 0)
        self.assertEqual(parse_offset("0"), 0)
        self.assertEqual(parse_offset("240"), 240)
        for text in ("", "-1", "x", "1e3", "9999999999"):
            with self.subTest(offset=text), self.assertRaises(InvalidInput):
                parse_offset(text)

    def test_next_page_link_keeps_the_other_parameters(self):
        link = next_page_link(
            "/api/res.partner/search", [("domain", "[('a','=',1)]"), ("offset", "10"), ("limit", "5")], 10, 5
        )
        self.assertEqual(
            link,
            '</api/res.partner/search?domain=%5B%28%27a%27%2C%27%3D%27%2C1%29%5D&limit=5&offset=15>; rel="next"',
        )
