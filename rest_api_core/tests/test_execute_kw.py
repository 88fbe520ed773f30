import json

from odoo.tests import tagged

from ..field_types import DATETIME_FORMAT
from .common import RestApiCase


@tagged("post_install", "-at_install")
class TestExecuteKw(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.env["res.partner"].create(
            [{"name": "REST Exec Alpha", "email": "alpha@rest.example"}, {"name": "REST Exec Beta"}]
        )

    def call(self, body, model="res.partner", **kwargs):
        return self.api("POST", f"/api/{model}/execute_kw", body=body, **kwargs)

    def test_search_read_like_the_original_example(self):
        rows = self.assertJson(
            self.call(
                {
                    "method": "search_read",
                    "args": [[["name", "like", "REST Exec"]]],
                    "kwargs": {"fields": ["id", "name", "email"], "limit": 10, "order": "name"},
                }
            )
        )
        self.assertEqual(
            rows,
            [
                {"id": self.partners[0].id, "name": "REST Exec Alpha", "email": "alpha@rest.example"},
                {"id": self.partners[1].id, "name": "REST Exec Beta", "email": False},
            ],
        )

    def test_recordsets_and_tuples_become_lists(self):
        ids = self.assertJson(
            self.call({"method": "search", "args": [[["name", "like", "REST Exec"]]], "kwargs": {"order": "id"}})
        )
        self.assertEqual(ids, self.partners.ids)
        pairs = self.assertJson(self.call({"method": "name_search", "args": ["REST Exec Al"]}))
        self.assertEqual(pairs, [[self.partners[0].id, "REST Exec Alpha"]])

    def test_record_method_with_ids_and_dates(self):
        rows = self.assertJson(self.call({"method": "read", "args": [self.partners[0].id, ["create_date"]]}))
        self.assertEqual(
            rows,
            [{"id": self.partners[0].id, "create_date": self.partners[0].create_date.strftime(DATETIME_FORMAT)}],
        )

    def test_write_through_execute_kw_and_context_allow_list(self):
        result = self.assertJson(
            self.call(
                {
                    "method": "create",
                    "args": [{"name": "REST Exec Created"}],
                    "kwargs": {"context": {"default_email": "injected@rest.example", "lang": "en_US", "tz": "UTC"}},
                }
            )
        )
        created = self.env["res.partner"].browse(result)
        self.assertEqual(created.name, "REST Exec Created")
        self.assertFalse(created.email, "default_* context keys must be dropped")
        self.assertTrue(self.assertJson(self.call({"method": "write", "args": [created.ids, {"ref": "X1"}]})))
        self.assertEqual(created.ref, "X1")

    def test_active_test_context_is_honoured(self):
        self.partners[1].active = False
        body = {"method": "search_count", "args": [[["name", "like", "REST Exec"]]]}
        self.assertEqual(self.assertJson(self.call(body)), 1)
        body["kwargs"] = {"context": {"active_test": False}}
        self.assertEqual(self.assertJson(self.call(body)), 2)

    def test_private_methods_are_refused(self):
        for method, args in (
            ("_read", [[self.partners[0].id], ["name"]]),
            ("_write", [[self.partners[0].id], {"name": "hacked"}]),
            ("sudo", [[self.partners[0].id]]),
            ("with_user", [[self.partners[0].id], 1]),
            ("with_context", [[self.partners[0].id]]),
            ("_unknown_private", [[]]),
        ):
            with self.subTest(method=method):
                self.assertProblem(self.call({"method": method, "args": args}), 403, "cannot be called remotely")
        self.env.invalidate_all()
        self.assertEqual(self.partners[0].name, "REST Exec Alpha")

    def test_bad_calls_are_400(self):
        for body, param in (
            ({"args": [[]]}, "method"),
            ({"method": "search; drop", "args": [[]]}, "method"),
            ({"method": 42}, "method"),
            ({"method": "search", "args": {"domain": []}}, "args"),
            ({"method": "search", "args": [[]], "kwargs": []}, "kwargs"),
            ({"method": "read", "args": []}, "args"),
            ({"method": "read", "args": ["one"]}, "args"),
            ({"method": "search", "args": [[]], "kwargs": {"context": "fr_FR"}}, "kwargs.context"),
            (
                {"method": "search", "args": [[]], "kwargs": {"context": {"active_test": "no"}}},
                "kwargs.context.active_test",
            ),
        ):
            with self.subTest(body=body):
                self.assertProblem(self.call(body), 400, invalid_param=param)
        self.assertProblem(self.call({"method": "no_such_method", "args": [[]]}), 400, "no method")
        self.assertProblem(self.call({"method": "read", "args": [[1]], "kwargs": {"bogus": 1}}), 400, "bogus")
        self.assertProblem(self.call({"method": "search", "args": [[["bad_field", "=", 1]]]}), 400, "bad_field")

    def test_malformed_body(self):
        response = self.api(
            "POST", "/api/res.partner/execute_kw", data="{", headers={"Content-Type": "application/json"}
        )
        self.assertProblem(response, 400, "not valid JSON")
        self.assertProblem(self.call(["search"]), 400, "must be a JSON object")

    def test_anonymous_bad_body_is_401_first(self):
        response = self.opener.post(
            self.base_url() + "/api/res.partner/execute_kw", data="{", headers={"Content-Type": "application/json"}
        )
        self.assertProblem(response, 401)

    def test_odoo_errors_in_the_method(self):
        # the partner of a user cannot be deleted
        response = self.call({"method": "unlink", "args": [self.employee.partner_id.ids]}, key=self.admin_key)
        self.assertProblem(response, 422)
        self.env.invalidate_all()
        self.assertTrue(self.employee.partner_id.exists())

    def test_unknown_model(self):
        self.assertProblem(self.call({"method": "search", "args": [[]]}, model="no.such.model"), 404, "no.such.model")

    def test_dates_in_results_become_iso_strings(self):
        body = {"method": "read_group", "args": [[["id", "in", self.partners.ids]], ["create_date:max"], []]}
        (group,) = self.assertJson(self.call(body))
        self.assertEqual(group["create_date"], max(self.partners.mapped("create_date")).strftime(DATETIME_FORMAT))
        self.assertEqual(group["__count"], 2)


@tagged("post_install", "-at_install")
class TestExecuteKwLimits(RestApiCase):
    """Search methods return at most ``rest_api.max_limit`` records per call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.env["res.partner"].create([{"name": f"REST Limit {index}"} for index in range(5)])
        cls.domain = [["name", "like", "REST Limit"]]

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("rest_api.max_limit", "3")

    def call(self, method, args, kwargs=None):
        body = {"method": method, "args": args, "kwargs": kwargs or {}}
        return self.api("POST", "/api/res.partner/execute_kw", body=body)

    def test_without_a_limit_the_maximum_applies(self):
        for method, args in (
            ("search", [self.domain]),
            ("search_read", [self.domain, ["name"]]),
            ("search_fetch", [self.domain, ["name"]]),
            ("name_search", ["REST Limit"]),
        ):
            with self.subTest(method=method):
                self.assertEqual(len(self.assertJson(self.call(method, args))), 3)
        result = self.assertJson(self.call("web_search_read", [self.domain, {"name": {}}]))
        self.assertEqual(len(result["records"]), 3)
        self.assertEqual(result["length"], 5)
        # null is "no limit given", not "no limit"
        self.assertEqual(len(self.assertJson(self.call("search", [self.domain], {"limit": None}))), 3)

    def test_the_methods_own_smaller_default_is_kept(self):
        self.env["ir.config_parameter"].set_param("rest_api.max_limit", "1000")
        self.env["res.partner"].create([{"name": f"REST Limit extra {index}"} for index in range(100)])
        self.assertEqual(len(self.assertJson(self.call("name_search", ["REST Limit"]))), 100)
        self.assertEqual(len(self.assertJson(self.call("search", [self.domain]))), 105)

    def test_limits_within_the_maximum(self):
        self.assertEqual(len(self.assertJson(self.call("search", [self.domain], {"limit": 2}))), 2)
        self.assertEqual(len(self.assertJson(self.call("search", [self.domain, 0, 3]))), 3)
        self.assertEqual(len(self.assertJson(self.call("name_search", ["REST Limit", [], "ilike", 1]))), 1)

    def test_limits_out_of_range_are_400(self):
        for method, args, kwargs in (
            ("search", [self.domain], {"limit": 4}),
            ("search", [self.domain], {"limit": 0}),
            ("search", [self.domain], {"limit": False}),
            ("search", [self.domain], {"limit": -1}),
            ("search", [self.domain], {"limit": "2"}),
            ("search", [self.domain], {"limit": 2.5}),
            ("search", [self.domain, 0, 100000], {}),
            ("search_read", [self.domain, ["name"], 0, 4], {}),
            ("search_fetch", [self.domain, ["name"]], {"limit": 4}),
            ("name_search", ["REST Limit"], {"limit": 4}),
            ("web_search_read", [self.domain, {"name": {}}], {"limit": 4}),
        ):
            with self.subTest(method=method, args=args, kwargs=kwargs):
                self.assertProblem(self.call(method, args, kwargs), 400, "from 1 to 3", invalid_param="limit")


@tagged("post_install", "-at_install")
class TestExecuteKwValues(RestApiCase):
    """x2many commands and values given to execute_kw are checked before Odoo sees them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "REST Exec Values"})

    def write(self, values):  # pylint: disable=method-required-super
        body = {"method": "write", "args": [self.partner.ids, values]}
        return self.api("POST", "/api/res.partner/execute_kw", body=body)

    def test_malformed_commands_are_400(self):
        for value in (
            [[0, "virtual_1", {"name": "x"}]],
            [[0, 0]],
            [[1, 0, {"name": "x"}]],
            [[1, True, {"name": "x"}]],
            [[4, True]],
            [[4, 1.0]],
            [[4, 7, 1]],
            [[4]],
            [[3, "7"]],
            [[5, 1]],
            [[6, 1, [1]]],
            [[6, 0, [True]]],
            [[6, 0, 7]],
            [[9, 0, 0]],
            [[]],
            [1, [4, 2]],
            "1,2",
            7,
        ):
            with self.subTest(value=value):
                problem = self.assertProblem(self.write({"category_id": value}), 400, invalid_param="category_id")
                self.assertNotIn("Traceback", problem["detail"])
        problem = self.assertProblem(self.write({"child_ids": [[0, 0, {"category_id": [[4, -1]]}]]}), 400)
        self.assertEqual(problem["invalid_params"][0]["name"], "child_ids.category_id")
        self.assertProblem(self.write("not values"), 400, invalid_param="values")
        body = {"method": "create", "args": [[{"name": "REST Exec Values new"}, 7]]}
        self.assertProblem(self.api("POST", "/api/res.partner/execute_kw", body=body), 400, invalid_param="values")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "REST Exec Values new")]))

    def test_commands_padded_as_odoo_pads_them(self):
        tag = self.env["res.partner.category"].create({"name": "REST Exec Tag"})
        self.assertTrue(self.assertJson(self.write({"category_id": [[4, tag.id, 0]]})))
        self.env.invalidate_all()
        self.assertEqual(self.partner.category_id, tag)
        self.assertTrue(self.assertJson(self.write({"category_id": [[5, 0, 0], [6, False, [tag.id]], [3, tag.id]]})))
        self.env.invalidate_all()
        self.assertFalse(self.partner.category_id)

    def test_values_the_orm_refuses_are_400(self):
        for values, detail in (({"type": "nonsense"}, "nonsense"), ({"no_such_field": 1}, "no_such_field")):
            with self.subTest(values=values):
                self.assertProblem(self.write(values), 400, detail)
        rate = self.env["res.currency.rate"].create(
            {"name": "2024-01-01", "rate": 1.5, "currency_id": self.env.ref("base.EUR").id}
        )
        for body in (
            {"method": "write", "args": [rate.ids, {"name": "2020-13-45"}]},
            {"method": "create", "args": [{"name": "2020-02-30", "rate": 2.0, "currency_id": rate.currency_id.id}]},
            {"method": "search", "args": [[["name", "=", "2020-13-45"]]]},
        ):
            with self.subTest(body=body):
                response = self.api("POST", "/api/res.currency.rate/execute_kw", key=self.admin_key, body=body)
                self.assertProblem(response, 400)
        self.env.invalidate_all()
        self.assertEqual(str(rate.name), "2024-01-01")
        self.assertEqual(self.partner.type, "contact")

    def test_nan_and_infinity_are_400(self):
        for raw in (
            '{"method": "write", "args": [[%d], {"partner_latitude": NaN}]}',
            '{"method": "write", "args": [[%d], {"partner_latitude": Infinity}]}',
            '{"method": "write", "args": [[%d], {"partner_latitude": -Infinity}]}',
            '{"method": "write", "args": [[%d], {"partner_latitude": 1e999}]}',
        ):
            with self.subTest(raw=raw):
                response = self.api(
                    "POST",
                    "/api/res.partner/execute_kw",
                    data=raw % self.partner.id,
                    headers={"Content-Type": "application/json"},
                )
                self.assertProblem(response, 400, "not valid JSON", invalid_param="body")
        self.env.invalidate_all()
        self.assertFalse(self.partner.partner_latitude)


