from odoo.tests import tagged

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
        self.assertEqual(rows, [{"id": self.partners[0].id, "create_date": self.partners[0].create_date.isoformat()}])

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
        self.assertEqual(group["create_date"], max(self.partners.mapped("create_date")).isoformat())
        self.assertEqual(group["__count"], 2)
