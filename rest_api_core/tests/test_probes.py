"""Regression probes of hostile and careless requests (issue 14): never a 500, never HTML.

Classes of the ~850 probes of the issue: injection through ``order``,
``domain``, ``fields`` and record ids; HTTP robustness (odd methods,
content types and bodies, large headers). Each answer must be a 2xx JSON
or a problem+json below 500; nothing may be deleted.
"""

import base64
import json
import time

import jwt

from odoo.tests import new_test_user, tagged

from odoo.addons.rest_api_auth.tokens import LoginTokenClaims, encode_login_token, issuer_for, new_jti

from .common import JSON_CONTENT_TYPE, PROBLEM_CONTENT_TYPE, RestApiCase

SEARCH = "/api/res.partner/search"

ORDERS = [
    "name; DROP TABLE res_partner",
    "name desc, (SELECT 1)",
    "id)--",
    'name COLLATE "C"',
    "1",
    "name asc nulls first; --",
    "pg_sleep(5)",
    "name,,id",
    "name desc desc",
    "'name'",
]
DOMAINS = [
    "[('name', '=', \"x'); DROP TABLE res_partner; --\")]",
    "__import__('os').system('id')",
    "[('id', '=', '1 or 1=1')]",
    "[('name', '=', {'a': 1})]",
    "[('name.foo', '=', 1)]",
    "[('id', 'in', 'abc')]",
    "[('name', 'inselect', ('SELECT 1', []))]",
    "[(1, '=', 1)]",
    "[('name', '=', 'x')] + [('id', '>', 0)]",
    "[['name', '=', 'x'], '|']",
    "{'name': 'x'}",
    "[('name', '=', b'x')]",
    "[('name', '=', 1e400)]",
    "[('write_date', '>', 'yesterday')]",
    "[('id', 'child_of', 'x')]",
    "[('name', 'any', [('id', '=', 1)])]",
    "[('parent_id', 'any', 'x')]",
    "[('name', '=', '" + "x" * 5000 + "')]",
    "[" * 50 + "]" * 50,
]
FIELDS = ["['name; drop']", "['id', '__class__']", "'name'", "[1]", "['name'] * 2", "[['name']]", "{}", "['../x']"]
RECORD_PATHS = [
    "/api/res.partner/1abc",
    "/api/res.partner/99999999999999999999",
    "/api/res.partner/-1",
    "/api/res.partner/0",
    "/api/res.partner/1%27",
    "/api/res.partner/1;drop",
    "/api/res.partner/%00",
    "/api/res.partner/1/../../web",
    "/api/res.partner%00/1",
    "/api/../web/login",
    "/api/ir.config_parameter/1",
    "/api/res.partner/1.5",
]
BODIES = [
    ("text/plain", b'{"name": "x"}'),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--'),
    ("application/x-www-form-urlencoded", b"name=x"),
    ("application/xml", b"<name>x</name>"),
    ("application/json", b""),
    ("application/json", b"{"),
    ("application/json", b"[1, 2]"),
    ("application/json", b"null"),
    ("application/json", b'"x"'),
    ("application/json", b'{"name": NaN}'),
    ("application/json", b"\xff\xfe\x00"),
    ("application/json", b'{"name": "x", "name": "y", "id": 5}'),
    ("application/json", b"[" * 5000 + b"]" * 5000),
    ("application/json", b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("application/json; charset=latin-1", '{"name": "é"}'.encode("latin-1")),
    ("application/merge-patch+json", b'{"name": "x"}'),
]


@tagged("post_install", "-at_install")
class TestProbes(RestApiCase):
    def setUp(self):
        super().setUp()
        self.partners = self.env["res.partner"].search_count([])

    def assertNoServerError(self, response, probe):
        self.assertLess(response.status_code, 500, f"{probe}: {response.text[:300]}")
        content_type = response.headers.get("Content-Type", "")
        expected = PROBLEM_CONTENT_TYPE if response.status_code >= 400 else JSON_CONTENT_TYPE
        self.assertEqual(content_type, expected, f"{probe}: {response.status_code} {response.text[:300]}")

    def tearDown(self):
        # nothing dropped nor deleted (a well-formed body may create a partner)
        self.assertGreaterEqual(self.env["res.partner"].search_count([]), self.partners)
        super().tearDown()

    def test_injection_in_order_domain_and_fields(self):
        for name, values in (("order", ORDERS), ("domain", DOMAINS), ("fields", FIELDS)):
            for value in values:
                with self.subTest(param=name, value=value[:60]):
                    self.assertNoServerError(self.api("GET", SEARCH, params={name: value}), value[:60])
        for value in DOMAINS[:6]:
            with self.subTest(count=value[:60]):
                response = self.api("GET", "/api/res.partner/record_count", params={"domain": value})
                self.assertNoServerError(response, value[:60])

    def test_injection_in_record_ids(self):
        for path in RECORD_PATHS:
            for method in ("GET", "PUT", "DELETE"):
                with self.subTest(path=path, method=method):
                    body = {"name": "x"} if method == "PUT" else None
                    response = self.api(method, path, body=body)
                    if not path.startswith("/api/../"):  # normalized to /web/login: not the API's
                        self.assertNoServerError(response, f"{method} {path}")

    def test_odd_methods(self):
        for method in ("TRACE", "PROPFIND", "PURGE", "LINK", "FOO"):
            for path in (SEARCH, "/api/res.partner/1", "/api/res.partner/create", "/api/nowhere"):
                with self.subTest(method=method, path=path):
                    response = self.api(method, path)
                    self.assertLess(response.status_code, 500, response.text[:300])
                    self.assertNotIn("<html", response.text.lower())

    def test_odd_content_types_and_bodies(self):
        for path in ("/api/res.partner/create", "/api/res.partner/execute_kw", "/api/res.partner/1"):
            method = "PUT" if path.endswith("/1") else "POST"
            for content_type, data in BODIES:
                with self.subTest(path=path, content_type=content_type, data=data[:40]):
                    response = self.api(method, path, data=data, headers={"Content-Type": content_type})
                    self.assertNoServerError(response, f"{method} {path} {content_type} {data[:40]}")

    def test_large_and_odd_headers(self):
        for headers in (
            {"X-Filler": "x" * 7000},
            {"api-key": "x" * 7000},
            {"Authorization": "Bearer " + "x" * 7000},
            {"Authorization": "Basic " + "x" * 100},
            {"X-Request-ID": "x" * 5000},
            {"Origin": "null"},
            {"X-Odoo-Database": "x" * 500},
            {"Accept": "text/html"},
        ):
            with self.subTest(header=next(iter(headers))):
                merged = {"api-key": self.manager_key, **headers}
                response = self.opener.get(self.base_url() + SEARCH, headers=merged, timeout=30)
                self.assertNoServerError(response, json.dumps(headers)[:80])

    def test_tampered_bearer_tokens(self):
        header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
        payload = base64.urlsafe_b64encode(b'{"sub":"2","exp":9999999999}').rstrip(b"=").decode()
        for token in (
            "a.b.c",
            f"{header}.{payload}.",
            f"{header}.{payload}",
            "....",
            "x" * 2000,
            f"{header}.{payload}.{'A' * 43}",
            "eyJ.eyJ.sig",
        ):
            with self.subTest(token=token[:40]):
                response = self.opener.get(
                    self.base_url() + SEARCH, headers={"Authorization": f"Bearer {token}"}, timeout=30
                )
                self.assertProblem(response, 401)

    def test_escalation_by_a_plain_employee_key(self):
        admin = self.env.ref("base.user_admin")
        for method, path, body in (
            ("PUT", f"/api/res.users/{admin.id}", {"login": "owned"}),
            ("POST", "/api/res.users/execute_kw", {"method": "write", "args": [[admin.id], {"password": "x"}]}),
            ("POST", "/api/res.users/execute_kw", {"method": "sudo", "args": []}),
            ("POST", "/api/res.partner/execute_kw", {"method": "_search", "args": [[]]}),
            ("POST", "/api/res.partner/execute_kw", {"method": "with_user", "args": [1]}),
            ("GET", "/api/ir.config_parameter/search", None),
            ("GET", "/api/res.users.apikeys/search", None),
            ("POST", "/api/res.groups/execute_kw", {"method": "write", "args": [[1], {"users": [[4, 2]]}]}),
            ("POST", "/api/res.users/create", {"name": "x", "login": "x", "groups_id": [[4, 1]]}),
        ):
            with self.subTest(method=method, path=path, body=str(body)[:60]):
                response = self.api(method, path, key=self.employee_key, body=body)
                self.assertProblem(response, response.status_code)
                self.assertIn(response.status_code, (400, 403, 404), response.text[:300])
        self.assertEqual(admin.login, "admin")

    def test_forged_login_tokens_with_a_valid_key(self):
        """Well-formed HS256 login tokens with real claims, signed with another secret or
        another algorithm, or issued by another database: 401, never the claimed user."""
        key = self.env["rest.api.key"].generate_api_key(
            {"name": "probe tokens", "user_id": self.env.ref("base.user_admin").id, "rate_limit": 0}
        )
        now = int(time.time())
        claims = LoginTokenClaims(
            user_id=self.env.ref("base.user_admin").id,
            api_key_id=key["id"],
            jti=new_jti(),
            issued_at=now,
            expires_at=now + 3600,
        )
        issuer = issuer_for(self.env["ir.config_parameter"].sudo().get_param("database.uuid"))
        payload = {"sub": str(claims.user_id), "user_id": claims.user_id, "api_key_id": key["id"], "exp": now + 3600}
        for label, token in (
            ("another secret", encode_login_token("not-the-database-secret" * 2, issuer, claims)),
            ("another database", encode_login_token("not-the-database-secret" * 2, issuer_for("other-db"), claims)),
            ("HS512", jwt.encode({**payload, "iss": issuer}, "x" * 64, algorithm="HS512")),
            ("no issuer", jwt.encode(payload, "x" * 64, algorithm="HS256")),
        ):
            with self.subTest(token=label):
                response = self.api("GET", SEARCH, key=key["key"], headers={"Login-Token": token})
                self.assertProblem(response, 401)

    def test_escalation_by_a_portal_users_key(self):
        """A REST API key of a portal user reaches nothing a portal user may not: never a 2xx
        on internal data, never a change of its own groups."""
        portal = new_test_user(self.env, login="rest_portal", groups="base.group_portal")
        key = self.env["rest.api.key"].generate_api_key({"name": "probe portal", "user_id": portal.id, "rate_limit": 0})
        internal = self.env.ref("base.group_user")
        for method, path, body in (
            ("GET", "/api/res.users/search", None),
            ("GET", f"/api/res.users/{self.manager.id}", None),
            ("GET", "/api/ir.config_parameter/search", None),
            ("GET", "/api/res.groups/search", None),
            ("POST", "/api/res.partner/create", {"name": "portal made"}),
            ("PUT", f"/api/res.users/{portal.id}", {"groups_id": [[4, internal.id]]}),
            ("POST", "/api/res.users/execute_kw", {"method": "write", "args": [[portal.id], {"share": False}]}),
            (
                "POST",
                "/api/res.groups/execute_kw",
                {"method": "write", "args": [[internal.id], {"users": [[4, portal.id]]}]},
            ),
            ("DELETE", f"/api/res.partner/{self.manager.partner_id.id}", None),
        ):
            with self.subTest(method=method, path=path, body=str(body)[:60]):
                response = self.api(method, path, key=key["key"], body=body)
                self.assertNoServerError(response, f"{method} {path}")
                self.assertIn(response.status_code, (400, 403, 404), response.text[:300])
        self.assertFalse(portal.has_group("base.group_user"))
        self.assertTrue(self.manager.partner_id.exists())
