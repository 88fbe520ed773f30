"""X-Odoo-Company: the companies of a request, within the user's, on every route."""

from odoo.tests import new_test_user, tagged

from .common import RestApiCase

HEADER = "X-Odoo-Company"


@tagged("post_install", "-at_install")
class TestCompanyHeader(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        companies = cls.env["res.company"].create([{"name": f"REST company {n}"} for n in (1, 2, 3)])
        cls.c1, cls.c2, cls.c3 = companies
        cls.user = new_test_user(
            cls.env,
            login="rest_two_companies",
            groups="base.group_user,base.group_partner_manager",
            company_id=cls.c1.id,
            company_ids=[cls.c1.id, cls.c2.id],
        )
        cls.key = cls.api_key_for(cls.user)
        cls.p1 = cls.env["res.partner"].create({"name": "REST partner of 1", "company_id": cls.c1.id})
        cls.p2 = cls.env["res.partner"].create({"name": "REST partner of 2", "company_id": cls.c2.id})

    def visible(self, companies=None):
        headers = {HEADER: companies} if companies is not None else {}
        params = {"domain": f"[('id', 'in', {[self.p1.id, self.p2.id]})]", "fields": "['id']"}
        response = self.api("GET", "/api/res.partner/search", key=self.key, params=params, headers=headers)
        return sorted(row["id"] for row in self.assertJson(response))

    def test_the_header_selects_the_companies_of_the_request(self):
        both = sorted([self.p1.id, self.p2.id])
        self.assertEqual(self.visible(), both)  # Odoo's default: every company of the user
        self.assertEqual(self.visible(str(self.c1.id)), [self.p1.id])
        self.assertEqual(self.visible(str(self.c2.id)), [self.p2.id])
        self.assertEqual(self.visible(f"{self.c2.id}, {self.c1.id}"), both)
        path = f"/api/res.partner/{self.p2.id}"
        self.assertProblem(self.api("GET", path, key=self.key, headers={HEADER: str(self.c1.id)}), 403)
        self.assertJson(self.api("GET", path, key=self.key, headers={HEADER: str(self.c2.id)}))

    def test_the_first_company_is_the_current_one(self):
        for header, current in ((f"{self.c2.id},{self.c1.id}", self.c2), (f"{self.c1.id},{self.c2.id}", self.c1)):
            with self.subTest(header=header):
                response = self.api(
                    "POST", "/api/ir.attachment/create", key=self.key, body={"name": "REST company doc"},
                    headers={HEADER: header},
                )  # fmt: skip
                attachment = self.env["ir.attachment"].browse(self.assertJson(response, 201)["id"])
                self.assertEqual(attachment.company_id, current)

    def test_execute_kw_runs_in_the_companies_of_the_header(self):
        call = {"method": "search_count", "args": [[["id", "in", [self.p1.id, self.p2.id]]]]}
        for header, count in ((str(self.c1.id), 1), (f"{self.c1.id},{self.c2.id}", 2)):
            with self.subTest(header=header):
                response = self.api(
                    "POST", "/api/res.partner/execute_kw", key=self.key, body=call, headers={HEADER: header}
                )
                self.assertEqual(self.assertJson(response), count)

    def test_a_company_outside_the_users_is_a_403(self):
        for header in (str(self.c3.id), f"{self.c1.id},{self.c3.id}", "2147483647", "0"):
            with self.subTest(header=header):
                for method, path, body in (
                    ("GET", "/api/res.partner/search", None),
                    ("POST", "/api/res.partner/execute_kw", {"method": "search_count", "args": [[]]}),
                    ("POST", "/api/res.partner/create", {"name": "REST company refused"}),
                ):
                    response = self.api(method, path, key=self.key, body=body, headers={HEADER: header})
                    self.assertProblem(response, 403, HEADER)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "REST company refused")]))

    def test_a_malformed_header_is_a_400(self):
        for header in ("", "abc", "1;2", "1,,2", ",".join(["1"] * 101), "-1"):
            with self.subTest(header=header):
                response = self.api("GET", "/api/res.partner/search", key=self.key, headers={HEADER: header})
                self.assertProblem(response, 400, HEADER)
