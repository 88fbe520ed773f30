"""Clear error texts for a lone surrogate and for references to records that do not exist (issue 14, defect 8)."""

from odoo.tests import tagged

from .common import RestApiCase

MISSING = 999999


@tagged("post_install", "-at_install")
class TestErrorTexts(RestApiCase):
    def assertDangling(self, response, field, comodel, record_id=MISSING):
        problem = self.assertProblem(response, 422, f"{comodel} record {record_id} does not exist")
        self.assertEqual(problem["invalid_params"][0]["name"], field, problem)
        self.assertNotIn("User:", problem["detail"])
        return problem

    def test_a_lone_surrogate_is_named_not_utf8(self):
        search = self.api("GET", "/api/res.partner/search", params={"domain": '[["name", "=", "\\ud800"]]'})
        problem = self.assertProblem(search, 400, "\\ud800")
        self.assertNotEqual(problem["detail"], "utf-8")
        create = self.api("POST", "/api/res.partner/create", data='{"name": "a\\ud800b"}',
                          headers={"Content-Type": "application/json"})  # fmt: skip
        self.assertProblem(create, 400, "not valid Unicode")
        self.assertFalse(self.env["res.partner"].search([("name", "=like", "a%b")]))

    def test_a_missing_many2one_on_create_and_update(self):
        self.assertDangling(
            self.api("POST", "/api/res.partner/create", body={"name": "x", "country_id": MISSING}),
            "country_id",
            "res.country",
        )
        partner = self.env["res.partner"].create({"name": "dangling"})
        self.assertDangling(
            self.api("PUT", f"/api/res.partner/{partner.id}", body={"country_id": MISSING}), "country_id", "res.country"
        )

    def test_a_missing_many2one_read_during_create(self):
        # the ORM reads the parent while creating: MissingError, a 404 showing the user id, before
        self.assertDangling(
            self.api("POST", "/api/res.partner/create", body={"name": "x", "parent_id": MISSING}),
            "parent_id",
            "res.partner",
        )

    def test_missing_many2many_ids(self):
        for value in ([MISSING], [[4, MISSING]], [[6, 0, [MISSING]]]):
            with self.subTest(value=value):
                self.assertDangling(
                    self.api("POST", "/api/res.partner/create", body={"name": "x", "category_id": value}),
                    "category_id",
                    "res.partner.category",
                )

    def test_missing_ids_in_nested_commands(self):
        body = {"name": "x", "child_ids": [[0, 0, {"name": "child", "country_id": MISSING}]]}
        self.assertDangling(
            self.api("POST", "/api/res.partner/create", body=body), "child_ids[0].country_id", "res.country"
        )

    def test_execute_kw_create_names_the_field_too(self):
        for values, field, comodel in (
            ({"name": "x", "country_id": MISSING}, "country_id", "res.country"),
            ({"name": "x", "category_id": [[6, 0, [MISSING]]]}, "category_id", "res.partner.category"),
        ):
            with self.subTest(field=field):
                response = self.api("POST", "/api/res.partner/execute_kw", body={"method": "create", "args": [values]})
                self.assertDangling(response, field, comodel)

    def test_existing_references_still_work(self):
        country = self.env.ref("base.be")
        response = self.api("POST", "/api/res.partner/create", body={"name": "ok", "country_id": country.id})
        record_id = self.assertJson(response, 201)["id"]
        self.assertEqual(self.env["res.partner"].browse(record_id).country_id, country)
