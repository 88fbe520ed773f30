import base64
import json

from odoo.tests import tagged

from ..field_types import DATETIME_FORMAT
from .common import RestApiCase

PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082"
    )
).decode()


@tagged("post_install", "-at_install")
class TestSearch(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag = cls.env["res.partner.category"].create({"name": "REST tag"})
        cls.parent = cls.env["res.partner"].create({"name": "REST Parent Co", "is_company": True})
        cls.partners = cls.env["res.partner"].create(
            [
                {
                    "name": f"REST Contact {index}",
                    "email": f"contact{index}@rest.example",
                    "parent_id": cls.parent.id,
                    "category_id": [(6, 0, cls.tag.ids)],
                    "ref": f"REST-{index}",
                }
                for index in range(5)
            ]
        )

    def search(self, **params):
        return self.api("GET", "/api/res.partner/search", params=params)

    def test_search_returns_records_like_read(self):
        rows = self.assertJson(
            self.search(
                domain="[('email', '=like', '%@rest.example')]",
                fields="['name', 'parent_id', 'category_id', 'ref', 'create_date']",
                order="name asc",
            )
        )
        self.assertEqual([row["name"] for row in rows], [f"REST Contact {index}" for index in range(5)])
        first = self.partners[0]
        self.assertEqual(
            rows[0],
            {
                "id": first.id,
                "name": "REST Contact 0",
                "parent_id": [self.parent.id, "REST Parent Co"],
                "category_id": self.tag.ids,
                "ref": "REST-0",
                "create_date": first.create_date.strftime(DATETIME_FORMAT),
            },
        )

    def test_json_and_python_literal_forms_are_equivalent(self):
        python_form = self.assertJson(
            self.search(domain=f"[('id', 'in', {self.partners.ids[:2]})]", fields="['name']", order="id")
        )
        json_form = self.assertJson(
            self.search(domain=json.dumps([["id", "in", self.partners.ids[:2]]]), fields='["name"]', order="id")
        )
        self.assertEqual(python_form, json_form)
        self.assertEqual([row["id"] for row in json_form], self.partners.ids[:2])

    def test_json_booleans_and_null_in_domain(self):
        self.partners[0].email = False
        rows = self.assertJson(
            self.search(
                domain=json.dumps(
                    ["&", ["parent_id", "=", self.parent.id], ["email", "=", None], ["active", "=", True]]
                ),
                fields='["name"]',
            )
        )
        self.assertEqual([row["id"] for row in rows], self.partners[0].ids)

    def test_operators_dotted_paths_and_any(self):
        domain = [
            "|",
            ["parent_id.name", "ilike", "rest parent"],
            ["category_id", "any", [["name", "=", "no such tag"]]],
        ]
        rows = self.assertJson(self.search(domain=json.dumps(domain), fields='["id"]', order="id"))
        self.assertEqual([row["id"] for row in rows], self.partners.ids)
        rows = self.assertJson(
            self.search(domain=json.dumps([["category_id", "not any", [["id", "=", self.tag.id]]]]), fields='["id"]')
        )
        self.assertFalse(set(self.partners.ids) & {row["id"] for row in rows})

    def test_order_desc_with_nulls(self):
        rows = self.assertJson(
            self.search(domain=f"[('id', 'in', {self.partners.ids})]", fields="['id']", order="ref desc nulls last, id")
        )
        self.assertEqual([row["id"] for row in rows], list(reversed(self.partners.ids)))

    def test_pages_with_limit_offset_and_link(self):
        domain = f"[('id', 'in', {self.partners.ids})]"
        response = self.search(domain=domain, fields="['id']", order="id", limit="2", offset="1")
        rows = self.assertJson(response)
        self.assertEqual([row["id"] for row in rows], self.partners.ids[1:3])
        link = response.headers["Link"]
        self.assertTrue(link.startswith("</api/res.partner/search?") and link.endswith('>; rel="next"'), link)
        next_rows = self.assertJson(
            self.opener.get(self.base_url() + link[1:].split(">")[0], headers={"api-key": self.manager_key})
        )
        self.assertEqual([row["id"] for row in next_rows], self.partners.ids[3:5])
        last_page = self.search(domain=domain, fields="['id']", order="id", limit="2", offset="3")
        self.assertEqual(len(self.assertJson(last_page)), 2)
        self.assertNotIn("Link", last_page.headers)

    def test_default_and_maximum_limit_come_from_settings(self):
        self.env["ir.config_parameter"].set_param("rest_api.default_limit", "3")
        self.env["ir.config_parameter"].set_param("rest_api.max_limit", "4")
        response = self.search(domain=f"[('id', 'in', {self.partners.ids})]", fields="['id']")
        self.assertEqual(len(self.assertJson(response)), 3)
        self.assertIn("Link", response.headers)
        self.assertEqual(len(self.assertJson(self.search(fields="['id']", limit="4"))), 4)
        self.assertProblem(self.search(limit="5"), 400, "from 1 to 4", invalid_param="limit")

    def test_without_fields_every_readable_field_but_binaries(self):
        rows = self.assertJson(self.search(domain=f"[('id', '=', {self.partners[0].id})]"))
        self.assertEqual(len(rows), 1)
        self.assertIn("email", rows[0])
        self.assertIn("display_name", rows[0])
        self.assertNotIn("image_1920", rows[0])
        self.assertNotIn("image_128", rows[0])

    def test_empty_result(self):
        self.assertEqual(self.assertJson(self.search(domain="[('name', '=', 'nobody at all')]")), [])


@tagged("post_install", "-at_install")
class TestView(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create(
            {"name": "REST Viewed", "email": "viewed@rest.example", "image_1920": PIXEL}
        )

    def test_view_returns_all_readable_non_binary_fields(self):
        record = self.assertJson(self.api("GET", f"/api/res.partner/{self.partner.id}"))
        expected = {
            name
            for name, field in self.env["res.partner"].with_user(self.manager)._fields.items()
            if field.type != "binary" and field.is_accessible(self.env(user=self.manager))
        }
        self.assertEqual(set(record), expected)
        self.assertEqual(record["id"], self.partner.id)
        self.assertEqual(record["name"], "REST Viewed")
        self.assertEqual(record["parent_id"], False)
        self.assertEqual(record["child_ids"], [])
        self.assertEqual(record["write_date"], self.partner.write_date.strftime(DATETIME_FORMAT))

    def test_dates_and_datetimes_in_odoo_format(self):
        """Dates YYYY-MM-DD, datetimes YYYY-MM-DD HH:MM:SS in UTC: what writes take (field_types)."""
        rate = self.env["res.currency.rate"].create(
            {"name": "2024-02-29", "rate": 1.5, "currency_id": self.env.ref("base.EUR").id}
        )
        record = self.assertJson(
            self.api("GET", f"/api/res.currency.rate/{rate.id}", params={"fields": "['name', 'create_date', 'rate']"})
        )
        self.assertEqual(
            record,
            {
                "id": rate.id,
                "name": "2024-02-29",
                "create_date": rate.create_date.strftime(DATETIME_FORMAT),
                "rate": 1.5,
            },
        )
        self.assertRegex(record["create_date"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")

    def test_binary_fields_only_when_named(self):
        record = self.assertJson(
            self.api("GET", f"/api/res.partner/{self.partner.id}", params={"fields": "['name', 'image_128']"})
        )
        self.assertEqual(set(record), {"id", "name", "image_128"})
        self.assertTrue(base64.b64decode(record["image_128"]).startswith(b"\x89PNG"))

    def test_view_of_a_missing_record_is_404(self):
        missing = self.env["res.partner"].create({"name": "gone"})
        missing.unlink()
        self.assertProblem(self.api("GET", f"/api/res.partner/{missing.id}"), 404, "does not exist")
        self.assertProblem(self.api("GET", "/api/res.partner/99999999999"), 404)

    def test_non_numeric_and_negative_ids_are_400(self):
        self.assertProblem(self.api("GET", "/api/res.partner/abc"), 400, "not a record id")
        self.assertProblem(self.api("GET", "/api/res.partner/-3"), 400, "not a record id")
        self.assertProblem(self.api("GET", "/api/res.partner/0"), 400, "not a record id")
        self.assertProblem(self.api("DELETE", "/api/res.partner/x1"), 400, "not a record id")
        self.assertProblem(self.api("PUT", "/api/res.partner/-1", body={"name": "x"}), 400, "not a record id")

    def test_restricted_field_is_403_when_named_and_absent_otherwise(self):
        user = f"/api/res.users/{self.manager.id}"
        # (admin's key: some res.users fields are computed from models only administrators may read)
        self.assertNotIn("totp_secret", self.assertJson(self.api("GET", user, key=self.admin_key)))
        self.assertProblem(self.api("GET", user, params={"fields": "['login', 'totp_secret']"}), 403, "totp_secret")


@tagged("post_install", "-at_install")
class TestCountAndSchema(RestApiCase):
    def test_record_count(self):
        partners = self.env["res.partner"].create([{"name": "REST Counted", "ref": "counted"}] * 3)
        body = self.assertJson(
            self.api("GET", "/api/res.partner/record_count", params={"domain": "[('ref', '=', 'counted')]"})
        )
        self.assertEqual(body, {"model": "res.partner", "domain": [["ref", "=", "counted"]], "record_count": 3})
        partners[0].active = False
        body = self.assertJson(
            self.api("GET", "/api/res.partner/record_count", params={"domain": '[["ref","=","counted"]]'})
        )
        self.assertEqual(body["record_count"], 2)

    def test_record_count_without_domain(self):
        body = self.assertJson(self.api("GET", "/api/res.partner.category/record_count"))
        self.assertEqual(
            body,
            {
                "model": "res.partner.category",
                "domain": [],
                "record_count": self.env["res.partner.category"].search_count([]),
            },
        )

    def test_schema_is_fields_get_of_the_readable_fields(self):
        schema = self.assertJson(self.api("GET", "/api/res.partner/schema"))
        expected = json.loads(json.dumps(self.env["res.partner"].with_user(self.manager).fields_get()))
        self.assertEqual(schema, expected)
        self.assertEqual(schema["name"]["type"], "char")
        self.assertEqual(schema["parent_id"]["relation"], "res.partner")
        self.assertIn("string", schema["email"])

    def test_schema_leaves_out_fields_the_user_may_not_read(self):
        schema = self.assertJson(self.api("GET", "/api/res.users/schema"))
        self.assertIn("login", schema)
        self.assertNotIn("totp_secret", schema)
