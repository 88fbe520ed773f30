"""The endpoint registry is what Odoo routes, what authentication applies and what docs/api.md lists."""

import re
from pathlib import Path

from odoo.http import _generate_routing_rules
from odoo.tests import BaseCase, tagged

from odoo.addons.rest_api_auth.tests.common import make_api_key
from odoo.addons.rest_api_auth.tokens import LoginTokenPolicy

from ..dispatch import CATCH_ALL_ROUTES
from ..endpoints import BY_ACTION, ENDPOINTS, SERVICE_ENDPOINTS
from ..routes import odoo_path
from .common import RestApiCase

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"
REQUIRES_TOKEN = "This API key requires a login token (header 'Login-Token')."


def declared_routes():
    """``{(HTTP method, Odoo route)}`` of every registry endpoint, aliases included."""
    return {
        (endpoint.method, odoo_path(path))
        for endpoint in BY_ACTION.values()
        for path in (endpoint.path, *endpoint.aliases)
    }


class TestRegistry(BaseCase):
    def test_actions_are_unique(self):
        actions = [endpoint.action for endpoint in (*ENDPOINTS, *SERVICE_ENDPOINTS)]
        self.assertEqual(len(actions), len(set(actions)))

    def test_odoo_path(self):
        self.assertEqual(odoo_path("/api/{model}/{id}"), "/api/<string:model>/<int:record_id>")
        self.assertEqual(odoo_path("/api/{model}/search"), "/api/<string:model>/search")
        self.assertEqual(odoo_path("/api/health"), "/api/health")
        with self.assertRaises(KeyError):  # a parameter without a converter is a bug, found at import
            odoo_path("/api/{model}/{nothing}")

    def test_docs_api_table_lists_the_registry(self):
        """The endpoint table of docs/api.md: each (method, path) of the registry, nothing else."""
        if not API_MD.exists():
            self.skipTest("docs/api.md is not next to the addons (installed from a package)")
        text = API_MD.read_text()
        table = text[text.index("| endpoint | operation | success |") :].split("\n\n", 1)[0]
        listed = set()
        for row in table.splitlines()[2:]:
            first_column = row.split(" | ", 1)[0]
            for method, path in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/api/[^`?]*)", first_column):
                listed.add((method, re.sub(r"<(\w+)>", r"{\1}", path)))
        documented = {(e.method, path) for e in BY_ACTION.values() for path in (e.path, *e.aliases)}
        self.assertEqual(listed, documented)


@tagged("post_install", "-at_install")
class TestRoutesAndPolicies(RestApiCase):
    def test_odoo_routes_are_the_registry(self):
        """Every /api route Odoo serves (besides the catch-all) is a registry endpoint's, with
        its methods; GETs are read-only (a replica may serve them) unless declared for the
        primary, the others not."""
        routed = set()
        for url, endpoint in _generate_routing_rules(self.env.registry._init_modules, nodb_only=False):
            if url.startswith("/api") and url not in CATCH_ALL_ROUTES:
                routing = endpoint.routing
                routed.update((method, url) for method in routing["methods"])
                with self.subTest(url=url, methods=routing["methods"]):
                    primary = any(e.primary for e in BY_ACTION.values() if odoo_path(e.path) == url)
                    self.assertIs(routing["readonly"], routing["methods"] == ["GET"] and not primary)
        self.assertEqual(routed, declared_routes())

    def test_login_token_policy_of_each_endpoint(self):
        """A key that requires login tokens, without one: refused (401) exactly by the endpoints
        whose policy says a token is required; a garbled token is refused except where unused."""
        user = self.env["res.users"].browse(self.manager.id)
        _key, secret = make_api_key(self.env, user, allow_token_generation=True, require_login_token=True)
        partner = self.env["res.partner"].create({"name": "Policy"})
        for endpoint in BY_ACTION.values():
            if endpoint.operation is None or endpoint.action == "metrics":
                continue  # unauthenticated; the metrics' own check runs first (see test_metrics)
            path = endpoint.path.replace("{model}", "res.partner").replace("{id}", str(partner.id))
            with self.subTest(endpoint=endpoint.action):
                body = {} if endpoint.method in ("POST", "PUT", "PATCH") else None
                response = self.api(endpoint.method, path, key=secret, body=body)
                refused = response.status_code == 401 and response.json()["detail"] == REQUIRES_TOKEN
                self.assertEqual(refused, endpoint.login_token == LoginTokenPolicy.REQUIRED, response.text)
                response = self.api(endpoint.method, path, key=secret, body=body, headers={"Login-Token": "a.b.c"})
                refused = response.status_code == 401 and response.json()["detail"] == "The login token is invalid."
                self.assertEqual(refused, endpoint.login_token != LoginTokenPolicy.UNUSED, response.text)
