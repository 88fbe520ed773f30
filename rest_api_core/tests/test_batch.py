"""POST /api/batch: ordered operations in one transaction, $result references, each operation
authorized as its own endpoint, one throttle charge per operation."""

import re

from odoo.tests import tagged

from .common import RestApiCase

BATCH = "/api/batch"


def ref(index):
    return {"$result": index}


@tagged("post_install", "-at_install")
class TestBatch(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # partners only: no tags, no methods but name_search
        cls.partner_key = cls.provision(
            "partner batcher",
            [
                {
                    "model": "res.partner",
                    "read": True,
                    "create": True,
                    "write": True,
                    "execute": True,
                    "methods": ["name_search"],
                }
            ],
        )

    def count(self, name_prefix, model="res.partner"):
        self.env.invalidate_all()
        return self.env[model].with_context(active_test=False).search_count([("name", "=like", f"{name_prefix}%")])

    def batch(self, operations, **kwargs):
        return self.api("POST", BATCH, body={"operations": operations}, **kwargs)

    def test_results_chain_through_references(self):
        operations = [
            {"op": "create", "model": "res.partner", "values": {"name": "REST batch company", "is_company": True}},
            {"op": "create", "model": "res.partner", "values": {"name": "REST batch child", "parent_id": ref(0)}},
            {
                "op": "execute_kw",
                "model": "res.partner",
                "method": "read",
                "args": [[ref(1)], ["parent_id"]],
            },
            {
                "op": "create",
                "model": "res.partner.category",
                "values": [{"name": "REST batch t1"}, {"name": "REST t2"}],
            },
            {"op": "update", "model": "res.partner", "ids": [ref(0), ref(1)], "values": {"category_id": ref(3)}},
            {"op": "update", "model": "res.partner", "id": ref(1), "values": {"function": "Buyer"}},
        ]
        results = self.assertJson(self.batch(operations))["results"]
        company, child = self.env["res.partner"].browse([results[0]["id"], results[1]["id"]])
        self.assertEqual(child.parent_id, company)
        self.assertEqual(results[2], {"result": [{"id": child.id, "parent_id": [company.id, "REST batch company"]}]})
        tags = self.env["res.partner.category"].browse(results[3]["ids"])
        self.assertEqual(tags.mapped("name"), ["REST batch t1", "REST t2"])
        self.assertEqual(results[4], {"ids": [company.id, child.id]})
        self.assertEqual(results[5], {"ids": [child.id]})
        self.assertEqual((company.category_id, child.category_id, child.function), (tags, tags, "Buyer"))
        deleted = self.assertJson(
            self.batch(
                [
                    {"op": "delete", "model": "res.partner", "ids": [child.id]},
                    {"op": "delete", "model": "res.partner.category", "ids": tags.ids},
                ]
            )
        )["results"]
        self.assertEqual(deleted, [{"ids": [child.id]}, {"ids": tags.ids}])
        self.assertFalse(child.exists() or tags.exists())

    def test_a_failing_third_operation_leaves_nothing(self):
        operations = [
            {"op": "create", "model": "res.partner", "values": {"name": "REST rollback parent"}},
            {"op": "create", "model": "res.partner", "values": {"name": "REST rollback child", "parent_id": ref(0)}},
            {"op": "update", "model": "res.partner", "id": ref(1), "values": {"is_company": "yes"}},
        ]
        problem = self.assertProblem(self.batch(operations), 400, invalid_param="values.is_company")
        self.assertEqual(problem["operation"], 2)
        self.assertEqual(self.count("REST rollback"), 0)
        # Odoo's own refusal (a constraint) of a later operation too
        operations[2] = {"op": "create", "model": "res.partner", "values": [{"name": "REST rollback 2"}, {}]}
        problem = self.assertProblem(self.batch(operations), 422, "Contacts require a name")
        self.assertEqual((problem["operation"], problem["element"]), (2, 1))
        self.assertEqual(self.count("REST rollback"), 0)
        # and a record of a later operation that does not exist
        operations[2] = {"op": "delete", "model": "res.partner", "ids": [ref(1), 2**31 - 1]}
        problem = self.assertProblem(self.batch(operations), 404)
        self.assertEqual((problem["operation"], problem["missing_ids"]), (2, [2**31 - 1]))
        self.assertEqual(self.count("REST rollback"), 0)

    def test_element_names_in_a_batch(self):
        operations = [{"op": "create", "model": "res.partner", "values": [{"name": "REST named"}, {"is_company": 3}]}]
        problem = self.assertProblem(self.batch(operations), 400, invalid_param="values[1].is_company")
        self.assertEqual(problem["operation"], 0)
        operations = [{"op": "create", "model": "res.partner", "values": {"name": "REST named", "email": 3}}]
        self.assertProblem(self.batch(operations), 400, invalid_param="values.email")
        self.assertEqual(self.count("REST named"), 0)

    def test_scope_refusal_of_one_operation_rolls_back_the_earlier_ones(self):
        """Each operation is authorized as its own endpoint: this key may create partners, not tags,
        nor delete partners, nor call methods beyond name_search."""
        first = {"op": "create", "model": "res.partner", "values": {"name": "REST scoped batch"}}
        refused = (
            {"op": "create", "model": "res.partner.category", "values": {"name": "REST scoped tag"}},
            {"op": "delete", "model": "res.partner", "id": ref(0)},
            {"op": "execute_kw", "model": "res.partner", "method": "write", "args": [[ref(0)], {"function": "x"}]},
            {"op": "execute_kw", "model": "res.partner", "method": "search_read", "args": [[]]},
            {"op": "update", "model": "res.partner", "id": ref(0), "values": {"category_id": [[0, 0, {"name": "t"}]]}},
            {"op": "create", "model": "res.users.apikeys", "values": {"name": "REST stolen"}},
        )
        for operation in refused:
            with self.subTest(operation=operation):
                problem = self.assertProblem(self.batch([first, operation], key=self.partner_key), 403)
                self.assertEqual(problem["operation"], 1)
                self.assertEqual(self.count("REST scoped"), 0)
                self.assertEqual(self.count("REST scoped", "res.partner.category"), 0)
        allowed = {"op": "execute_kw", "model": "res.partner", "method": "name_search", "args": ["REST scoped"]}
        results = self.assertJson(self.batch([first, allowed], key=self.partner_key))["results"]
        self.assertEqual(results[1]["result"][0][0], results[0]["id"])

    def test_odoo_access_rights_apply_to_each_operation(self):
        """The employee may not create tags (Odoo's ACL): the partner created first is rolled back."""
        operations = [
            {"op": "execute_kw", "model": "res.partner", "method": "search_count", "args": [[]]},
            {"op": "create", "model": "res.partner.category", "values": {"name": "REST acl tag"}},
        ]
        problem = self.assertProblem(self.batch(operations, key=self.employee_key), 403)
        self.assertEqual(problem["operation"], 1)
        self.assertEqual(self.count("REST acl", "res.partner.category"), 0)

    def test_the_body_is_checked_before_anything_runs(self):
        create = {"op": "create", "model": "res.partner", "values": {"name": "REST checked"}}
        cases = (
            ([create, {"op": "merge", "model": "res.partner"}], 1, "op"),
            ([create, {"op": {}, "model": "", "method": "A"}], 1, "op"),  # found by schemathesis: was a 500
            ([create, {"op": "delete", "model": "res.partner"}], 1, "id"),
            ([create, {"op": "delete", "model": "res.partner", "id": 1, "ids": [1]}], 1, "id"),
            ([create, {"op": "update", "model": "res.partner", "id": ref(1), "values": {"name": "x"}}], 1, "id"),
            (
                [create, {"op": "update", "model": "res.partner", "id": ref(0), "values": {"parent_id": ref(5)}}],
                1,
                "values.parent_id",
            ),
            ([{**create, "values": {"name": "x", "parent_id": {"$result": 0, "x": 1}}}], 0, "values.parent_id"),
            ([create, {"op": "create", "model": "res.partner", "values": {"name": "x"}, "extra": 1}], 1, "extra"),
        )
        for operations, index, name in cases:
            with self.subTest(operations=operations):
                problem = self.assertProblem(self.batch(operations), 400, invalid_param=name)
                self.assertEqual(problem["operation"], index)
        for body in ({}, {"operations": []}, {"operations": [5]}, {"operations": [create], "other": 1}):
            with self.subTest(body=body):
                problem = self.assertProblem(self.api("POST", BATCH, body=body), 400)
                self.assertNotIn("operation", problem)
        self.assertEqual(self.count("REST checked"), 0)

    def test_more_operations_than_max_batch_is_413(self):
        self.env["ir.config_parameter"].set_param("rest_api.max_batch", "2")
        create = {"op": "create", "model": "res.partner", "values": {"name": "REST many ops"}}
        self.assertProblem(self.batch([create] * 3), 413, "rest_api.max_batch")
        self.assertEqual(self.count("REST many ops"), 0)
        self.assertJson(self.batch([create] * 2))
        self.assertEqual(self.count("REST many ops"), 2)

    def test_the_throttle_charges_one_request_per_operation(self):
        key = self.env["rest.api.key"].generate_api_key(
            {
                "name": "batch throttled",
                "user_id": self.manager.id,
                "scope_mode": "all",
                "rate_limit": 10,
                "rate_period": 3600,
                "rate_burst": 5,
            }
        )["key"]
        create = {"op": "create", "model": "res.partner", "values": {"name": "REST throttled"}}
        response = self.batch([create] * 3, key=key)
        self.assertJson(response)
        self.assertEqual(re.search(r";r=(\d+);", response.headers["RateLimit"])[1], "2")  # 5 - 3
        response = self.batch([create] * 3, key=key)  # 3 more than the 2 left: refused, nothing runs
        self.assertProblem(response, 429)
        self.assertEqual(self.count("REST throttled"), 3)
