"""Direct tests of the reach checks (``reach.py``; no database, no HTTP); over HTTP: test_scope_reach."""

from types import SimpleNamespace

from odoo.tests import BaseCase

from ..method_call import LIMITED_METHODS
from ..query import InvalidInput
from ..reach import (
    METHOD_OPERATIONS,
    VALUES_METHODS,
    domain_reach,
    load_effects,
    read_reach,
    required_operations,
    specification_reach,
    x2many_effects,
)
from .test_query import fields_of
from .test_serialization import write_values


def field(type_):
    return SimpleNamespace(type=type_)


class TestReadReach(BaseCase):
    """Which other models a domain, a field specification or export columns read (pure functions)."""

    def test_domain_paths_and_subdomains_reach_comodels(self):
        domain = [
            "|",
            ["parent_id.tag_ids.name", "=", "x"],
            ["tag_ids", "any", [["name", "ilike", "y"]]],
        ]
        self.assertEqual(
            domain_reach(domain, "partner", fields_of),
            {("partner", "read"): "parent_id", ("tag", "read"): "parent_id.tag_ids"},
        )
        nested = [["parent_id", "not any", [["tag_ids.name", "=", "x"]]]]
        self.assertEqual(
            domain_reach(nested, "partner", fields_of),
            {("partner", "read"): "parent_id", ("tag", "read"): "parent_id.tag_ids"},
        )

    def test_plain_conditions_reach_nothing(self):
        domain = ["!", ["parent_id", "=", 3], ["tag_ids", "in", [1]], ["props.color", "=", "red"], [1, "=", 1]]
        self.assertEqual(domain_reach(domain, "partner", fields_of), {})
        for junk in (None, "x", [["unknown.name", "=", 1]], [["name", "any", [["x", "=", 1]]]]):
            self.assertEqual(domain_reach(junk, "partner", fields_of), {})

    def test_texts_compared_with_relational_fields_reach_the_comodel(self):
        # Odoo resolves them by a display-name search on the comodel (its _rec_names_search fields)
        tag = {("tag", "read"): "tag_ids"}
        parent = {("partner", "read"): "parent_id"}
        for operator in ("=", "!=", "like", "ilike", "not ilike", "=like", "=ilike", "in", "not in", "child_of"):
            for value in ("b@secret", ["b@secret"], ("a", "b"), [1, "b"]):
                with self.subTest(operator=operator, value=value):
                    self.assertEqual(domain_reach([["tag_ids", operator, value]], "partner", fields_of), tag)
                    self.assertEqual(domain_reach([["parent_id", operator, value]], "partner", fields_of), parent)
        self.assertEqual(domain_reach([["parent_id", "parent_of", "Acme"]], "partner", fields_of), parent)
        self.assertEqual(domain_reach([["parent_id", "=?", "Acme"]], "partner", fields_of), parent)
        self.assertEqual(
            domain_reach([["parent_id.tag_ids", "ilike", "x"]], "partner", fields_of),
            {**parent, ("tag", "read"): "parent_id.tag_ids"},
        )
        nested = [["tag_ids", "any", [["name", "=", "x"]]], ["parent_id", "any", [["tag_ids", "=", "y"]]]]
        self.assertEqual(domain_reach(nested, "partner", fields_of), {**tag, **parent, ("tag", "read"): "tag_ids"})
        for value in (3, [1, 2], [], False, None, True):
            with self.subTest(value=value):
                self.assertEqual(domain_reach([["tag_ids", "in", value]], "partner", fields_of), {})
                self.assertEqual(domain_reach([["parent_id", "child_of", value]], "partner", fields_of), {})
        self.assertEqual(domain_reach([["name", "ilike", "x"]], "partner", fields_of), {})

    def test_display_name_searches_follow_the_rec_names_paths(self):
        # tag's display-name search matches partner_id.name (as account.move's does)
        models = {
            "partner": {"name": field("char"), "display_name": field("char")},
            "tag": {
                "name": field("char"),
                "display_name": field("char"),
                "partner_id": SimpleNamespace(type="many2one", comodel_name="partner"),
                "parent_id": SimpleNamespace(type="many2one", comodel_name="tag"),
            },
            "order": {"tag_ids": SimpleNamespace(type="many2many", comodel_name="tag")},
        }
        rec_names = {"tag": ["name", "partner_id.name", "parent_id"], "partner": ["name"]}.get
        expected = {("tag", "read"): "tag_ids", ("partner", "read"): "tag_ids"}
        reach = domain_reach([["tag_ids", "ilike", "x"]], "order", models.get, rec_names_of=rec_names)
        self.assertEqual(reach, expected)
        self.assertEqual(
            domain_reach([["tag_ids.display_name", "=", "x"]], "order", models.get, rec_names_of=rec_names),
            {("tag", "read"): "tag_ids", ("partner", "read"): "tag_ids.display_name"},
        )
        self.assertEqual(
            domain_reach([["display_name", "ilike", "x"]], "tag", models.get, rec_names_of=rec_names),
            {("partner", "read"): "display_name", ("tag", "read"): "display_name"},
        )
        self.assertEqual(domain_reach([["tag_ids", "in", [1]]], "order", models.get, rec_names_of=rec_names), {})
        self.assertEqual(
            read_reach("name_search", {"name": "x", "args": None}, "tag", models.get, rec_names),
            {("partner", "read"): "name", ("tag", "read"): "name"},
        )
        self.assertEqual(read_reach("name_search", {"name": "", "args": None}, "tag", models.get, rec_names), {})

    def test_specification_reach(self):
        self.assertEqual(specification_reach({"name": {}, "parent_id": {}}, "partner", fields_of), {})
        plain = {"parent_id": {"fields": {"display_name": {}, "id": {}}}, "tag_ids": {"fields": {"id": {}}}}
        self.assertEqual(specification_reach(plain, "partner", fields_of), {})
        spec = {"parent_id": {"fields": {"name": {}, "tag_ids": {"fields": {"name": {}}}}}}
        self.assertEqual(
            specification_reach(spec, "partner", fields_of),
            {("partner", "read"): "parent_id", ("tag", "read"): "parent_id.tag_ids"},
        )
        for tags in ({"fields": {"display_name": {}}}, {"fields": {}, "order": "name desc"}):
            self.assertEqual(specification_reach({"tag_ids": tags}, "partner", fields_of), {("tag", "read"): "tag_ids"})

    def test_call_arguments(self):
        dotted = [["tag_ids.name", "=", "x"]]
        expected = {("tag", "read"): "tag_ids"}
        for method, arguments in (
            ("search_read", {"domain": dotted}),
            ("name_search", {"name": "", "args": dotted}),
            ("web_search_read", {"domain": [], "specification": {"tag_ids": {"fields": {"name": {}}}}}),
            ("onchange", {"fields_spec": {"tag_ids": {"fields": {"name": {}}}}}),
            ("search_panel_select_range", {"field_name": "parent_id", "kwargs": {"filter_domain": dotted}}),
            ("export_data", {"fields_to_export": ["name", "tag_ids/name"]}),
        ):
            with self.subTest(method=method):
                self.assertEqual(read_reach(method, arguments, "partner", fields_of), expected)
        self.assertEqual(read_reach("export_data", {"fields_to_export": ["tag_ids/id"]}, "partner", fields_of), {})
        self.assertEqual(read_reach("action_confirm", {"args": dotted}, "partner", fields_of), {})


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
        values = write_values({"tag_ids": [1, 2], "line_ids": [3], "note_ids": None}, "order")
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
