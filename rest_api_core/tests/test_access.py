"""Odoo's access rights and record rules apply to the API as to the web client."""

from odoo.tests import tagged

from .common import RestApiCase


@tagged("post_install", "-at_install")
class TestAccessRights(RestApiCase):
    def test_unauthenticated_requests_are_401(self):
        for method, path in (
            ("GET", "/api/res.partner/search"),
            ("GET", "/api/no.such.model/search"),
            ("POST", "/api/res.partner/create"),
            ("DELETE", "/api/res.partner/1"),
        ):
            with self.subTest(method=method, path=path):
                response = self.opener.request(method, self.base_url() + path, timeout=30)
                self.assertProblem(response, 401)
                self.assertIn("WWW-Authenticate", response.headers)
        self.assertProblem(self.api("GET", "/api/res.partner/search", key="0" * 40), 401)

    def test_model_without_read_access_is_403(self):
        for path in ("/api/ir.config_parameter/search", "/api/ir.config_parameter/schema"):
            self.assertProblem(self.api("GET", path, key=self.employee_key), 403)
        parameter = self.env["ir.config_parameter"].search([], limit=1)
        self.assertProblem(self.api("GET", f"/api/ir.config_parameter/{parameter.id}", key=self.employee_key), 403)
        self.assertProblem(
            self.api("GET", "/api/ir.config_parameter/record_count", key=self.employee_key), 403, "ir.config_parameter"
        )

    def test_operation_without_access_is_403_and_writes_nothing(self):
        partner = self.env["res.partner"].create({"name": "REST Protected"})
        path = f"/api/res.partner/{partner.id}"
        self.assertProblem(
            self.api("POST", "/api/res.partner/create", key=self.employee_key, body={"name": "REST Sneaky"}), 403
        )
        self.assertProblem(self.api("PUT", path, key=self.employee_key, body={"name": "REST Hacked"}), 403)
        self.assertProblem(self.api("DELETE", path, key=self.employee_key), 403)
        self.assertProblem(
            self.api(
                "POST",
                "/api/res.partner/execute_kw",
                key=self.employee_key,
                body={"method": "unlink", "args": [partner.ids]},
            ),
            403,
        )
        self.assertProblem(
            self.api("POST", "/api/res.country/create", key=self.manager_key, body={"name": "REST land", "code": "RQ"}),
            403,
        )
        self.env.invalidate_all()
        self.assertEqual(partner.name, "REST Protected")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "REST Sneaky")]))
        self.assertFalse(self.env["res.country"].search([("code", "=", "RQ")]))
        # reading stays allowed
        self.assertEqual(
            self.assertJson(self.api("GET", path, key=self.employee_key, params={"fields": "['name']"}))["name"],
            "REST Protected",
        )

    def test_admin_key_is_not_superuser(self):
        # the API runs as the key's user, never as superuser: NO_ACCESS fields stay closed even to admin
        self.assertProblem(
            self.api(
                "GET", f"/api/res.users/{self.manager.id}", key=self.admin_key, params={"fields": "['totp_secret']"}
            ),
            403,
        )


@tagged("post_install", "-at_install")
class TestMultiCompanyRecordRules(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "REST Other Company"})
        cls.foreign_partner = cls.env["res.partner"].create(
            {"name": "REST Foreign", "company_id": cls.other_company.id}
        )
        cls.home_partner = cls.env["res.partner"].create({"name": "REST Home", "company_id": cls.company.id})
        cls.path = f"/api/res.partner/{cls.foreign_partner.id}"

    def test_record_of_another_company_is_403_on_read(self):
        self.assertProblem(self.api("GET", self.path), 403)
        self.assertProblem(self.api("GET", self.path, params={"fields": "['name']"}), 403)

    def test_search_does_not_see_it(self):
        rows = self.assertJson(
            self.api(
                "GET",
                "/api/res.partner/search",
                params={"domain": "[('name', 'in', ['REST Foreign', 'REST Home'])]", "fields": "['name']"},
            )
        )
        self.assertEqual([row["name"] for row in rows], ["REST Home"])
        count = self.assertJson(
            self.api("GET", "/api/res.partner/record_count", params={"domain": "[('name', '=', 'REST Foreign')]"})
        )
        self.assertEqual(count["record_count"], 0)

    def test_record_of_another_company_is_403_on_write_and_delete(self):
        self.assertProblem(self.api("PUT", self.path, body={"name": "REST Taken Over"}), 403)
        self.assertProblem(self.api("PATCH", self.path, body={"name": "REST Taken Over"}), 403)
        self.assertProblem(self.api("DELETE", self.path), 403)
        self.assertProblem(
            self.api(
                "POST",
                "/api/res.partner/execute_kw",
                body={"method": "write", "args": [self.foreign_partner.ids, {"name": "REST Taken Over"}]},
            ),
            403,
        )
        self.env.invalidate_all()
        self.assertEqual(self.foreign_partner.name, "REST Foreign")

    def test_allowed_company_ids_context_cannot_escape_the_users_companies(self):
        body = {
            "method": "read",
            "args": [self.foreign_partner.ids, ["name"]],
            "kwargs": {"context": {"allowed_company_ids": [self.other_company.id]}},
        }
        self.assertProblem(self.api("POST", "/api/res.partner/execute_kw", body=body), 403)

    def test_a_user_of_both_companies_sees_it_with_allowed_company_ids(self):
        self.manager.company_ids = [(4, self.other_company.id)]
        body = {
            "method": "read",
            "args": [self.foreign_partner.ids, ["name"]],
            "kwargs": {"context": {"allowed_company_ids": [self.company.id, self.other_company.id]}},
        }
        rows = self.assertJson(self.api("POST", "/api/res.partner/execute_kw", body=body))
        self.assertEqual(rows, [{"id": self.foreign_partner.id, "name": "REST Foreign"}])
