"""Keys whose scope is ``specific``: only their models and operations, never more than the user's rights.

The keys come from rest_api_auth's provisioning API (``rest.api.key.generate_api_key``).
"""

from odoo.tests import tagged

from .common import RestApiCase


@tagged("post_install", "-at_install")
class TestScopedKeys(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reader_key = cls.provision("read only", [{"model": "res.partner", "read": True}])
        cls.writer_key = cls.provision(
            "partner writer", [{"model": "res.partner", "read": True, "create": True, "write": True}]
        )
        cls.caller_key = cls.provision(
            "name_search caller",
            [{"model": "res.partner", "read": True, "execute": True, "methods": ["name_search", "unlink"]}],
        )
        cls.country_key = cls.provision("country creator", [{"model": "res.country", "read": True, "create": True}])
        cls.partner = cls.env["res.partner"].create({"name": "REST Scoped"})
        cls.path = f"/api/res.partner/{cls.partner.id}"

    def assertUntouched(self):
        self.env.invalidate_all()
        self.assertTrue(self.partner.exists())
        self.assertEqual(self.partner.name, "REST Scoped")
        self.assertFalse(self.env["res.partner"].search([("name", "like", "REST Scoped new")]))

    def test_read_only_key_reads_its_model(self):
        key = self.reader_key
        rows = self.assertJson(self.api("GET", "/api/res.partner/search", key=key, params={"fields": "['name']"}))
        self.assertIn({"id": self.partner.id, "name": "REST Scoped"}, rows)
        self.assertEqual(
            self.assertJson(self.api("GET", self.path, key=key, params={"fields": "['name']"}))["name"], "REST Scoped"
        )
        self.assertJson(self.api("GET", "/api/res.partner/record_count", key=key))
        self.assertJson(self.api("GET", "/api/res.partner/schema", key=key))

    def test_read_only_key_writes_nothing(self):
        key = self.reader_key
        self.assertProblem(self.api("POST", "/api/res.partner/create", key=key, body={"name": "REST Scoped new"}), 403)
        self.assertProblem(self.api("PUT", self.path, key=key, body={"name": "REST Scoped changed"}), 403)
        self.assertProblem(self.api("PATCH", self.path, key=key, body={"name": "REST Scoped changed"}), 403)
        self.assertProblem(self.api("DELETE", self.path, key=key), 403)
        for method, args in (
            ("unlink", [self.partner.ids]),
            ("name_search", ["REST"]),
            ("write", [self.partner.ids, {"name": "x"}]),
        ):
            with self.subTest(method=method):
                response = self.api(
                    "POST", "/api/res.partner/execute_kw", key=key, body={"method": method, "args": args}
                )
                self.assertProblem(response, 403)
        self.assertUntouched()

    def test_other_models_are_out_of_scope(self):
        for method, path in (
            ("GET", "/api/res.partner.category/search"),
            ("GET", "/api/res.users/schema"),
            ("GET", "/api/no.such.model/search"),
            ("POST", "/api/res.partner.category/create"),
        ):
            with self.subTest(path=path):
                self.assertProblem(
                    self.api(method, path, key=self.reader_key, body={"name": "x"} if method == "POST" else None), 403
                )

    def test_writer_key_creates_and_updates_but_does_not_delete(self):
        key = self.writer_key
        created = self.assertJson(
            self.api("POST", "/api/res.partner/create", key=key, body={"name": "REST Scoped created"}), 201
        )
        self.assertJson(self.api("PATCH", f"/api/res.partner/{created['id']}", key=key, body={"ref": "W1"}))
        self.assertEqual(self.env["res.partner"].browse(created["id"]).ref, "W1")
        self.assertProblem(self.api("DELETE", self.path, key=key), 403)
        response = self.api("POST", "/api/res.partner/execute_kw", key=key, body={"method": "search", "args": [[]]})
        self.assertProblem(response, 403)
        self.assertUntouched()

    def test_method_allow_list(self):
        key = self.caller_key
        body = {"method": "name_search", "args": ["REST Scoped"]}
        self.assertEqual(
            self.assertJson(self.api("POST", "/api/res.partner/execute_kw", key=key, body=body)),
            [[self.partner.id, "REST Scoped"]],
        )
        for method in ("search_read", "copy", "write"):
            with self.subTest(method=method):
                body = {"method": method, "args": [self.partner.ids]}
                self.assertProblem(self.api("POST", "/api/res.partner/execute_kw", key=key, body=body), 403)
        # "unlink" is an allowed method name, but the key has no unlink permission
        body = {"method": "unlink", "args": [self.partner.ids]}
        self.assertProblem(self.api("POST", "/api/res.partner/execute_kw", key=key, body=body), 403, "unlink")
        self.assertUntouched()

    def test_scope_never_exceeds_the_users_access_rights(self):
        # the key allows creating countries; its user (a contact manager) may not
        response = self.api(
            "POST", "/api/res.country/create", key=self.country_key, body={"name": "REST land", "code": "RQ"}
        )
        self.assertProblem(response, 403)
        self.assertFalse(self.env["res.country"].search([("code", "=", "RQ")]))