@tagged("post_install", "-at_install")
class TestDomainBounds(RestApiCase):
    """Every domain a client sends is bounded in size and depth: 400 naming the limit, never a 500."""

    def call(self, body):
        return self.api("POST", "/api/res.partner/execute_kw", body=body)

    def get(self, endpoint, domain):
        text = domain if isinstance(domain, str) else json.dumps(domain)
        return self.api("GET", f"/api/res.partner/{endpoint}", params={"domain": text, "fields": '["name"]'})

    @staticmethod
    def ored(count):
        return ["|"] * (count - 1) + [["id", "=", n] for n in range(1, count + 1)]

    @staticmethod
    def nested(depth):
        domain = [["name", "=", "x"]]
        for _level in range(depth - 1):
            domain = [["parent_id", "any", domain]]
        return domain

    def test_query_parameters(self):
        for endpoint in ("search", "record_count"):
            with self.subTest(endpoint=endpoint):
                self.assertJson(self.get(endpoint, self.ored(500)))
                self.assertProblem(self.get(endpoint, self.ored(501)), 400, "more than 500 conditions (the limit)")
                self.assertJson(self.get(endpoint, self.nested(5)))
                self.assertProblem(self.get(endpoint, self.nested(6)), 400, "more than 5 levels deep (the limit)")
                self.assertProblem(self.get(endpoint, "[" * 900 + "]" * 900), 400)

    def test_every_domain_argument_of_execute_kw(self):
        big, deep = self.ored(10000), self.nested(200)
        for body in (
            {"method": "search_count", "args": [big]},
            {"method": "search_count", "args": [deep]},
            {"method": "search_read", "args": [], "kwargs": {"domain": deep, "limit": 1}},
            {"method": "read_group", "args": [big, ["id:count"], []]},
            {"method": "name_search", "args": ["x", big]},
            {"method": "name_search", "args": [], "kwargs": {"name": "x", "args": deep}},
            {"method": "search_panel_select_range", "args": ["parent_id"], "kwargs": {"search_domain": big}},
            {"method": "search_panel_select_multi_range", "args": ["parent_id"], "kwargs": {"filter_domain": deep}},
        ):
            with self.subTest(method=body["method"]):
                self.assertProblem(self.call(body), 400, "(the limit)")
        self.assertEqual(self.assertJson(self.call({"method": "search_count", "args": [self.nested(5)]})), 0)

    def test_limits_are_settings(self):
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("rest_api.max_domain_conditions", "3")
        parameters.set_param("rest_api.max_domain_depth", "2")
        self.assertProblem(self.get("search", self.ored(4)), 400, "more than 3 conditions")
        self.assertProblem(self.get("search", self.nested(3)), 400, "more than 2 levels deep")
        self.assertJson(self.get("search", self.nested(2)))
