"""Routing, verbs, bad query parameters, databases, CORS and request ids."""

import json

from odoo.tests import tagged

from ..endpoints import BY_ACTION, FIXED_NAMES
from .common import RestApiCase


@tagged("post_install", "-at_install")
class TestRouting(RestApiCase):
    def test_unknown_model_is_404_on_every_endpoint(self):
        for method, path, body in (
            ("GET", "/api/no.such.model/search", None),
            ("GET", "/api/no.such.model/1", None),
            ("GET", "/api/no.such.model/record_count", None),
            ("GET", "/api/no.such.model/schema", None),
            ("POST", "/api/no.such.model/create", {"name": "x"}),
            ("PUT", "/api/no.such.model/1", {"name": "x"}),
            ("DELETE", "/api/no.such.model/1", None),
            ("GET", "/api/mail.thread/search", None),  # abstract models have no records
        ):
            with self.subTest(method=method, path=path):
                self.assertProblem(self.api(method, path, body=body), 404, "Unknown model")

    def test_unknown_api_path_is_404(self):
        for path in ("/api", "/api/", "/api/res.partner/1/image_1920/more", "/api/res.partner/search/more"):
            with self.subTest(path=path):
                self.assertProblem(self.api("GET", path), 404, "No API endpoint")
        # /api/<model>/<id>/<name> is a file download: a 404 naming the field (test_files)
        self.assertProblem(self.api("GET", "/api/res.partner/1/extra"), 404, "has no field 'extra'")

    def test_wrong_verb_is_405_with_allow(self):
        for method, path, allowed in (
            ("POST", "/api/res.partner/search", "GET"),
            ("DELETE", "/api/res.partner/search", "GET"),
            ("GET", "/api/res.partner/create", "POST"),
            ("PUT", "/api/res.partner/execute_kw", "POST"),
            ("POST", "/api/res.partner/1", "GET, PUT, PATCH, DELETE"),
            ("PATCH", "/api/res.partner/record_count", "GET"),
        ):
            with self.subTest(method=method, path=path):
                response = self.api(method, path, body={})
                self.assertProblem(response, 405, f"use {allowed}")
                self.assertEqual(response.headers["Allow"], f"{allowed}, OPTIONS")

    def test_wrong_verb_on_a_fixed_path_is_405_before_authentication(self):
        """The many-records route ``/api/<model>`` (PUT, PATCH, DELETE) matches /api/health too."""
        for method, path, allowed in (
            ("PUT", "/api/health", "GET"),
            ("PATCH", "/api/health", "GET"),
            ("DELETE", "/api/health", "GET"),
            ("PUT", "/api/batch", "POST"),
            ("DELETE", "/api/generate_token", "POST"),
            ("PATCH", "/api/webhooks", "GET, POST"),
            ("DELETE", "/api/metrics", "GET"),
            ("PUT", "/api/openapi.json", "GET"),
            ("DELETE", "/api/docs", "GET"),
            ("GET", "/api/webhooks/1", "DELETE"),  # the record routes /api/<model>/<id> match it
            ("PUT", "/api/webhooks/1", "DELETE"),
        ):
            with self.subTest(method=method, path=path):
                response = self.api(method, path, key="wrong", body={})  # no 401: the path decides
                self.assertProblem(response, 405, f"use {allowed}")
                self.assertEqual(response.headers["Allow"], f"{allowed}, OPTIONS")
        served = {(endpoint.method, endpoint.path) for endpoint in BY_ACTION.values()}
        for path in sorted(f"/api/{name}" for name in FIXED_NAMES):  # a fixed path added later is covered too
            for method in ("PUT", "PATCH", "DELETE"):
                if (method, path) not in served:
                    with self.subTest(method=method, path=path):
                        self.assertEqual(self.api(method, path, key="wrong", body={}).status_code, 405)
        # a name that is neither a model nor an endpoint: the many-records route's 404, once authenticated
        self.assertProblem(self.api("PUT", "/api/nowhere", key="wrong", body={}), 401)
        self.assertProblem(self.api("PUT", "/api/nowhere", body={"ids": [1], "values": {}}), 404, "Unknown model")


