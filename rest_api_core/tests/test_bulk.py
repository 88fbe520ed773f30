"""Array create, multi-record update and delete: all or nothing, element-indexed problems, bounded."""

from odoo.tests import new_test_user, tagged

from .common import RestApiCase

CREATE = "/api/res.partner/create"
MANY = "/api/res.partner"


@tagged("post_install", "-at_install")
class TestBulkWrites(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.creator_key = cls.provision("partner creator", [{"model": "res.partner", "read": True, "create": True}])
        cls.writer_key = cls.provision("partner writer", [{"model": "res.partner", "read": True, "write": True}])

    def count(self, name_prefix):
        self.env.invalidate_all()
        return (
            self.env["res.partner"].with_context(active_test=False).search_count([("name", "=like", f"{name_prefix}%")])
        )

    def partners(self, prefix, count):
        return self.env["res.partner"].create([{"name": f"{prefix} {index}"} for index in range(count)])

    # ------------------------------------------------------------------ array create

    def test_array_create_is_one_create_in_order(self):
        body = self.assertJson(
            self.api("POST", CREATE, body=[{"name": "REST bulk A", "is_company": True}, {"name": "REST bulk B"}]), 201
        )
        self.assertEqual(body["message"], "Records created successfully.")
        partners = self.env["res.partner"].browse(body["ids"])
        self.assertEqual(partners.mapped("name"), ["REST bulk A", "REST bulk B"])
        self.assertEqual(partners.mapped("is_company"), [True, False])
        self.assertEqual(partners.create_uid, self.manager)

    def test_a_thousand_elements_commit_all_or_none(self):
        elements = [{"name": f"REST thousand {index}", "email": f"p{index}@bulk.example"} for index in range(1000)]
        elements[500]["is_company"] = "yes"  # one invalid element in the middle
        elements[700]["email"] = 7
        problem = self.assertProblem(self.api("POST", CREATE, body=elements), 400, invalid_param="[500].is_company")
        self.assertIn("[700].email", [param["name"] for param in problem["invalid_params"]])
        self.assertEqual(self.count("REST thousand"), 0)
        elements[500]["is_company"] = True
        elements[700]["email"] = "p700@bulk.example"
        body = self.assertJson(self.api("POST", CREATE, body=elements), 201)
        self.assertEqual(len(body["ids"]), 1000)
        self.assertEqual(self.count("REST thousand"), 1000)

    def test_an_element_odoo_refuses_is_named_and_nothing_is_created(self):
        elements = [{"name": "REST refused 0"}, {"name": "REST refused 1"}, {"email": "nameless@bulk.example"}]
        problem = self.assertProblem(self.api("POST", CREATE, body=elements), 422, "[2]: ")
        self.assertEqual(problem["element"], 2)
        self.assertIn("Contacts require a name", problem["detail"])
        self.assertEqual(self.count("REST refused"), 0)

    def test_a_missing_reference_names_the_element(self):
        elements = [{"name": "REST dangling 0"}, {"name": "REST dangling 1", "parent_id": 2**31 - 1}]
        self.assertProblem(self.api("POST", CREATE, body=elements), 422, invalid_param="[1].parent_id")
        self.assertEqual(self.count("REST dangling"), 0)

    def test_array_elements_must_be_objects_and_not_none(self):
        self.assertProblem(self.api("POST", CREATE, body=[{"name": "REST odd"}, 5]), 400, invalid_param="[1]")
        self.assertProblem(self.api("POST", CREATE, body=[]), 400, "empty array", invalid_param="body")
        self.assertEqual(self.count("REST odd"), 0)

    def test_more_elements_than_max_batch_is_413(self):
        self.env["ir.config_parameter"].set_param("rest_api.max_batch", "3")
        elements = [{"name": f"REST capped {index}"} for index in range(4)]
        problem = self.assertProblem(self.api("POST", CREATE, body=elements), 413, "rest_api.max_batch")
        self.assertEqual(problem["max_batch"], 3)
        self.assertEqual(self.count("REST capped"), 0)
        self.assertJson(self.api("POST", CREATE, body=elements[:3]), 201)
        partners = self.partners("REST capped many", 4)
        self.assertProblem(
            self.api("PATCH", MANY, body={"ids": partners.ids, "values": {"function": "x"}}), 413, "rest_api.max_batch"
        )
        self.assertProblem(
            self.api("DELETE", MANY, params={"ids": str(partners.ids)}), 400, "rest_api.max_batch", invalid_param="ids"
        )
        self.assertEqual(len(partners.exists()), 4)

    def test_the_commands_of_each_element_stay_within_the_scope(self):
        """A key that may create partners but not tags: an element creating a tag is refused, by its index."""
        elements = [{"name": "REST reach 0"}, {"name": "REST reach 1", "category_id": [[0, 0, {"name": "REST tag"}]]}]
        problem = self.assertProblem(self.api("POST", CREATE, key=self.creator_key, body=elements), 403, "[1]: ")
        self.assertEqual(problem["element"], 1)
        self.assertEqual(self.count("REST reach"), 0)
        self.assertProblem(self.api("POST", CREATE, key=self.writer_key, body=[{"name": "REST reach 2"}]), 403)
        self.assertEqual(self.count("REST reach"), 0)

    def test_the_single_object_form_is_unchanged(self):
        response = self.api("POST", CREATE, body={"name": "REST single"})
        body = self.assertJson(response, 201)
        self.assertEqual(set(body), {"id", "message"})
        self.assertEqual(response.headers["Location"], f"/api/res.partner/{body['id']}")

    # ------------------------------------------------------------------ multi-record update

    def test_update_many_writes_every_record(self):
        partners = self.partners("REST many", 3)
        for method in ("PUT", "PATCH"):
            with self.subTest(method=method):
                body = self.assertJson(
                    self.api(method, MANY, body={"ids": partners.ids, "values": {"function": method}}), 200
                )
                self.assertEqual(body, {"ids": partners.ids, "message": "Records updated successfully."})
                self.env.invalidate_all()
                self.assertEqual(set(partners.mapped("function")), {method})

    def test_update_with_missing_ids_is_404_naming_them_and_writes_nothing(self):
        partners = self.partners("REST missing", 2)
        gone = self.partners("REST gone", 2)
        gone_ids = gone.ids
        gone.unlink()
        response = self.api("PATCH", MANY, body={"ids": [*partners.ids, *gone_ids], "values": {"function": "no"}})
        problem = self.assertProblem(response, 404, str(gone_ids[0]))
        self.assertEqual(problem["missing_ids"], gone_ids)
        self.env.invalidate_all()
        self.assertEqual(partners.mapped("function"), [False, False])

    def test_update_values_are_checked_as_the_single_update(self):
        partners = self.partners("REST typed many", 2)
        cases = (
            ({"ids": partners.ids, "values": {"is_company": "yes"}}, "values.is_company"),
            ({"ids": partners.ids, "values": {"no_such_field": 1}}, "values.no_such_field"),
            ({"ids": partners.ids, "values": {}}, "values"),
            ({"ids": [], "values": {"function": "x"}}, "ids"),
            ({"ids": [0, -1], "values": {"function": "x"}}, "ids.0"),
            ({"values": {"function": "x"}}, "ids"),
            ({"ids": partners.ids, "values": {"function": "x"}, "other": 1}, "other"),
        )
        for body, name in cases:
            with self.subTest(body=body):
                self.assertProblem(self.api("PATCH", MANY, body=body), 400, invalid_param=name)
        self.env.invalidate_all()
        self.assertEqual(partners.mapped("function"), [False, False])

    def test_update_many_needs_write_and_obeys_record_rules(self):
        partners = self.partners("REST guarded", 2)
        self.assertProblem(
            self.api("PATCH", MANY, key=self.creator_key, body={"ids": partners.ids, "values": {"function": "x"}}), 403
        )
        key = self.key_of_user_not_seeing(
            partners[1], "rest_bulk_hidden", groups="base.group_user,base.group_partner_manager"
        )
        self.assertProblem(
            self.api("PATCH", MANY, key=key, body={"ids": partners.ids, "values": {"function": "x"}}), 403
        )
        self.env.invalidate_all()
        self.assertEqual(partners.mapped("function"), [False, False])

    # ------------------------------------------------------------------ multi-record delete

    def test_delete_many(self):
        partners = self.partners("REST delete many", 3)
        for text in (str(partners[:2].ids), f"{partners[2].id}"):
            body = self.assertJson(self.api("DELETE", MANY, params={"ids": text}), 200)
            self.assertEqual(body["message"], "Records deleted successfully.")
        self.assertFalse(partners.exists())

    def test_delete_with_missing_ids_deletes_nothing(self):
        partners = self.partners("REST keep", 2)
        response = self.api("DELETE", MANY, params={"ids": f"[{partners[0].id}, {2**31 - 1}]"})
        problem = self.assertProblem(response, 404, str(2**31 - 1))
        self.assertEqual(problem["missing_ids"], [2**31 - 1])
        self.assertEqual(len(partners.exists()), 2)

    def test_delete_ids_are_checked(self):
        for params in ({}, {"ids": ""}, {"ids": "[0]"}, {"ids": "abc"}, {"ids": '["1"]'}, {"ids": f"[{2**31}]"}):
            with self.subTest(params=params):
                self.assertProblem(self.api("DELETE", MANY, params=params), 400, invalid_param="ids")

    def test_delete_many_needs_unlink_and_is_all_or_nothing_under_odoo_refusals(self):
        partners = self.partners("REST undeletable", 1)
        self.assertProblem(self.api("DELETE", MANY, key=self.writer_key, params={"ids": str(partners.ids)}), 403)
        # a partner linked to an active user: Odoo refuses its deletion, and so the whole request
        linked = new_test_user(self.env, login="rest_bulk_linked").partner_id
        response = self.api("DELETE", MANY, key=self.admin_key, params={"ids": str([partners.id, linked.id])})
        self.assertProblem(response, 422)
        self.assertTrue(partners.exists())
        self.assertTrue(linked.exists())
