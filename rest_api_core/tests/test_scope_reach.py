"""What a key's scope lets a request reach beyond the endpoint's own operation on its model.

execute_kw: the ORM's generic methods need the operation they perform
(``search_read`` needs read, ``copy`` create, ``action_archive`` write...)
besides ``execute``. x2many commands: creating, changing or deleting records
of the comodel needs the key's permission on the comodel, under every scope.
"""

import json

from odoo.tests import tagged

from .common import RestApiCase


@tagged("post_install", "-at_install")
class TestExecuteKwMethodClasses(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.execute_key = cls.provision("execute only", {"execute": True})
        cls.execute_read_key = cls.provision("execute and read", {"execute": True, "read": True})
        cls.execute_write_key = cls.provision("execute and write", {"execute": True, "read": True, "write": True})
        cls.partner = cls.env["res.partner"].create({"name": "REST Method Class", "email": "class@rest.example"})

    @classmethod
    def provision(cls, name, flags, model="res.partner"):
        """A ``specific`` key of the contact manager on ``model`` alone, unthrottled."""
        return super().provision(name, [{"model": model, **flags}])

    def call(self, key, method, args, kwargs=None):
        body = {"method": method, "args": args, "kwargs": kwargs or {}}
        return self.api("POST", "/api/res.partner/execute_kw", key=key, body=body)

    def assertUntouched(self):
        self.env.invalidate_all()
        self.assertTrue(self.partner.active)
        self.assertEqual(self.partner.name, "REST Method Class")
        self.assertEqual(self.env["res.partner"].search_count([("name", "like", "REST Method Class")]), 1)

    def calls(self):
        ids = self.partner.ids
        return {
            "read": [
                ("read", [ids, ["name", "email"]]),
                ("search_read", [[["id", "=", self.partner.id]], ["email"]]),
                ("search", [[["email", "=", "class@rest.example"]]]),
                ("search_count", [[]]),
                ("search_fetch", [[], ["name"]], {"limit": 1}),
                ("name_search", ["REST Method"]),
                ("fields_get", []),
                ("web_read", [ids, {"email": {}}]),
                ("web_search_read", [[], {"email": {}}], {"limit": 1}),
                ("read_group", [[], ["id:count"], []]),
                ("default_get", [["name"]]),
                ("copy_data", [ids]),
            ],
            "create": [
                ("create", [{"name": "REST Method Class"}]),
                ("copy", [ids]),
                ("name_create", ["REST Method Class"]),
                ("load", [["name"], [["REST Method Class"]]]),
            ],
            "write": [
                ("write", [ids, {"name": "changed"}]),
                ("action_archive", [ids]),
                ("toggle_active", [ids]),
                ("update", [ids, {"name": "changed"}]),
            ],
            "unlink": [("unlink", [ids])],
        }

    def assertRefused(self, key, operations):
        for operation in operations:
            for method, args, *kwargs in self.calls()[operation]:
                with self.subTest(method=method):
                    response = self.call(key, method, args, *kwargs)
                    problem = self.assertProblem(response, 403, f"may not {operation} res.partner")
                    self.assertIn(method, problem["detail"])
        self.assertUntouched()

    def test_execute_only_key_can_neither_read_nor_change(self):
        self.assertRefused(self.execute_key, ("read", "create", "write", "unlink"))
        response = self.call(self.execute_key, "web_save", [[], {"name": "REST Method Class"}, {}])
        self.assertProblem(response, 403, "may not create res.partner")
        # a method outside the table (no generic operation) needs "execute" only
        base_url = self.assertJson(self.call(self.execute_key, "get_base_url", [self.partner.ids]))
        self.assertEqual(base_url, self.partner.get_base_url())

    def test_execute_and_read_key_reads_but_does_not_change(self):
        key = self.execute_read_key
        for method, args, *kwargs in self.calls()["read"]:
            with self.subTest(method=method):
                self.assertJson(self.call(key, method, args, *kwargs))
        rows = self.assertJson(self.call(key, "read", [self.partner.ids, ["email"]]))
        self.assertEqual(rows, [{"id": self.partner.id, "email": "class@rest.example"}])
        self.assertRefused(key, ("create", "write", "unlink"))

    def test_write_key_writes_but_does_not_create_or_delete(self):
        key = self.execute_write_key
        self.assertRefused(key, ("create", "unlink"))
        # web_save creates without ids: it needs create too, even on existing records
        response = self.call(key, "web_save", [self.partner.ids, {"name": "REST Method Class 2"}, {}])
        self.assertProblem(response, 403, "may not create res.partner")
        self.assertTrue(self.assertJson(self.call(key, "write", [self.partner.ids, {"email": "new@rest.example"}])))
        self.assertJson(self.call(key, "action_archive", [self.partner.ids]))
        self.env.invalidate_all()
        self.assertEqual(self.partner.email, "new@rest.example")
        self.assertFalse(self.partner.active)

    def test_full_scope_calls_all_of_them(self):
        self.assertJson(self.call(self.manager_key, "action_archive", [self.partner.ids]))
        self.env.invalidate_all()
        self.assertFalse(self.partner.active)
        self.assertJson(self.call(self.manager_key, "action_unarchive", [self.partner.ids]))
        self.env.invalidate_all()
        self.assertTrue(self.partner.active)
        new_id = self.assertJson(self.call(self.manager_key, "copy", [self.partner.ids]))
        self.assertEqual(len(new_id), 1)
        self.assertTrue(self.assertJson(self.call(self.manager_key, "unlink", [new_id])))


@tagged("post_install", "-at_install")
class TestX2manyCommandsReach(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partner_rights = {"model": "res.partner", "read": True, "create": True, "write": True, "execute": True}
        cls.partner_key = cls.provision("partners only", [partner_rights])
        cls.writer_key = cls.provision("partner writer", [{**partner_rights, "create": False}])
        cls.tagger_key = cls.provision(
            "partners and new tags", [partner_rights, {"model": "res.partner.category", "create": True}]
        )
        cls.tag = cls.env["res.partner.category"].create({"name": "REST Reach Tag"})
        cls.company = cls.env["res.partner"].create({"name": "REST Reach Co", "is_company": True})
        cls.bank = cls.env["res.partner.bank"].create({"acc_number": "REST-REACH-1", "partner_id": cls.company.id})
        cls.path = f"/api/res.partner/{cls.company.id}"

    def assertUntouched(self):
        self.env.invalidate_all()
        self.assertEqual(self.tag.name, "REST Reach Tag")
        self.assertTrue(self.tag.exists())
        self.assertEqual(self.bank.partner_id, self.company)
        self.assertEqual(self.bank.acc_number, "REST-REACH-1")
        self.assertFalse(self.env["res.partner.category"].search([("name", "like", "REST Reach new")]))
        self.assertFalse(self.env["res.partner.bank"].search([("acc_number", "like", "REST-REACH-NEW")]))
        self.assertFalse(self.env["res.partner"].search([("name", "like", "REST Reach new")]))

    def test_commands_on_a_comodel_out_of_scope_are_refused(self):
        tag, bank = self.tag.id, self.bank.id
        for values, operation, comodel, path, *on_update_only in (
            ({"category_id": [[0, 0, {"name": "REST Reach new"}]]}, "create", "res.partner.category", "category_id"),
            ({"category_id": [[1, tag, {"name": "REST Reach new"}]]}, "write", "res.partner.category", "category_id"),
            ({"category_id": [[2, tag]]}, "unlink", "res.partner.category", "category_id"),
            ({"bank_ids": [[0, 0, {"acc_number": "REST-REACH-NEW"}]]}, "create", "res.partner.bank", "bank_ids"),
            # one2many links change the comodel's records: their inverse many2one (and
            # partner_id being ondelete="cascade", Odoo deletes the lines removed)
            ({"bank_ids": [[3, bank]]}, "write", "res.partner.bank", "bank_ids"),
            ({"bank_ids": []}, "write", "res.partner.bank", "bank_ids", "a new record has no lines to remove"),
            (
                {
                    "child_ids": [
                        [0, 0, {"name": "REST Reach new", "category_id": [[0, 0, {"name": "REST Reach new"}]]}]
                    ]
                },
                "create",
                "res.partner.category",
                "child_ids.category_id",
            ),
        ):
            for method, path_url in (("PUT", self.path), ("POST", "/api/res.partner/create")):
                if on_update_only and method == "POST":
                    continue
                with self.subTest(values=values, method=method):
                    body = values if method == "PUT" else {"name": "REST Reach new", **values}
                    problem = self.assertProblem(self.api(method, path_url, key=self.partner_key, body=body), 403)
                    self.assertIn(f"may not {operation} {comodel} records", problem["detail"])
                    self.assertIn(path, problem["detail"])
            with self.subTest(values=values, method="execute_kw write"):
                body = {"method": "write", "args": [self.company.ids, values]}
                response = self.api("POST", "/api/res.partner/execute_kw", key=self.partner_key, body=body)
                self.assertProblem(response, 403, f"may not {operation} {comodel} records")
        self.assertUntouched()

    def test_execute_kw_create_and_web_save_are_checked_too(self):
        values = {"name": "REST Reach new", "category_id": [[0, 0, {"name": "REST Reach new"}]]}
        for method, args in (
            ("create", [values]),
            ("create", [[{"name": "REST Reach new"}, values]]),
            ("web_save", [[], values, {}]),
            ("copy", [self.company.ids, {"category_id": values["category_id"]}]),
        ):
            with self.subTest(method=method):
                body = {"method": method, "args": args}
                response = self.api("POST", "/api/res.partner/execute_kw", key=self.partner_key, body=body)
                self.assertProblem(response, 403, "may not create res.partner.category records")
        body = {"method": "load", "args": [["name", "category_id/name"], [["REST Reach new", "REST Reach new"]]]}
        response = self.api("POST", "/api/res.partner/execute_kw", key=self.partner_key, body=body)
        self.assertProblem(response, 403, "res.partner.category")
        self.assertUntouched()

    def test_links_of_a_many2many_need_only_write_on_the_model(self):
        tag = self.tag.id
        for value, expected in (
            ([[4, tag]], self.tag),
            ([[3, tag, 0]], self.tag.browse()),
            ([tag], self.tag),
            ([[5, 0, 0]], self.tag.browse()),
            ([[6, 0, [tag]]], self.tag),
        ):
            with self.subTest(value=value):
                self.assertJson(self.api("PUT", self.path, key=self.partner_key, body={"category_id": value}))
                self.env.invalidate_all()
                self.assertEqual(self.company.category_id, expected)
        self.assertUntouched()

    def test_new_record_with_empty_one2many_needs_nothing_on_the_comodel(self):
        body = {"name": "REST Reach new empty", "bank_ids": [], "child_ids": False}
        created = self.assertJson(self.api("POST", "/api/res.partner/create", key=self.partner_key, body=body), 201)
        self.assertFalse(self.env["res.partner"].browse(created["id"]).bank_ids)

    def test_commands_on_the_same_model_need_its_operations(self):
        body = {"child_ids": [[0, 0, {"name": "REST Reach new child"}]]}
        self.assertProblem(
            self.api("PUT", self.path, key=self.writer_key, body=body), 403, "may not create res.partner"
        )
        self.assertFalse(self.company.child_ids)
        self.assertJson(self.api("PUT", self.path, key=self.partner_key, body=body))
        self.assertEqual(self.company.child_ids.name, "REST Reach new child")

    def test_a_key_with_the_comodel_in_scope_may(self):
        body = {"name": "REST Reach new partner", "category_id": [[0, 0, {"name": "REST Reach new tag"}]]}
        created = self.assertJson(self.api("POST", "/api/res.partner/create", key=self.tagger_key, body=body), 201)
        partner = self.env["res.partner"].browse(created["id"])
        self.assertEqual(partner.category_id.name, "REST Reach new tag")
        # creating tags does not allow changing or deleting them
        self.assertProblem(
            self.api(
                "PUT", f"/api/res.partner/{partner.id}", key=self.tagger_key, body={"category_id": [[2, self.tag.id]]}
            ),
            403,
            "may not unlink res.partner.category records",
        )

    def test_full_scope_keys_cannot_reach_credential_models_through_commands(self):
        admin = self.env.ref("base.user_admin")
        rest_key = self.env["rest.api.key"].search([("user_id", "=", self.manager.id)], limit=1)
        path = f"/api/res.users/{admin.id}"
        for values, detail in (
            ({"rest_api_key_ids": [[0, 0, {"name": "minted", "scope_mode": "all"}]]}, "create rest.api.key"),
            ({"rest_api_key_ids": [[1, rest_key.id, {"scope_mode": "all"}]]}, "write rest.api.key"),
            ({"rest_api_key_ids": [[2, rest_key.id]]}, "unlink rest.api.key"),
            ({"api_key_ids": []}, "res.users.apikeys"),
        ):
            with self.subTest(values=values):
                self.assertProblem(self.api("PUT", path, key=self.admin_key, body=values), 403, detail)
        self.env.invalidate_all()
        self.assertTrue(rest_key.exists())
        self.assertEqual(rest_key.scope_mode, "specific")
        self.assertFalse(self.env["rest.api.key"].search([("name", "=", "minted")]))
        self.assertTrue(admin.api_key_ids)


@tagged("post_install", "-at_install")
class TestRelationsReach(RestApiCase):
    """Filtering or reading through relations needs read on every comodel traversed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partner_rights = {"model": "res.partner", "read": True, "execute": True}
        cls.partner_key = cls.provision("partners", [partner_rights])
        cls.country_key = cls.provision(
            "partners and countries", [partner_rights, {"model": "res.country", "read": True}]
        )
        cls.belgium = cls.env.ref("base.be")
        cls.partner = cls.env["res.partner"].create({"name": "REST Reach Belgian", "country_id": cls.belgium.id})

    def search(self, key, domain, endpoint="search"):
        params = {"domain": json.dumps(domain), "fields": '["name"]'}
        return self.api("GET", f"/api/res.partner/{endpoint}", key=key, params=params)

    def test_dotted_domain_into_a_model_out_of_scope_is_refused(self):
        for domain in (
            [["name", "=", "REST Reach Belgian"], ["country_id.code", "=", "BE"]],
            [["country_id", "any", [["code", "=", "BE"]]]],
        ):
            for endpoint in ("search", "record_count"):
                with self.subTest(domain=domain, endpoint=endpoint):
                    problem = self.assertProblem(self.search(self.partner_key, domain, endpoint), 403)
                    self.assertIn("may not read res.country records", problem["detail"])
                    self.assertIn("filtering on country_id", problem["detail"])
                    self.assertNotIn("REST Reach Belgian", json.dumps(problem))

    def test_dotted_domain_allowed_with_the_comodel_in_scope(self):
        domain = [["name", "=", "REST Reach Belgian"], ["country_id.code", "=", "BE"]]
        rows = self.assertJson(self.search(self.country_key, domain))
        self.assertEqual(rows, [{"id": self.partner.id, "name": "REST Reach Belgian"}])
        self.assertEqual(self.assertJson(self.search(self.country_key, domain, "record_count"))["record_count"], 1)
        plain = [["country_id", "=", self.belgium.id], ["name", "=", "REST Reach Belgian"]]
        self.assertEqual(self.assertJson(self.search(self.partner_key, plain)), rows)

    def call(self, key, method, args, kwargs=None):
        body = {"method": method, "args": args, "kwargs": kwargs or {}}
        return self.api("POST", "/api/res.partner/execute_kw", key=key, body=body)

    def test_execute_kw_specifications_and_domains(self):
        ids = self.partner.ids
        nested = {"name": {}, "country_id": {"fields": {"code": {}}}}
        dotted = [["country_id.code", "=", "BE"], ["id", "=", self.partner.id]]
        for method, args, kwargs in (
            ("web_read", [ids, nested], {}),
            ("web_search_read", [[["id", "=", self.partner.id]], nested], {"limit": 1}),
            ("search_read", [dotted, ["name"]], {}),
            ("search_count", [dotted], {}),
            ("export_data", [ids, ["name", "country_id/code"]], {}),
        ):
            with self.subTest(method=method):
                problem = self.assertProblem(self.call(self.partner_key, method, args, kwargs), 403)
                self.assertIn("may not read res.country records", problem["detail"])
                self.assertNotIn('"BE"', json.dumps(problem))
        rows = self.assertJson(self.call(self.country_key, "web_read", [ids, nested]))
        self.assertEqual(
            rows,
            [
                {
                    "id": self.partner.id,
                    "name": "REST Reach Belgian",
                    "country_id": {"id": self.belgium.id, "code": "BE"},
                }
            ],
        )
        plain = {"country_id": {"fields": {"display_name": {}}}}
        rows = self.assertJson(self.call(self.partner_key, "web_read", [ids, plain]))
        self.assertEqual(rows[0]["country_id"], {"id": self.belgium.id, "display_name": self.belgium.display_name})

    def test_texts_on_relational_fields_need_read_on_the_comodel(self):
        # Odoo resolves them by a name search on the comodel: its email, ref, vat... (partners), login (users)
        secret = self.env["res.partner"].create({"name": "REST Reach Secret", "email": "b@secret.example"})
        category = self.env["res.partner.category"].create({"name": "REST Reach Tag", "partner_ids": secret.ids})
        category_key = self.provision("categories", [{"model": "res.partner.category", "read": True, "execute": True}])
        for domain in (
            [["partner_ids", "ilike", "b@secret"]],
            [["partner_ids", "=", "b@secret.example"]],
            [["partner_ids", "in", ["b@secret.example"]]],
            [["partner_ids", "not ilike", "b@secret"]],
            [["partner_ids", "child_of", "b@secret"]],
        ):
            with self.subTest(domain=domain):
                for endpoint in ("search", "record_count"):
                    params = {"domain": json.dumps(domain)}
                    response = self.api("GET", f"/api/res.partner.category/{endpoint}", key=category_key, params=params)
                    problem = self.assertProblem(response, 403, "may not read res.partner records")
                    self.assertIn("filtering on partner_ids", problem["detail"])
                body = {"method": "search_count", "args": [domain]}
                response = self.api("POST", "/api/res.partner.category/execute_kw", key=category_key, body=body)
                self.assertProblem(response, 403, "may not read res.partner records")
        by_id = {"domain": json.dumps([["partner_ids", "in", secret.ids]]), "fields": '["name"]'}
        rows = self.assertJson(self.api("GET", "/api/res.partner.category/search", key=category_key, params=by_id))
        self.assertEqual(rows, [{"id": category.id, "name": "REST Reach Tag"}])
        for domain in ([["user_ids", "=", "inu"]], [["user_ids", "ilike", "admin"]], [["user_ids", "in", ["x", 1]]]):
            with self.subTest(domain=domain):
                self.assertProblem(self.search(self.partner_key, domain), 403, "may not read res.users records")
        self.assertJson(self.search(self.partner_key, [["parent_id", "ilike", "REST"]]))  # partners: in scope
        self.assertProblem(
            self.call(self.partner_key, "name_search", ["x"], {"args": [["user_ids", "=", "inu"]]}),
            403,
            "may not read res.users records",
        )

    def test_full_scope_keys_cannot_filter_on_credential_models(self):
        domain = [["user_ids.api_key_ids.name", "=", "rest api test"]]
        problem = self.assertProblem(self.search(self.admin_key, domain), 403, "res.users.apikeys")
        self.assertIn("cannot be used through the REST API", problem["detail"])
        admin_partner = self.env.ref("base.partner_admin")
        rows = self.assertJson(self.search(self.admin_key, [["user_ids.login", "=", "admin"]]))
        self.assertEqual(rows, [{"id": admin_partner.id, "name": admin_partner.name}])
