"""ETag on a record's GET and writes, If-None-Match (304), If-Match (412)."""

from odoo.tests import tagged

from .common import RestApiCase


@tagged("post_install", "-at_install")
class TestConditional(RestApiCase):
    def setUp(self):
        super().setUp()
        self.partner = self.env["res.partner"].create({"name": "Cond partner"})
        self.path = f"/api/res.partner/{self.partner.id}"

    def etag(self):
        response = self.api("GET", self.path, params={"fields": "['name']"})
        self.assertJson(response)
        return response.headers["ETag"]

    def write_through_the_web_client(self, values):
        """A write as the web client makes it: JSON-RPC, its own transaction (so a new write_date)."""
        admin = self.env.ref("base.user_admin")
        args = [self.env.cr.dbname, admin.id, "admin", "res.partner", "write", [[self.partner.id], values]]
        self.make_jsonrpc_request("/jsonrpc", {"service": "object", "method": "execute_kw", "args": args})

    def name(self):
        self.env.invalidate_all()
        return self.partner.name

    def test_get_has_an_etag_and_if_none_match_answers_304(self):
        tag = self.etag()
        self.assertRegex(tag, r'^"[0-9a-f]{32}"$')
        self.assertEqual(self.etag(), tag)  # stable while the record is unchanged
        for header in (tag, f"W/{tag}", f'"other", {tag}', "*"):
            with self.subTest(header=header):
                response = self.api("GET", self.path, headers={"If-None-Match": header})
                self.assertEqual(response.status_code, 304, response.text)
                self.assertEqual(response.content, b"")
                self.assertEqual(response.headers["ETag"], tag)
                self.assertTrue(response.headers.get("X-Request-ID"))
        self.write_through_the_web_client({"comment": "changed"})
        response = self.api("GET", self.path, headers={"If-None-Match": tag})
        self.assertJson(response)
        self.assertNotEqual(response.headers["ETag"], tag)

    def test_a_write_between_get_and_put_is_a_412_and_nothing_is_written(self):
        tag = self.etag()
        self.write_through_the_web_client({"name": "Cond by the web client"})
        for method in ("PUT", "PATCH"):
            response = self.api(method, self.path, body={"name": "Cond by REST"}, headers={"If-Match": tag})
            self.assertProblem(response, 412, "changed since")
        self.assertEqual(self.name(), "Cond by the web client")
        self.assertProblem(self.api("DELETE", self.path, headers={"If-Match": tag}), 412)
        self.assertTrue(self.partner.exists())

    def test_a_matching_if_match_writes_and_answers_the_new_etag(self):
        tag = self.etag()
        response = self.api("PUT", self.path, body={"name": "Cond v2"}, headers={"If-Match": tag})
        self.assertJson(response)
        new_tag = response.headers["ETag"]
        self.assertNotEqual(new_tag, tag)
        self.assertEqual(self.name(), "Cond v2")
        self.assertEqual(self.etag(), new_tag)  # the write's ETag is the one a GET gives
        # the old version no longer matches; the new one does, a list with it too, and * always
        self.assertProblem(self.api("PATCH", self.path, body={"name": "Cond v3"}, headers={"If-Match": tag}), 412)
        response = self.api("PATCH", self.path, body={"name": "Cond v3"}, headers={"If-Match": f'"x", {new_tag}'})
        self.assertJson(response)
        self.assertJson(self.api("PATCH", self.path, body={"name": "Cond v4"}, headers={"If-Match": "*"}))
        self.assertEqual(self.name(), "Cond v4")
        # a weak tag never matches If-Match (strong comparison)
        weak = f"W/{self.etag()}"
        self.assertProblem(self.api("PATCH", self.path, body={"name": "Cond v5"}, headers={"If-Match": weak}), 412)
        self.assertJson(self.api("DELETE", self.path, headers={"If-Match": self.etag()}))
        self.assertFalse(self.partner.exists())

    def test_preconditions_come_after_existence_and_access(self):
        missing = "/api/res.partner/2147483000"
        self.assertProblem(self.api("PUT", missing, body={"name": "x"}, headers={"If-Match": '"x"'}), 404)
        hidden = self.env["res.partner"].create({"name": "Cond hidden"})
        key = self.key_of_user_not_seeing(hidden, "cond_hidden")
        response = self.api("DELETE", f"/api/res.partner/{hidden.id}", key=key, headers={"If-Match": '"x"'})
        self.assertProblem(response, 403)
        self.assertTrue(hidden.exists())

    def test_a_model_without_write_dates_has_no_etag(self):
        # module dependencies keep no write_date (_log_access = False): nothing to version
        model = "ir.module.module.dependency"
        self.assertFalse(self.env[model]._log_access)
        path = f"/api/{model}/{self.env[model].search([], limit=1).id}"
        response = self.api("GET", path, key=self.admin_key)
        self.assertJson(response)
        self.assertNotIn("ETag", response.headers)
        self.assertProblem(self.api("DELETE", path, key=self.admin_key, headers={"If-Match": "*"}), 400, "no version")
