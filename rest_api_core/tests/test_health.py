from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestHealth(HttpCase):
    def test_health_reports_versions_without_credentials(self):
        response = self.url_open("/api/health")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        body = response.json()
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["odoo_version"][:4], "18.0")
        installed = self.env["ir.module.module"].search([("name", "like", "rest_api_%"), ("state", "=", "installed")])
        self.assertEqual(body["modules"], {module.name: module.latest_version for module in installed})
        self.assertEqual(set(body["modules"]), {"rest_api_auth", "rest_api_core", "rest_api_docs"})

    def test_health_refuses_other_verbs(self):
        response = self.opener.post(self.base_url() + "/api/health", timeout=10)
        self.assertEqual(response.status_code, 405)
