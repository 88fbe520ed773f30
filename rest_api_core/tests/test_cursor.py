"""Cursor pagination of search: the same rows as offset paging, in any order, and a tamper-proof cursor."""

import itertools
from urllib.parse import parse_qs, urlsplit

from odoo.tests import tagged

from .common import RestApiCase

ORDERS = (
    None,  # the model's own: complete_name asc, id desc
    "id",
    "id desc",
    "ref",
    "ref desc",
    "ref desc nulls last",
    "ref asc nulls first",
    "color desc, ref, id desc",
    "is_company desc, name",
    "partner_latitude desc, ref nulls first",
    "write_date, id",
)


@tagged("post_install", "-at_install")
class TestCursorPages(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("rest_api.default_rate_limit", "0")  # many pages
        values = []
        for index in range(23):  # with ties, NULLs and empty texts in every sort column
            values.append(
                {
                    "name": f"Cursor {index % 4}",
                    "ref": [False, "", "b", "a", "b"][index % 5],
                    "color": index % 3,
                    "is_company": bool(index % 2),
                    "partner_latitude": (index % 7) / 3,
                }
            )
        cls.partners = cls.env["res.partner"].create(values)
        cls.domain = f"[('id', 'in', {cls.partners.ids})]"

    def search(self, **params):
        return self.api("GET", "/api/res.partner/search", params={"domain": self.domain, "fields": "['id']", **params})

    def cursor_pages(self, order, limit):
        params = {"limit": str(limit)} | ({"order": order} if order else {})
        ids, cursors = [], []
        response = self.search(**params)
        while True:
            ids += [row["id"] for row in self.assertJson(response)]
            link = response.headers.get("Link")
            if not link:
                return ids, cursors
            query = parse_qs(urlsplit(link[1 : link.index(">")]).query)
            self.assertNotIn("offset", query)
            self.assertEqual(query["limit"], [str(limit)])
            cursors.append(query["cursor"][0])
            response = self.api("GET", link[1 : link.index(">")])

    def test_cursor_pages_equal_one_big_page_in_every_order(self):
        for order, limit in itertools.product(ORDERS, (1, 4, 7)):
            with self.subTest(order=order, limit=limit):
                everything = self.assertJson(self.search(limit="1000", **({"order": order} if order else {})))
                ids, cursors = self.cursor_pages(order, limit)
                self.assertEqual(ids, [row["id"] for row in everything])
                self.assertEqual(len(cursors), (len(ids) - 1) // limit)

    def test_offset_pages_keep_offset_links(self):
        response = self.search(order="id", limit="5", offset="0")
        self.assertIn("offset=5", response.headers["Link"])
        self.assertNotIn("cursor=", response.headers["Link"])

    def test_a_modified_cursor_is_a_400(self):
        _ids, cursors = self.cursor_pages("id", 5)
        body, signature = cursors[0].split(".")
        for forged in (body[:-1] + ("A" if body[-1] != "A" else "B") + "." + signature, body, "x.y", "", "a" * 5000):
            with self.subTest(cursor=forged[:20]):
                self.assertProblem(self.search(order="id", cursor=forged), 400, invalid_param="cursor")

    def test_a_cursor_of_another_order_or_with_offset_is_a_400(self):
        _ids, cursors = self.cursor_pages("id", 5)
        self.assertProblem(self.search(order="id desc", cursor=cursors[0]), 400, "another model or order")
        self.assertProblem(self.search(order="id", cursor=cursors[0], offset="5"), 400, invalid_param="offset")
        self.assertProblem(
            self.api("GET", "/api/res.partner.category/search", params={"order": "id", "cursor": cursors[0]}), 400
        )

    def test_an_order_on_a_many2one_keeps_offset_and_refuses_a_cursor(self):
        response = self.search(order="parent_id, id", limit="5")
        self.assertIn("offset=5", response.headers["Link"])
        _ids, cursors = self.cursor_pages("id", 5)
        problem = self.assertProblem(self.search(order="parent_id, id", cursor=cursors[0]), 400)
        self.assertIn("page with offset", problem["detail"])

    def test_record_rules_apply_to_cursor_pages(self):
        rule = self.env["ir.rule"].create(
            {
                "name": "cursor test: even colors only",
                "model_id": self.env.ref("base.model_res_partner").id,
                "domain_force": "[('color', '!=', 1)]",
                "perm_read": True,
            }
        )
        self.addCleanup(rule.unlink)
        ids, _cursors = self.cursor_pages("id", 3)
        self.assertEqual(ids, self.partners.filtered(lambda partner: partner.color != 1).ids)