@tagged("post_install", "-at_install")
class TestBadQueryParameters(RestApiCase):
    def search(self, **params):
        return self.api("GET", "/api/res.partner/search", params=params)

    def test_unknown_fields(self):
        self.assertProblem(
            self.search(fields="['name', 'no_such_field']"), 400, "no_such_field", invalid_param="fields"
        )
        self.assertProblem(self.api("GET", "/api/res.partner/1", params={"fields": '["nope"]'}), 400, "nope")
        self.assertProblem(
            self.search(domain="[('no_such_field', '=', 1)]"), 400, "no_such_field", invalid_param="domain"
        )
        self.assertProblem(self.search(domain="[('parent_id.no_such_field', '=', 1)]"), 400, "parent_id.no_such_field")
        self.assertProblem(self.search(domain="[('name.id', '=', 1)]"), 400, "not a relational field")
        self.assertProblem(self.search(order="no_such_field desc"), 400, "no_such_field", invalid_param="order")
        self.assertProblem(
            self.api("GET", "/api/res.partner/record_count", params={"domain": "[('nope', '=', 1)]"}), 400, "nope"
        )

    def test_sql_in_order_never_reaches_the_database(self):
        for order in ("id; DROP TABLE res_partner", "id desc, (select 1)", 'name collate "C"', "id asc asc", "1"):
            with self.subTest(order=order):
                self.assertProblem(self.search(order=order), 400, invalid_param="order")
        self.assertTrue(self.env["res.partner"].search_count([]))

    def test_code_in_domain_is_never_evaluated(self):
        for domain in (
            "[__import__('os').system('touch /tmp/pwned')]",
            "[('name', '=', __import__('os').getcwd())]",
            "[('name', '=', ''.join(['a']))]",
            "[('name', '=', 'x'.__class__)]",
            "[('name', '=', (lambda: 1)())]",
            "[('name', '=', {1, 2})]",
            "[('name', '=', b'bytes')]",
            "[('name', '=', {'a': 1})]",
        ):
            with self.subTest(domain=domain):
                self.assertProblem(self.search(domain=domain), 400, invalid_param="domain")

    def test_malformed_domains(self):
        for domain in (
            "[('name', 'ilike')]",
            "[('name', 'resembles', 'x')]",
            "('name', '=', 'x')",
            "['|', ('name', '=', 'x')]",
            "[('name', '=', 'x'), '&']",
            "[42]",
            "not a domain",
            '{"name": "x"}',
            "[('name', 'any', 'x')]",
        ):
            with self.subTest(domain=domain):
                self.assertProblem(self.search(domain=domain), 400, invalid_param="domain")

    def test_bad_limits_and_offsets(self):
        for params in (
            {"limit": "-1"},
            {"limit": "0"},
            {"limit": "ten"},
            {"limit": "1.5"},
            {"limit": "1000000"},
            {"limit": "99999999999999999999"},
            {"offset": "-5"},
            {"offset": "x"},
            {"offset": "1e3"},
        ):
            with self.subTest(**params):
                self.assertProblem(self.search(**params), 400, invalid_param=next(iter(params)))

    def test_fields_must_be_a_list_of_names(self):
        for fields in ("name", "'name'", "[1, 2]", "{'name': 1}"):
            with self.subTest(fields=fields):
                self.assertProblem(self.search(fields=fields), 400, invalid_param="fields")

    def test_body_over_the_upload_limit_is_413(self):
        self.env["ir.config_parameter"].set_param("web.max_file_upload_size", "100")
        response = self.api("POST", "/api/res.partner/create", body={"name": "REST big", "comment": "x" * 500})
        self.assertProblem(response, 413)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "REST big")]))

    def test_out_of_range_values_are_400(self):
        self.assertProblem(self.search(domain=json.dumps([["id", "=", 2**40]])), 400)


@tagged("post_install", "-at_install")
class TestDatabaseSelection(RestApiCase):
    def test_naming_the_served_database_works(self):
        db = self.env.cr.dbname
        rows = self.assertJson(
            self.api("GET", "/api/res.partner/search", params={"limit": "1"}, headers={"X-Odoo-Database": db})
        )
        self.assertEqual(len(rows), 1)
        self.assertJson(self.api("GET", "/api/res.partner/search", params={"limit": "1", "db": db}))

    def test_unknown_or_filtered_out_database_is_404(self):
        for name in ("no_such_database", "postgres", self.env.cr.dbname + "_other"):
            with self.subTest(name=name):
                response = self.api("GET", "/api/res.partner/search", headers={"X-Odoo-Database": name})
                self.assertProblem(response, 404, f"Database '{name}' is not available")
                response = self.api("GET", "/api/res.partner/search", params={"db": name})
                self.assertProblem(response, 404, "is not available")

    def test_database_is_checked_before_credentials(self):
        response = self.opener.get(
            self.base_url() + "/api/res.partner/search", headers={"X-Odoo-Database": "elsewhere"}, timeout=30
        )
        self.assertProblem(response, 404, "'elsewhere'")


