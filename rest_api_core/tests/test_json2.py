"""``POST /json/2/<model>/<method>``: Odoo 19's JSON-2 API (its documented requests and answers) on 18.0."""

from odoo.tests import tagged

from odoo.addons.rest_api_auth.tests.common import allow_failed_authentications, make_api_key

from .common import JSON_CONTENT_TYPE, RestApiCase

ERROR_MEMBERS = {"name", "message", "arguments", "context"}


@tagged("post_install", "-at_install")
class TestJson2(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_failed_authentications(cls.env)
        cls.reader_key = cls.provision("json2 reader", [{"model": "res.partner", "read": True}])
        cls.caller_key = cls.provision(
            "json2 caller", [{"model": "res.partner", "read": True, "execute": True, "methods": ["name_search"]}]
        )
        cls.partner_key = cls.provision(
            "json2 partners only", [{"model": "res.partner", "read": True, "create": True, "execute": True}]
        )
        cls.partner = cls.env["res.partner"].create({"name": "Json2 Deco Addict", "is_company": True})

    def json2(self, model, method, body=None, key=None, headers=None):
        """POST as Odoo 19's documentation does: ``Authorization: bearer <key>``, a JSON body."""
        request_headers = {"Authorization": f"bearer {key or self.manager_key}", "Content-Type": "application/json"}
        request_headers.update(headers or {})
        return self.opener.post(
            f"{self.base_url()}/json/2/{model}/{method}", json=body or {}, headers=request_headers, timeout=30
        )

    def assertResult(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"], JSON_CONTENT_TYPE)
        return response.json()

    def assertError(self, response, status, name, message=None):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], JSON_CONTENT_TYPE)
        error = response.json()
        self.assertEqual(set(error), ERROR_MEMBERS)  # Odoo 19's, without the traceback ("debug")
        self.assertEqual(error["name"], name)
        self.assertEqual(error["arguments"][0], error["message"])
        self.assertEqual(error["context"], {})
        self.assertNotIn("Traceback", response.text)
        if message is not None:
            self.assertIn(message, error["message"])
        return error

    def test_the_documented_search_read(self):
        body = {
            "context": {"lang": "en_US"},
            "domain": [["name", "ilike", "%deco%"], ["is_company", "=", True]],
            "fields": ["name"],
        }
        self.assertIn(
            {"id": self.partner.id, "name": "Json2 Deco Addict"},
            self.assertResult(self.json2("res.partner", "search_read", body)),
        )

    def test_a_record_life(self):
        ids = self.assertResult(self.json2("res.partner", "create", {"vals_list": [{"name": "Json2 New"}]}))
        self.assertEqual(len(ids), 1)
        self.assertTrue(
            self.assertResult(self.json2("res.partner", "write", {"ids": ids, "vals": {"email": "n@x.example"}}))
        )
        rows = self.assertResult(self.json2("res.partner", "read", {"ids": ids, "fields": ["name", "email"]}))
        self.assertEqual(rows, [{"id": ids[0], "name": "Json2 New", "email": "n@x.example"}])
        self.assertEqual(
            self.assertResult(self.json2("res.partner", "search_count", {"domain": [["id", "in", ids]]})), 1
        )
        self.assertResult(self.json2("res.partner", "action_archive", {"ids": ids}))  # a method with ids
        self.assertTrue(self.assertResult(self.json2("res.partner", "unlink", {"ids": ids})))
        self.assertFalse(self.env["res.partner"].with_context(active_test=False).browse(ids).exists())
        # a method returning records answers their ids
        found = self.assertResult(self.json2("res.partner", "search", {"domain": [["id", "=", self.partner.id]]}))
        self.assertEqual(found, [self.partner.id])

    def test_odoo_19_errors(self):
        self.assertError(self.json2("no.such.model", "read"), 404, "werkzeug.exceptions.NotFound")
        self.assertError(self.json2("res.partner", "no_such_method"), 404, "werkzeug.exceptions.NotFound")
        self.assertError(
            self.json2("res.partner", "_compute_display_name", {"ids": [self.partner.id]}),
            403,
            "odoo.exceptions.AccessError",
            "Private methods",
        )
        self.assertError(
            self.json2("res.partner", "search_read", {"ids": [self.partner.id]}),
            422,
            "werkzeug.exceptions.UnprocessableEntity",
            "with ids",
        )
        self.assertError(
            self.json2("res.partner", "read", {"ids": [1], "nonsense": 1}),
            422,
            "werkzeug.exceptions.UnprocessableEntity",
        )
        self.assertError(self.json2("res.partner", "read", key="0" * 40), 401, "werkzeug.exceptions.Unauthorized")
        error = self.assertError(
            self.json2("res.partner", "write", {"ids": [self.employee.partner_id.id], "vals": {"active": False}}),
            422,
            "odoo.exceptions.ValidationError",
        )
        self.assertIn("linked to an active user", error["message"])
        # a unique constraint is Odoo 19's ValidationError (422), as its RPC reports it
        duplicate = {"vals_list": [{"name": "Json2land", "code": "BE"}]}
        self.assertError(
            self.json2("res.country", "create", duplicate, key=self.admin_key), 422, "odoo.exceptions.ValidationError"
        )
        bad_ids = self.json2("res.partner", "read", {"ids": ["x"]})
        self.assertError(bad_ids, 400, "werkzeug.exceptions.BadRequest", "ids")
        response = self.opener.get(
            f"{self.base_url()}/json/2/res.partner/read", headers={"Authorization": f"bearer {self.manager_key}"}
        )
        self.assertError(response, 404, "werkzeug.exceptions.NotFound", "Did you mean POST")
        self.assertTrue(self.partner.exists())

    def test_the_keys_scope_applies(self):
        self.assertError(
            self.json2("res.partner", "search_read", key=self.reader_key), 403, "odoo.exceptions.AccessError"
        )
        self.assertError(
            self.json2("res.partner", "search_read", key=self.caller_key), 403, "odoo.exceptions.AccessError"
        )
        found = self.assertResult(self.json2("res.partner", "name_search", {"name": "Json2 Deco"}, key=self.caller_key))
        self.assertEqual(found, [[self.partner.id, "Json2 Deco Addict"]])
        self.assertError(
            self.json2("res.users.apikeys", "search_read", key=self.admin_key), 403, "odoo.exceptions.AccessError"
        )

    def test_the_rules_of_execute_kw_apply_to_the_named_arguments(self):
        one = self.assertResult(self.json2("res.partner", "create", {"vals_list": {"name": "Json2 One"}}))
        self.assertEqual(len(one), 1)  # one values object: a list of ids all the same
        refused = (
            ("search_read", {"domain": [["country_id.name", "=", "Belgium"]]}, "res.country"),  # a domain's reach
            ("create", {"vals_list": {"name": "x", "category_id": [[0, 0, {"name": "y"}]]}}, "res.partner.category"),
            ("unlink", {"ids": one}, "may not unlink"),  # the operations a generic method needs
        )
        for method, body, message in refused:
            with self.subTest(method=method):
                response = self.json2("res.partner", method, body, key=self.partner_key)
                self.assertError(response, 403, "odoo.exceptions.AccessError", message)
        bad = (({"domain": [], "limit": 0}, "limit"), ({"domain": [], "context": {"lang": 5}}, "context"))
        for body, message in bad:
            with self.subTest(body=body):
                error = self.assertError(
                    self.json2("res.partner", "search_read", body), 400, "werkzeug.exceptions.BadRequest"
                )
                self.assertIn(message, str(error))
        self.assertTrue(self.env["res.partner"].browse(one).exists())

    def test_the_databases_header(self):
        self.assertResult(
            self.json2("res.partner", "search_count", {"domain": []}, headers={"X-Odoo-Database": self.env.cr.dbname})
        )
        self.assertError(
            self.json2("res.partner", "search_count", {"domain": []}, headers={"X-Odoo-Database": "no_such_db"}),
            404,
            "werkzeug.exceptions.NotFound",
        )

    def test_the_throttle_applies(self):
        _key, secret = make_api_key(self.env, self.manager, rate_limit=1, rate_period=3600, rate_burst=1)
        self.assertResult(self.json2("res.partner", "search_count", {"domain": []}, key=secret))
        response = self.json2("res.partner", "search_count", {"domain": []}, key=secret)
        self.assertError(response, 429, "werkzeug.exceptions.TooManyRequests")
        self.assertTrue(response.headers["Retry-After"])
