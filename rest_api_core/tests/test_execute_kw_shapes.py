"""execute_kw with arguments of the wrong shape: a 400/422 problem, never a 500 (issue 14, defect 7).

A probe of ~60 shapes a careless client sends: Odoo's methods raise
TypeError, AssertionError, AttributeError, KeyError... on them, which are
the client's (``dispatch.orm_call``), except when our own code raises them.
"""

from odoo.osv.expression import normalize_domain
from odoo.tests import BaseCase, tagged

from odoo.addons.rest_api_auth.exceptions import BadRequest

from ..dispatch import orm_call
from .common import PROBLEM_CONTENT_TYPE, RestApiCase


def nested(depth):
    value = []
    for _level in range(depth):
        value = [value]
    return value


# (method, args, kwargs); record methods take the ids first
WRONG_SHAPES = [
    ("search", ["x"], {}),
    ("search", [5], {}),
    ("search", [{"a": 1}], {}),
    ("search", [[["name"]]], {}),
    ("search", [[["name", "=", "x", "y"]]], {}),
    ("search", [[["name", "bogus", "x"]]], {}),
    ("search", [[["nope", "=", 1]]], {}),
    ("search", [[[5, "=", 1]]], {}),
    ("search", [["|"]], {}),
    ("search", [[]], {"order": 5}),
    ("search", [[]], {"order": "name; select"}),
    ("search", [[]], {"offset": "x"}),
    ("search", [[]], {"limit": "x"}),
    ("search", [nested(900)], {}),
    ("search", [[["name", "in", nested(900)]]], {}),
    ("search_count", ["x"], {}),
    ("search_count", [[]], {"limit": "x"}),
    ("search_read", [[], "name"], {}),
    ("search_read", [[], [5]], {}),
    ("search_read", [[]], {"fields": {"a": 1}}),
    ("search_fetch", [[], "name"], {}),
    ("read", [[1], "name"], {}),
    ("read", [[1], [5]], {}),
    ("read", [[1], ["nope"]], {}),
    ("read", [[1]], {"load": 5}),
    ("check_access", [[1], "fly"], {}),
    ("has_access", [[1], "fly"], {}),
    ("check_access_rights", ["fly"], {}),
    ("check_access_rights", [5], {}),
    ("web_read", [[1], ["name"]], {}),
    ("web_read", [[1], "name"], {}),
    ("web_read", [[1], {"name": 5}], {}),
    ("web_read", [[1], {"parent_id": {"fields": 5}}], {}),
    ("web_read", [[1], {"parent_id": {"fields": ["name"]}}], {}),
    ("web_search_read", [[], ["name"]], {}),
    ("web_search_read", ["x", {}], {}),
    ("fields_get", [5], {}),
    ("fields_get", [[]], {"attributes": 5}),
    ("name_search", [5], {}),
    ("name_search", [], {"name": "a", "args": "x"}),
    ("name_search", [], {"operator": "bogus"}),
    ("read_group", [[], ["name"], 5], {}),
    ("read_group", [[], ["name"], ["nope"]], {}),
    ("read_group", [[], 5, ["name"]], {}),
    ("create", ["x"], {}),
    ("create", [5], {}),
    ("create", [[5]], {}),
    ("create", [{"name": {"a": 1}}], {}),
    ("write", [[1], "x"], {}),
    ("write", [[1], [1]], {}),
    ("write", [[1], {"category_id": "x"}], {}),
    ("copy", [[1], "x"], {}),
    ("default_get", ["name"], {}),
    ("default_get", [[5]], {}),
    ("onchange", [[], "x", "y"], {}),
    ("onchange", [[], {}, "name", "x"], {}),
    ("export_data", [[1], "name"], {}),
    ("get_metadata", [["x"]], {}),
    ("load", [["name"], "x"], {}),
    ("search_panel_select_range", [5], {}),
    ("web_save", [[], "x", {}], {}),
    ("exists", [[1]], {"x": 1}),
]


@tagged("post_install", "-at_install")
class TestExecuteKwShapes(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The probe sends more requests at once than a personal key's burst; admin's personal
        # bucket is shared by every test class, so the probe has an unthrottled key of its own.
        values = {"name": "shapes probe", "user_id": cls.env.ref("base.user_admin").id, "rate_limit": 0}
        cls.probe_key = cls.env["rest.api.key"].generate_api_key(values)["key"]

    def execute(self, method, args, kwargs):
        body = {"method": method, "args": args, "kwargs": kwargs}
        return self.api("POST", "/api/res.partner/execute_kw", key=self.probe_key, body=body)

    def test_wrong_shapes_are_client_errors(self):
        self.assertGreaterEqual(len(WRONG_SHAPES), 60)
        for method, args, kwargs in WRONG_SHAPES:
            with self.subTest(method=method, args=str(args)[:80], kwargs=kwargs):
                response = self.execute(method, args, kwargs)
                self.assertLess(response.status_code, 500, response.text)
                self.assertNotEqual(response.status_code, 429, "throttled: the shape was not tried")
                content_type = response.headers["Content-Type"].split(";")[0]
                self.assertIn(content_type, ("application/json", PROBLEM_CONTENT_TYPE))
                if response.status_code >= 400:
                    self.assertProblem(response, response.status_code)

    def test_the_examples_of_the_issue_name_the_method(self):
        for method, args, kwargs in (
            ("search", ["x"], {}),
            ("check_access", [[1], "fly"], {}),
            ("web_read", [[1], ["name"]], {}),
        ):
            with self.subTest(method=method):
                self.assertProblem(self.execute(method, args, kwargs), 400, f"res.partner.{method}")

    def test_a_list_nested_900_deep_is_a_400(self):
        self.assertProblem(self.execute("search", [nested(900)], {}), 400)

    def test_the_right_password_in_run_check_is_no_500(self):
        # refused (the model is unreachable) or a 400/422: never the 500 of its request-less run
        create = self.api(
            "POST",
            "/api/res.users.identitycheck/execute_kw",
            body={"method": "create", "args": [{"password": "rest_manager"}]},
        )
        self.assertLess(create.status_code, 500, create.text)
        if create.status_code == 200:
            run = self.api(
                "POST", "/api/res.users.identitycheck/execute_kw", body={"method": "run_check", "args": [create.json()]}
            )
            self.assertProblem(run, run.status_code)
            self.assertIn(run.status_code, (400, 403, 404, 422))


class TestOrmCall(BaseCase):
    def test_what_odoo_raises_on_the_arguments_is_the_clients(self):
        with self.assertRaises(BadRequest) as caught, orm_call("res.partner.search"):
            normalize_domain("x")
        self.assertIn("res.partner.search", caught.exception.detail)

    def test_what_our_code_raises_stays_a_bug(self):
        for error in (TypeError("ours"), KeyError("ours"), AttributeError("ours")):
            with self.subTest(error=error), self.assertRaises(type(error)), orm_call("res.partner.search"):
                raise error
