"""A key's per-model document lists the model's files and reports, and what it lists works."""

from fnmatch import fnmatch

from openapi_spec_validator import validate

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.rest_api_auth.tests.common import RestApiUsersMixin, make_api_key, make_personal_key


def parameter(operation, name):
    return next(p for p in operation["parameters"] if p.get("name") == name)


@tagged("post_install", "-at_install")
class TestDocumentedFiles(RestApiUsersMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        cls.admin_key = make_personal_key(cls.admin)
        cls.partner = cls.env["res.partner"].create({"name": "Documented files"})
        # may write contacts (an internal user alone may only read them)
        cls.contacts_user = new_test_user(
            cls.env, login="rest_files_user", groups="base.group_user,base.group_partner_manager"
        )

    def document(self, key, models):
        response = self.url_open(f"/api/openapi.json?models={models}", headers={"api-key": key})
        self.assertEqual(response.status_code, 200, response.text)
        spec = response.json()
        validate(spec)
        return spec

    def test_the_models_binary_fields_reports_and_attachments(self):
        spec = self.document(self.admin_key, "res.partner,ir.module.module")
        download = spec["paths"]["/api/res.partner/{id}/{field}"]["get"]
        downloads = parameter(download, "field")["schema"]["enum"]
        self.assertLessEqual({"image_1920", "image_128", "avatar_128"}, set(downloads))
        uploads = parameter(spec["paths"]["/api/res.partner/{id}/{field}"]["put"], "field")["schema"]["enum"]
        self.assertIn("image_1920", uploads)
        self.assertNotIn("avatar_128", uploads)  # computed, no inverse: the server refuses it (400)
        self.assertEqual(parameter(download, "size")["schema"]["enum"], [128, 256, 512, 1024, 1920])
        self.assertEqual(list(download["responses"]["200"]["content"]), ["application/octet-stream", "image/*"])
        self.assertEqual(set(spec["paths"]["/api/res.partner/{id}/attachments"]), {"get", "post"})
        report = spec["paths"]["/api/ir.module.module/{id}/report/{report}"]["get"]
        self.assertIn("base.ir_module_reference_print", parameter(report, "report")["schema"]["enum"])
        self.assertIn("/api/ir.module.module/reports", spec["paths"])
        self.assertNotIn("/api/res.partner/reports", spec["paths"])  # base prints no partner

        # what the document offers works: its example field, served as one of its types
        example = parameter(download, "field")["example"]
        response = self.url_open(f"/api/res.partner/{self.partner.id}/{example}", headers={"api-key": self.admin_key})
        self.assertEqual(response.status_code, 200, response.text)
        served = response.headers["Content-Type"].split(";")[0]
        self.assertTrue(any(fnmatch(served, documented) for documented in download["responses"]["200"]["content"]))
        module = self.env["ir.module.module"].search([("name", "=", "rest_api_docs")])
        response = self.url_open(
            f"/api/ir.module.module/{module.id}/report/base.ir_module_reference_print?format=html",
            headers={"api-key": self.admin_key},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIn(list(report["responses"]["200"]["content"])[1], response.headers["Content-Type"])

    def test_what_the_key_may_do(self):
        access = [{"model": "res.partner", "read": True, "write": True}, {"model": "res.country", "read": True}]
        _key, secret = make_api_key(self.env, self.contacts_user, scope_mode="specific", access=access)
        spec = self.document(secret, "res.partner,res.country")
        actions = {
            (operation["x-odoo-model"], operation["x-odoo-action"])
            for item in spec["paths"].values()
            for operation in item.values()
        }
        self.assertLessEqual({("res.partner", "download"), ("res.partner", "upload")}, actions)
        self.assertFalse([action for model, action in actions if action in ("attachments", "attach")])
        self.assertFalse([action for model, action in actions if model == "res.country" and action == "download"])
        # ir.attachment in the key's scope: read lists them, create attaches (with write on the partner)
        for operations, documented in (({"read": True}, {"get"}), ({"read": True, "create": True}, {"get", "post"})):
            with self.subTest(operations=operations):
                scope = [*access, {"model": "ir.attachment", **operations}]
                _key, secret = make_api_key(self.env, self.contacts_user, scope_mode="specific", access=scope)
                spec = self.document(secret, "res.partner")
                self.assertEqual(set(spec["paths"]["/api/res.partner/{id}/attachments"]), documented)
