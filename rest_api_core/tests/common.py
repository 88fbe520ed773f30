"""Shared fixtures of the HTTP tests: users, their API keys, a request helper."""

import json

from odoo import Command
from odoo.tests import HttpCase, new_test_user

PROBLEM_CONTENT_TYPE = "application/problem+json"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


class RestApiCase(HttpCase):
    """Two users with personal API keys: a contact manager and a plain internal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.manager = new_test_user(
            cls.env,
            login="rest_manager",
            groups="base.group_user,base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.employee = new_test_user(cls.env, login="rest_employee", groups="base.group_user")
        cls.manager_key = cls.api_key_for(cls.manager)
        cls.employee_key = cls.api_key_for(cls.employee)
        cls.admin_key = cls.api_key_for(cls.env.ref("base.user_admin"))

    @classmethod
    def api_key_for(cls, user):
        """A personal (native) API key of ``user``; sudo only to set the fixture up."""
        return cls.env["res.users.apikeys"].with_user(user).sudo()._generate(None, "rest api test", False)

    def key_of_user_not_seeing(self, record, login, groups="base.group_user"):
        """The personal API key of a new user of ``groups`` from whom a record rule hides ``record``."""
        group = self.env["res.groups"].create({"name": f"REST hides {record._name} {record.id}"})
        self.env["ir.rule"].create(
            {
                "name": f"hide {record._name} {record.id}",
                "model_id": self.env["ir.model"]._get_id(record._name),
                "groups": [Command.link(group.id)],
                "domain_force": f"[('id', '!=', {record.id})]",
            }
        )
        user = new_test_user(self.env, login=login, groups=groups)
        user.groups_id = [Command.link(group.id)]
        return self.api_key_for(user)

    @classmethod
    def provision(cls, name, access):
        """A ``specific`` REST API key of the contact manager with these access lines, unthrottled."""
        values = {"name": name, "user_id": cls.manager.id, "scope_mode": "specific", "access": access, "rate_limit": 0}
        return cls.env["rest.api.key"].generate_api_key(values)["key"]

    def api(self, method, path, *, key=None, params=None, body=None, data=None, headers=None):
        """Call the API as the manager (or with ``key``); ``body`` is sent as JSON."""
        request_headers = {"api-key": key or self.manager_key}
        if body is not None:
            data = json.dumps(body)
            request_headers["Content-Type"] = "application/json"
        request_headers.update(headers or {})
        return self.opener.request(
            method, self.base_url() + path, params=params, data=data, headers=request_headers, timeout=30
        )

    def assertJson(self, response, status=200):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], JSON_CONTENT_TYPE)
        self.assertTrue(response.headers.get("X-Request-ID"))
        return response.json()

    def assertProblem(self, response, status, detail=None, invalid_param=None):
        """An RFC 9457 problem with ``status``; ``detail`` must occur in its detail."""
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], PROBLEM_CONTENT_TYPE)
        self.assertTrue(response.headers.get("X-Request-ID"))
        problem = response.json()
        self.assertEqual(problem["status"], status)
        self.assertTrue(problem["type"].startswith("urn:odoo-rest-api:problem:"))
        self.assertTrue(problem["title"])
        self.assertEqual(problem["instance"], response.request.path_url.split("?")[0])
        self.assertNotIn("Traceback", response.text)
        if detail is not None:
            self.assertIn(detail, problem["detail"])
        if invalid_param is not None:
            self.assertIn(invalid_param, [param["name"] for param in problem["invalid_params"]])
        return problem
