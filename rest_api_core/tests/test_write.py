from odoo.tests import tagged

from .common import RestApiCase


@tagged("post_install", "-at_install")
class TestCreate(RestApiCase):
    def assertNothingCreated(self, model, domain):
        self.env.invalidate_all()
        self.assertFalse(self.env[model].with_context(active_test=False).search(domain))

    def test_create_returns_201_id_message_and_location(self):
        tag = self.env["res.partner.category"].create({"name": "REST created tag"})
        response = self.api(
            "POST",
            "/api/res.partner/create",
            body={"name": "REST New", "email": "new@rest.example", "category_id": tag.ids, "is_company": True},
        )
        body = self.assertJson(response, 201)
        partner = self.env["res.partner"].browse(body["id"])
        self.assertEqual(body, {"id": partner.id, "message": "Record created successfully."})
        self.assertEqual(response.headers["Location"], f"/api/res.partner/{partner.id}")
        self.assertEqual(partner.name, "REST New")
        self.assertEqual(partner.category_id, tag)
        self.assertTrue(partner.is_company)
        self.assertEqual(partner.create_uid, self.manager)

    def test_create_with_commands_and_many2one(self):
        parent = self.env["res.partner"].create({"name": "REST parent"})
        body = self.assertJson(
            self.api(
                "POST",
                "/api/res.partner/create",
                body={
                    "name": "REST child",
                    "parent_id": parent.id,
                    "category_id": [[0, 0, {"name": "REST inline tag"}]],
                    "comment": None,
                },
            ),
            201,
        )
        child = self.env["res.partner"].browse(body["id"])
        self.assertEqual(child.parent_id, parent)
        self.assertEqual(child.category_id.name, "REST inline tag")

    def test_malformed_json(self):
        response = self.api(
            "POST",
            "/api/res.partner/create",
            data='{"name": "REST broken',
            headers={"Content-Type": "application/json"},
        )
        self.assertProblem(response, 400, "not valid JSON", invalid_param="body")
        self.assertNothingCreated("res.partner", [("name", "like", "REST broken")])

    def test_body_that_is_not_an_object(self):
        for data in ('"REST listed"', "42", "null", "true"):  # an array: many records (test_bulk)
            response = self.api(
                "POST", "/api/res.partner/create", data=data, headers={"Content-Type": "application/json"}
            )
            self.assertProblem(response, 400, "must be a JSON object", invalid_param="body")
        self.assertNothingCreated("res.partner", [("name", "like", "REST listed")])

    def test_empty_body(self):
        response = self.api("POST", "/api/res.partner/create", data="", headers={"Content-Type": "application/json"})
        self.assertProblem(response, 400, "is empty", invalid_param="body")

    def test_form_body_is_415(self):
        response = self.api("POST", "/api/res.partner/create", data={"name": "REST form"})
        self.assertProblem(response, 415, "application/json")
        self.assertNothingCreated("res.partner", [("name", "=", "REST form")])

    def test_empty_object_is_left_to_odoo(self):
        self.assertProblem(self.api("POST", "/api/res.partner/create", body={}), 422, "Contacts require a name")

    def test_values_of_the_wrong_type(self):
        cases = {
            "name": ["REST typed"],
            "is_company": "yes",
            "color": "red",
            "partner_latitude": "50.8",
            "parent_id": "REST parent",
            "category_id": "tags",
            "date": 20240101,
        }
        response = self.api("POST", "/api/res.partner/create", body={"name": "REST typed", **cases})
        problem = self.assertProblem(response, 400)
        self.assertEqual({param["name"] for param in problem["invalid_params"]}, set(cases))
        self.assertNothingCreated("res.partner", [("name", "=", "REST typed")])

    def test_values_odoo_refuses(self):
        for values, detail in (
            ({"name": "REST bad selection", "type": "nonsense"}, "nonsense"),
            ({"name": "REST bad id", "parent_id": 2**40}, None),
        ):
            response = self.api("POST", "/api/res.partner/create", body=values)
            self.assertProblem(response, 400, detail)
            self.assertNothingCreated("res.partner", [("name", "=", values["name"])])
        eur = self.env.ref("base.EUR")
        response = self.api(
            "POST",
            "/api/res.currency.rate/create",
            key=self.admin_key,
            body={"name": "not a date", "rate": 2.0, "currency_id": eur.id},
        )
        self.assertProblem(response, 400, "not a date")
        self.assertNothingCreated("res.currency.rate", [("currency_id", "=", eur.id), ("rate", "=", 2.0)])

    def test_bad_dates_are_400_not_500(self):
        eur = self.env.ref("base.EUR")
        for day in ("2020-13-45", "2020-02-30", "tomorrow", ""):
            with self.subTest(day=day):
                body = {"name": day, "rate": 3.25, "currency_id": eur.id}
                response = self.api("POST", "/api/res.currency.rate/create", key=self.admin_key, body=body)
                self.assertProblem(response, 400)
        self.assertNothingCreated("res.currency.rate", [("currency_id", "=", eur.id), ("rate", "=", 3.25)])

    def test_nan_and_infinity_are_400(self):
        for number in ("NaN", "Infinity", "-Infinity", "1e999", "-1e400"):
            with self.subTest(number=number):
                response = self.api(
                    "POST",
                    "/api/res.partner/create",
                    data=f'{{"name": "REST not a number", "partner_latitude": {number}}}',
                    headers={"Content-Type": "application/json"},
                )
                self.assertProblem(response, 400, "not valid JSON", invalid_param="body")
        self.assertNothingCreated("res.partner", [("name", "=", "REST not a number")])

    def test_floats_too_large_for_odoo_to_round_are_400_not_500(self):
        """Odoo rounds a float to its digits through value * 10**digits, which overflows near the
        largest double (found by the write-contract property test: 1.7976931348623157e+308 was a 500)."""
        for number in (1.7976931348623157e308, -1e301):
            with self.subTest(number=number):
                body = {"name": "REST huge", "partner_latitude": number}
                response = self.api("POST", "/api/res.partner/create", key=self.admin_key, body=body)
                self.assertProblem(response, 400, invalid_param="partner_latitude")
        self.assertNothingCreated("res.partner", [("name", "=", "REST huge")])
        body = {"name": "REST huge", "partner_latitude": 1e300}
        self.assertEqual(self.api("POST", "/api/res.partner/create", key=self.admin_key, body=body).status_code, 201)

    def test_malformed_commands_are_400_with_their_position(self):
        for value, param in (
            ([[0, "virtual_1", {"name": "REST bad command"}]], "category_id"),
            ([[4, True]], "category_id"),
            ([[6, 0, [0]]], "category_id"),
            ([[5, 7]], "category_id"),
            ([[2]], "category_id"),
        ):
            with self.subTest(value=value):
                body = {"name": "REST bad command", "category_id": value}
                self.assertProblem(self.api("POST", "/api/res.partner/create", body=body), 400, invalid_param=param)
        body = {"name": "REST bad command", "child_ids": [[0, 0, {"name": "REST ok"}], [0, 0, {"name": 7}]]}
        self.assertProblem(
            self.api("POST", "/api/res.partner/create", body=body), 400, invalid_param="child_ids[1].name"
        )
        self.assertNothingCreated("res.partner", [("name", "in", ["REST bad command", "REST ok"])])

    def test_unknown_and_system_fields(self):
        response = self.api(
            "POST", "/api/res.partner/create", body={"name": "REST unknown", "no_such_field": 1, "create_uid": 1}
        )
        problem = self.assertProblem(response, 400, "unknown field")
        self.assertEqual([param["name"] for param in problem["invalid_params"]], ["no_such_field", "create_uid"])
        self.assertNothingCreated("res.partner", [("name", "=", "REST unknown")])

    def test_unique_constraint_is_409(self):
        response = self.api(
            "POST", "/api/res.country/create", key=self.admin_key, body={"name": "REST land", "code": "BE"}
        )
        self.assertProblem(response, 409, "must be unique")
        self.assertNothingCreated("res.country", [("name", "=", "REST land")])

    def test_python_constraint_is_422_and_rolls_back_everything(self):
        tag = self.env["res.partner.category"].create({"name": "REST cycle"})
        child = self.env["res.partner.category"].create({"name": "REST cycle child", "parent_id": tag.id})
        # the name is written before the recursion check fails: it must not stay
        response = self.api(
            "PUT", f"/api/res.partner.category/{tag.id}", body={"name": "REST renamed", "parent_id": child.id}
        )
        self.assertProblem(response, 422, "Recursion")
        self.env.invalidate_all()
        self.assertEqual(tag.name, "REST cycle")
        self.assertFalse(tag.parent_id)


