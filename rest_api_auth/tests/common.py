"""Helpers for tests that need REST API keys (also meant for the other REST API addons' tests)."""

import json

from odoo import http
from odoo.tests import HttpCase, new_test_user

from ..settings import FAILED_AUTH_LIMIT

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Seconds a browser tour may take. The first page a test database opens builds the web client's
# asset bundles (SCSS compiled in the test server's process): on a loaded 2-core CI host that
# alone can take much of Odoo's default 60 s (a full CI run once timed out before a first step).
TOUR_TIMEOUT = 180


def load_static_routes():
    """Build Odoo's map of the addons' static folders (``http.root.statics``) before a browser tour.
    It is built on first use, by reading every manifest with ``ast.literal_eval``; the browser's
    first parallel requests to the threaded test server built it in several threads at once, and
    CPython 3.11's compiler is not safe to run so ("SystemError: AST constructor recursion depth
    mismatch", a 500 page where the tour expected JSON: a CI run's tour failure)."""
    return http.root.statics  # a lazy property: computed here, once


def make_api_key(env, user, **policy):
    """A REST API key of ``user`` (issued by the superuser); returns ``(rest.api.key, secret)``.

    ``policy`` takes the members of ``rest.api.key.generate_api_key`` (``scope_mode``,
    ``access``, ``expiration_date``, ``allowed_ips``, ``allow_token_generation``...).
    """
    result = env["rest.api.key"].sudo().generate_api_key({"name": "test key", "user_id": user.id, **policy})
    return env["rest.api.key"].browse(result["id"]), result["key"]


def make_personal_key(user):
    """A user's own native API key (scope NULL), as Preferences > Account Security makes it."""
    return user.env["res.users.apikeys"].with_user(user).sudo()._generate(None, "personal test key", None)


def allow_failed_authentications(env):
    """Tests send many bad credentials from 127.0.0.1: keep the per-IP limit out of their way."""
    env["ir.config_parameter"].sudo().set_param(FAILED_AUTH_LIMIT, "1000000")


class RestApiUsersMixin:
    """An internal user, a REST API manager (not an administrator) and the administrator."""

    @classmethod
    def setup_rest_api_users(cls):
        cls.user = new_test_user(cls.env, login="rest_user", groups="base.group_user", name="Rest User")
        cls.other_user = new_test_user(cls.env, login="rest_other", groups="base.group_user", name="Rest Other")
        cls.manager = new_test_user(
            cls.env,
            login="rest_manager",
            groups="base.group_user,rest_api_auth.group_rest_api_manager",
            name="Rest Manager",
        )
        cls.admin = cls.env.ref("base.user_admin")
        allow_failed_authentications(cls.env)


class RestApiHttpCase(RestApiUsersMixin, HttpCase):
    """Real HTTP requests to the REST API, with problem+json assertions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()

    def request(self, method, path, headers, body=None, raw=None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        headers = {"Content-Type": "application/json", **headers}
        return self.opener.request(method, self.base_url() + path, data=data, headers=headers, timeout=30)

    def post(self, path, headers, body=None, raw=None):
        return self.request("POST", path, headers, body, raw)

    def assertProblem(self, response, status, detail, path=None):
        """An RFC 9457 body with this status and detail, never a traceback nor HTML."""
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], PROBLEM_CONTENT_TYPE)
        body = response.json()
        self.assertEqual(body["status"], status)
        self.assertEqual(body["detail"], detail)
        if path:
            self.assertEqual(body["instance"], path)
        self.assertTrue(body["type"].startswith("urn:odoo-rest-api:problem:"))
        self.assertTrue(body["title"])
        self.assertNotIn("Traceback", response.text)
        if status == 401:
            self.assertTrue(response.headers["WWW-Authenticate"].startswith('Bearer realm="odoo-rest-api"'))
        return body