@tagged("post_install", "-at_install")
class TestCorsAndRequestId(RestApiCase):
    origin = "https://shop.rest.example"

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("rest_api.cors_origins", f"{self.origin}, https://other.example")

    def test_preflight_allows_the_credential_headers(self):
        response = self.opener.options(
            self.base_url() + "/api/res.partner/7",
            headers={"Origin": self.origin, "Access-Control-Request-Method": "PUT"},
            timeout=30,
        )
        self.assertEqual(response.status_code, 204, response.text)
        self.assertEqual(response.headers["Access-Control-Allow-Origin"], self.origin)
        self.assertEqual(response.headers["Access-Control-Allow-Methods"], "GET, PUT, PATCH, DELETE")
        allowed = {name.strip().lower() for name in response.headers["Access-Control-Allow-Headers"].split(",")}
        for header in ("api-key", "x-api-key", "login-token", "x-login-token", "token", "authorization",
                       "content-type", "x-odoo-database", "x-request-id", "range", "if-none-match", "if-match",
                       "idempotency-key", "x-odoo-company"):  # fmt: skip
            self.assertIn(header, allowed)
        self.assertIn("Origin", response.headers["Vary"])
        self.assertTrue(response.headers["X-Request-ID"])

    def test_responses_expose_headers_to_allowed_origins(self):
        for response in (
            self.api("GET", "/api/res.partner/search", params={"limit": "1"}, headers={"Origin": self.origin}),
            self.api("GET", "/api/res.partner/0", headers={"Origin": self.origin}),
            self.opener.get(self.base_url() + "/api/res.partner/search", headers={"Origin": self.origin}, timeout=30),
        ):
            self.assertEqual(response.headers["Access-Control-Allow-Origin"], self.origin)
            exposed = {name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
            self.assertEqual(
                exposed,
                {"RateLimit", "RateLimit-Policy", "Retry-After", "Location", "Link", "X-Request-ID"}
                | {"Content-Disposition", "ETag", "Content-Range", "Idempotent-Replayed"},
            )

    def test_vary_origin_on_every_response_when_cors_is_configured(self):
        """Responses depend on Origin (CORS headers or none): shared caches must key them on it."""
        url = self.base_url() + "/api/res.partner/search"
        for origin in (self.origin, "https://evil.example", None):
            headers = {"Origin": origin} if origin else {}
            for response in (
                self.opener.options(url, headers={**headers, "Access-Control-Request-Method": "GET"}, timeout=30),
                self.api("GET", "/api/res.partner/search", params={"limit": "1"}, headers=headers),
                self.api("GET", "/api/res.partner/0", headers=headers),  # 400
                self.api("GET", "/api/res.partner/search", key="wrong", headers=headers),  # 401
                self.api("GET", "/api/nowhere", headers=headers),  # 404
                self.api("DELETE", "/api/res.partner/search", headers=headers),  # 405
            ):
                with self.subTest(origin=origin, method=response.request.method, path=response.request.path_url):
                    vary = {name.strip() for name in response.headers.get("Vary", "").split(",")}
                    self.assertIn("Origin", vary)
                    allowed = response.headers.get("Access-Control-Allow-Origin")
                    self.assertEqual(allowed, self.origin if origin == self.origin else None)
        self.env["ir.config_parameter"].set_param("rest_api.cors_origins", "*")
        response = self.api("GET", "/api/res.partner/0", headers={"Origin": "https://any.example"})
        self.assertEqual(response.headers["Access-Control-Allow-Origin"], "*")
        self.assertIn("Origin", response.headers["Vary"])
        self.env["ir.config_parameter"].set_param("rest_api.cors_origins", "")
        response = self.api("GET", "/api/res.partner/search", params={"limit": "1"}, headers={"Origin": self.origin})
        self.assertNotIn("Origin", response.headers.get("Vary", ""))

    def test_other_origins_get_no_cors_headers(self):
        response = self.api(
            "GET", "/api/res.partner/search", params={"limit": "1"}, headers={"Origin": "https://evil.example"}
        )
        self.assertJson(response)
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)
        response = self.opener.options(
            self.base_url() + "/api/res.partner/search", headers={"Origin": "https://evil.example"}, timeout=30
        )
        self.assertEqual(response.status_code, 204)
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)

    def test_no_cors_headers_when_the_setting_is_empty(self):
        self.env["ir.config_parameter"].set_param("rest_api.cors_origins", "")
        response = self.api("GET", "/api/res.partner/search", params={"limit": "1"}, headers={"Origin": self.origin})
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)

    def test_wildcard_origin(self):
        self.env["ir.config_parameter"].set_param("rest_api.cors_origins", "*")
        response = self.api(
            "GET", "/api/res.partner/search", params={"limit": "1"}, headers={"Origin": "https://any.example"}
        )
        self.assertEqual(response.headers["Access-Control-Allow-Origin"], "*")

    def test_request_id_is_echoed_on_success_and_errors(self):
        for method, path, key in (
            ("GET", "/api/res.partner/search?limit=1", None),
            ("GET", "/api/res.partner/0", None),
            ("POST", "/api/res.partner/search", None),
            ("GET", "/api/res.partner/search", "wrong"),
            ("GET", "/api/nowhere", None),
        ):
            with self.subTest(method=method, path=path):
                response = self.api(method, path, key=key, headers={"X-Request-ID": "client-req-42"})
                self.assertEqual(response.headers["X-Request-ID"], "client-req-42")

    def test_request_id_is_generated_when_absent_or_unusable(self):
        first = self.api("GET", "/api/res.partner/search", params={"limit": "1"})
        second = self.api(
            "GET", "/api/res.partner/search", params={"limit": "1"}, headers={"X-Request-ID": "bad id with spaces"}
        )
        ids = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
        self.assertEqual(len(ids), 2)
        for request_id in ids:
            self.assertRegex(request_id, r"^[0-9a-f]{32}$")