@tagged("post_install", "-at_install")
class TestUpdateAndDelete(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "REST Target", "email": "target@rest.example"})
        cls.path = f"/api/res.partner/{cls.partner.id}"

    def assertUnchanged(self):
        self.env.invalidate_all()
        self.assertEqual((self.partner.name, self.partner.email), ("REST Target", "target@rest.example"))

    def test_put_and_patch_update_only_the_given_fields(self):
        body = self.assertJson(self.api("PUT", self.path, body={"name": "REST Renamed"}))
        self.assertEqual(body, {"message": "Record updated successfully."})
        self.assertEqual((self.partner.name, self.partner.email), ("REST Renamed", "target@rest.example"))
        self.assertJson(self.api("PATCH", self.path, body={"email": None, "phone": "+32 2 555 00 00"}))
        self.assertEqual(
            (self.partner.name, self.partner.email, self.partner.phone), ("REST Renamed", False, "+32 2 555 00 00")
        )
        self.assertEqual(self.partner.write_uid, self.manager)

    def test_update_x2many_with_an_id_list_replaces(self):
        tags = self.env["res.partner.category"].create([{"name": "REST a"}, {"name": "REST b"}])
        self.partner.category_id = tags[0]
        self.assertJson(self.api("PATCH", self.path, body={"category_id": tags[1].ids}))
        self.assertEqual(self.partner.category_id, tags[1])
        self.assertJson(self.api("PATCH", self.path, body={"category_id": [[4, tags[0].id]]}))
        self.assertEqual(self.partner.category_id, tags)

    def test_update_of_a_missing_record_is_404(self):
        self.assertProblem(self.api("PUT", "/api/res.partner/99999999", body={"name": "x"}), 404, "does not exist")
        self.assertProblem(self.api("PUT", "/api/res.partner/99999999999", body={"name": "x"}), 404)

    def test_bad_update_bodies_change_nothing(self):
        for kwargs, status in (
            ({"data": "{not json", "headers": {"Content-Type": "application/json"}}, 400),
            ({"body": ["name", "x"]}, 400),
            ({"body": {}}, 400),
            ({"body": {"name": "REST New Name", "email": 12}}, 400),
            ({"body": {"name": "REST New Name", "parent_id": "x"}}, 400),
            ({"body": {"name": "REST New Name", "no_field": 1}}, 400),
            ({"data": "name=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 415),
        ):
            with self.subTest(**kwargs):
                self.assertProblem(self.api("PATCH", self.path, **kwargs), status)
                self.assertUnchanged()

    def test_failed_update_rolls_back_earlier_writes(self):
        # name is written, then the parent_id recursion check fails: the name change must not stay
        response = self.api("PUT", self.path, body={"name": "REST Half Written", "parent_id": self.partner.id})
        self.assertProblem(response, 422, "recursive")
        self.assertUnchanged()

    def test_delete(self):
        partner = self.env["res.partner"].create({"name": "REST Doomed"})
        body = self.assertJson(self.api("DELETE", f"/api/res.partner/{partner.id}"))
        self.assertEqual(body, {"message": "Record deleted successfully."})
        self.assertFalse(partner.exists())
        self.assertProblem(self.api("DELETE", f"/api/res.partner/{partner.id}"), 404, "does not exist")

    def test_delete_refused_by_odoo_rolls_back(self):
        # a partner linked to a user cannot be deleted (the user's partner_id is required)
        response = self.api("DELETE", f"/api/res.partner/{self.employee.partner_id.id}", key=self.admin_key)
        self.assertProblem(response, 422)
        self.env.invalidate_all()
        self.assertTrue(self.employee.partner_id.exists())
        self.assertTrue(self.employee.partner_id.active)
