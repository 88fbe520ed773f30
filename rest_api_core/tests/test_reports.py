"""Reports of a model: listed, printed as the effective user; refused before anything is rendered.

In-process tests run Odoo with --test-enable, under which Odoo renders PDF reports as HTML
(its own shortcut): the answer then says text/html. The live tests print real PDF files.
"""

from odoo import Command
from odoo.tests import tagged

from .common import RestApiCase

REPORT = "base.ir_module_reference_print"  # its report_name: base.report_irmodulereference


@tagged("post_install", "-at_install")
class TestReports(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.module = cls.env.ref("base.module_base")
        cls.other = cls.env["ir.module.module"].search([("name", "=", "web")])
        cls.report = cls.env.ref(REPORT)

    def api(self, method, path, *, key=None, **kwargs):
        """As the administrator: ir.module.module is for administrators only."""
        return super().api(method, path, key=key or self.admin_key, **kwargs)

    def test_the_reports_of_a_model(self):
        listing = self.assertJson(self.api("GET", "/api/ir.module.module/reports"))
        entry = next(entry for entry in listing if entry["xml_id"] == REPORT)
        self.assertEqual(entry["report_name"], self.report.report_name)
        self.assertEqual(entry["report_type"], "qweb-pdf")
        self.assertEqual(entry["id"], self.report.id)
        self.assertEqual(self.assertJson(self.api("GET", "/api/res.country.state/reports")), [])
        # ir.module.module is for administrators only
        self.assertProblem(self.api("GET", "/api/ir.module.module/reports", key=self.manager_key), 403)

    def test_printing_by_xml_id_or_report_name(self):
        for reference in (REPORT, self.report.report_name):
            with self.subTest(reference=reference):
                path = f"/api/ir.module.module/{self.module.id}/report/{reference}"
                response = self.api("GET", path, params={"format": "html"})
                self.assertEqual(response.status_code, 200, response.text)
                self.assertEqual(response.headers["Content-Type"], "text/html; charset=utf-8")
                self.assertIn(self.module.shortdesc, response.text)
                self.assertIn("attachment;", response.headers["Content-Disposition"])
        path = f"/api/ir.module.module/{self.module.id}/report/{REPORT}"
        both = self.api("GET", path, params={"format": "html", "ids": f"{self.other.id}"})
        self.assertIn(self.module.shortdesc, both.text)
        self.assertIn(self.other.shortdesc, both.text)

    def test_bad_reports_and_parameters(self):
        path = f"/api/ir.module.module/{self.module.id}/report"
        self.assertProblem(self.api("GET", f"{path}/no.such_report"), 404, "Unknown report")
        partner = self.env["res.partner"].create({"name": "REST Report"})
        problem = self.assertProblem(self.api("GET", f"/api/res.partner/{partner.id}/report/{REPORT}"), 400)
        self.assertIn("prints ir.module.module records", problem["detail"])
        self.assertProblem(self.api("GET", f"{path}/{REPORT}", params={"format": "docx"}), 400, invalid_param="format")
        self.assertProblem(self.api("GET", f"{path}/{REPORT}", params={"ids": "1,x"}), 400, invalid_param="ids")
        self.assertProblem(self.api("GET", f"/api/ir.module.module/999999/report/{REPORT}"), 404, "does not exist")
        self.assertProblem(self.api("GET", f"{path}/{REPORT}", key="not a key"), 401)

    def test_records_the_user_may_not_read_are_never_printed(self):
        key = self.key_of_user_not_seeing(self.module, "rest_reports_hidden", "base.group_user,base.group_system")
        path = f"/api/ir.module.module/{self.other.id}/report/{REPORT}"
        self.assertEqual(self.api("GET", path, key=key, params={"format": "html"}).status_code, 200)
        for params in ({"ids": str(self.module.id)}, {"ids": str(self.module.id), "format": "html"}):
            with self.subTest(params=params):
                response = self.api("GET", path, key=key, params=params)
                self.assertProblem(response, 403)
                self.assertNotIn(self.module.shortdesc, response.text)
        # a report restricted to a group the user is not in
        printers = self.env["res.groups"].create({"name": "REST report printers"})
        self.report.groups_id = [Command.link(printers.id)]
        self.assertProblem(self.api("GET", path, key=key), 403, "may not print")
        listing = self.assertJson(self.api("GET", "/api/ir.module.module/reports", key=key))
        self.assertNotIn(REPORT, [entry["xml_id"] for entry in listing])
