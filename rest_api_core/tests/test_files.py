"""Raw files: binary fields and attachments streamed down and up as bytes, as the key's user."""

import base64
import hashlib
import io
import os

from PIL import Image

from odoo.tests import tagged

from .common import RestApiCase


def png(width, height):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestFiles(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "REST Files"})
        cls.payload = os.urandom(5 * 1024 * 1024)
        cls.attachment = cls.env["ir.attachment"].create(
            {"name": "payload.bin", "raw": b"x", "res_model": "res.partner", "res_id": cls.partner.id}
        )

    def test_round_trip_of_5_mb_through_put_and_get(self):
        path = f"/api/ir.attachment/{self.attachment.id}/raw"
        response = self.api("PUT", path, data=self.payload, headers={"Content-Type": "application/octet-stream"})
        body = self.assertJson(response)
        checksum = hashlib.sha1(self.payload).hexdigest()  # noqa: S324
        expected = {"message": "File stored successfully.", "size": len(self.payload), "checksum": checksum}
        self.assertEqual(body, expected)
        self.attachment.invalidate_recordset()
        self.assertEqual(self.attachment.checksum, checksum)
        self.assertTrue(self.attachment.store_fname)  # in the filestore: streamed from disk

        response = self.api("GET", path)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.content, self.payload)
        self.assertEqual(response.headers["Content-Length"], str(len(self.payload)))
        self.assertEqual(response.headers["ETag"], f'"{checksum}"')
        self.assertIn("filename=payload.bin", response.headers["Content-Disposition"])
        self.assertTrue(response.headers.get("X-Request-ID"))

        ranged = self.api("GET", path, headers={"Range": "bytes=100-199"})
        self.assertEqual(ranged.status_code, 206)
        self.assertEqual(ranged.content, self.payload[100:200])
        self.assertEqual(ranged.headers["Content-Range"], f"bytes 100-199/{len(self.payload)}")

        cached = self.api("GET", path, headers={"If-None-Match": f'"{checksum}"'})
        self.assertEqual(cached.status_code, 304)
        self.assertEqual(cached.content, b"")

        datas = self.api("GET", f"/api/ir.attachment/{self.attachment.id}/datas")
        self.assertEqual(datas.content, self.payload)

    def test_a_binary_field_of_a_record(self):
        company = self.env.ref("base.main_company")
        image = png(40, 30)
        path = f"/api/res.company/{company.id}/layout_background_image"
        self.assertProblem(self.api("GET", path, key=self.admin_key), 404, "holds no file")
        response = self.api("PUT", path, key=self.admin_key, data=image, headers={"Content-Type": "image/png"})
        self.assertJson(response)
        self.assertEqual(base64.b64decode(company.layout_background_image), image)
        response = self.api("GET", path, key=self.admin_key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.content, image)
        self.assertEqual(response.headers["Content-Type"], "image/png")
        # the employee may read companies, not write them
        self.assertEqual(self.api("GET", path, key=self.employee_key).content, image)
        response = self.api("PUT", path, key=self.employee_key, data=b"other", headers={"Content-Type": "text/plain"})
        self.assertProblem(response, 403)
        self.assertEqual(base64.b64decode(company.layout_background_image), image)

    def test_computed_binary_fields_that_hold_no_file(self):
        """Odoo's own: a list (an action's views), a compute failing on a profile without traces."""
        action = self.env.ref("base.action_res_users")
        profile = self.env["ir.profile"].create({"name": "empty", "init_stack_trace": False})
        for path in (f"/api/ir.actions.act_window/{action.id}/views", f"/api/ir.profile/{profile.id}/speedscope"):
            with self.subTest(path=path):
                self.assertProblem(self.api("GET", path, key=self.admin_key), 404, "holds no file")

    def test_image_sizes(self):
        self.partner.image_1920 = base64.b64encode(png(600, 300))
        response = self.api("GET", f"/api/res.partner/{self.partner.id}/image_1920", params={"size": "128"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(Image.open(io.BytesIO(response.content)).size, (128, 64))
        self.assertIn(".png", response.headers["Content-Disposition"])
        problem = self.assertProblem(
            self.api("GET", f"/api/res.partner/{self.partner.id}/image_1920", params={"size": "100"}), 400
        )
        self.assertIn("1024", problem["detail"])

    def test_bad_fields_and_records(self):
        base = f"/api/res.partner/{self.partner.id}"
        self.assertProblem(self.api("GET", f"{base}/no_such_field"), 404, "has no field 'no_such_field'")
        self.assertProblem(self.api("GET", f"{base}/name"), 400, "not a binary one")
        self.assertProblem(self.api("PUT", f"{base}/name", data=b"x"), 400, "not a binary one")
        self.assertProblem(self.api("GET", "/api/res.partner/999999999/image_1920"), 404, "does not exist")
        self.assertProblem(self.api("GET", f"/api/no.model/{self.partner.id}/image_1920"), 404, "Unknown model")
        self.assertProblem(self.api("GET", f"{base}/image_1920", key="not a key"), 401)

    def test_a_form_is_not_a_file(self):
        """curl --data-binary sends application/x-www-form-urlencoded: Odoo has parsed it away."""
        path = f"/api/ir.attachment/{self.attachment.id}/raw"
        for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            with self.subTest(content_type=content_type):
                response = self.api("PUT", path, data=b"a=b", headers={"Content-Type": content_type})
                self.assertProblem(response, 415, "its own Content-Type")
        self.assertEqual(self.attachment.raw, b"x")

    def test_uploads_over_odoos_limit_are_refused_unread(self):
        """Files are bounded by Odoo's upload limit, not by the API's (smaller) limit of JSON bodies."""
        self.env["ir.config_parameter"].sudo().set_param("web.max_file_upload_size", "1000")
        self.env["ir.config_parameter"].sudo().set_param("rest_api.max_body_size", "100")
        path = f"/api/ir.attachment/{self.attachment.id}/raw"
        self.assertJson(self.api("PUT", path, data=b"w" * 1000))
        self.assertEqual(self.attachment.raw, b"w" * 1000)
        self.assertJson(self.upload(self.partner, {"file": ("ok.bin", b"v" * 800)}), 201)
        response = self.api("PUT", path, data=b"y" * 1001)
        self.assertProblem(response, 413, "limit of 1000 bytes")
        self.assertProblem(self.api("PUT", path, data=iter([b"y" * 600, b"y" * 600])), 413, "limit of 1000 bytes")
        files = {"file": ("big.bin", b"z" * 2000)}
        response = self.opener.post(
            self.base_url() + f"/api/res.partner/{self.partner.id}/attachments",
            files=files,
            headers={"api-key": self.manager_key},
        )
        self.assertProblem(response, 413, "limit of 1000 bytes")
        self.assertEqual(self.attachment.raw, b"w" * 1000)

    def upload(self, record, files, key=None):
        return self.opener.post(
            self.base_url() + f"/api/{record._name}/{record.id}/attachments",
            files=files,
            headers={"api-key": key or self.manager_key},
            timeout=30,
        )

    def test_attachments_multipart_upload_listing_and_download(self):
        files = [("file", ("a.txt", b"first file", "text/plain")), ("file", ("b.csv", b"x,y\n1,2\n", "text/csv"))]
        created = self.assertJson(self.upload(self.partner, files), 201)
        self.assertEqual(len(created["ids"]), 2)
        self.assertEqual(created["message"], "Attachments created successfully.")
        listing = self.assertJson(self.api("GET", f"/api/res.partner/{self.partner.id}/attachments"))
        by_name = {entry["name"]: entry for entry in listing}
        self.assertEqual(set(by_name), {"payload.bin", "a.txt", "b.csv"})
        self.assertEqual(by_name["a.txt"]["size"], 10)
        self.assertEqual(by_name["a.txt"]["mimetype"], "text/plain")
        self.assertEqual(by_name["a.txt"]["checksum"], hashlib.sha1(b"first file").hexdigest())  # noqa: S324
        self.assertEqual(set(by_name["a.txt"]), {"id", "name", "mimetype", "size", "checksum", "create_date"})
        download = self.api("GET", f"/api/ir.attachment/{by_name['b.csv']['id']}/datas")
        self.assertEqual(download.content, b"x,y\n1,2\n")
        self.assertIn("filename=b.csv", download.headers["Content-Disposition"])
        page = self.api("GET", f"/api/res.partner/{self.partner.id}/attachments", params={"limit": 1})
        self.assertEqual(len(self.assertJson(page)), 1)
        self.assertIn('rel="next"', page.headers["Link"])

    def test_attachments_need_write_on_the_record(self):
        company = self.env.ref("base.main_company")
        before = self.env["ir.attachment"].search_count([])
        response = self.upload(company, [("file", ("c.txt", b"no", "text/plain"))], key=self.employee_key)
        self.assertProblem(response, 403)
        self.assertEqual(self.env["ir.attachment"].search_count([]), before)
        response = self.api("POST", f"/api/res.partner/{self.partner.id}/attachments", body={"file": "x"})
        self.assertProblem(response, 415, "multipart/form-data")
        response = self.opener.post(
            self.base_url() + f"/api/res.partner/{self.partner.id}/attachments",
            data={"note": "no file"},
            files={},
            headers={"api-key": self.manager_key, "Content-Type": "multipart/form-data; boundary=x"},
        )
        self.assertProblem(response, 400, "holds no file")

    def test_a_scoped_key_needs_attachments_in_its_scope(self):
        partners_only = self.provision(
            "partners only",
            [{"model": "res.partner", "read": True, "write": True}],
        )
        response = self.upload(self.partner, [("file", ("d.txt", b"d", "text/plain"))], key=partners_only)
        self.assertProblem(response, 403, "may not create ir.attachment")
        listing = self.api("GET", f"/api/res.partner/{self.partner.id}/attachments", key=partners_only)
        self.assertProblem(listing, 403, "may not read ir.attachment")
        download = self.api("GET", f"/api/ir.attachment/{self.attachment.id}/raw", key=partners_only)
        self.assertProblem(download, 403)
        read_only = self.provision("read partners", [{"model": "res.partner", "read": True}])
        response = self.api("PUT", f"/api/res.partner/{self.partner.id}/image_1920", key=read_only, data=png(4, 4))
        self.assertProblem(response, 403)

    def test_record_rules_hide_files(self):
        key = self.key_of_user_not_seeing(self.partner, "rest_files_hidden")
        self.partner.image_1920 = base64.b64encode(png(8, 8))
        for path in (
            f"/api/res.partner/{self.partner.id}/image_1920",
            f"/api/ir.attachment/{self.attachment.id}/raw",
            f"/api/res.partner/{self.partner.id}/attachments",
        ):
            with self.subTest(path=path):
                self.assertProblem(self.api("GET", path, key=key), 403)
