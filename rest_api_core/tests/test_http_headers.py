"""Direct tests of the CORS and request-id header logic (no HTTP)."""

from odoo.tests import BaseCase

from ..http_headers import CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, cors_headers, parse_origins, request_id


class TestCorsHeaders(BaseCase):
    def test_parse_origins(self):
        self.assertEqual(parse_origins(False), frozenset())
        self.assertEqual(parse_origins(" , "), frozenset())
        self.assertEqual(
            parse_origins("https://Shop.Example.com/, http://localhost:3000"),
            {"https://shop.example.com", "http://localhost:3000"},
        )

    def test_allowed_origin(self):
        allowed = parse_origins("https://shop.example.com")
        headers = cors_headers("https://shop.example.com", allowed)
        self.assertEqual(
            headers,
            {
                "Access-Control-Allow-Origin": "https://shop.example.com",
                "Vary": "Origin",
                "Access-Control-Expose-Headers": ", ".join(CORS_EXPOSE_HEADERS),
            },
        )
        self.assertEqual(
            cors_headers("HTTPS://SHOP.example.com", allowed)["Access-Control-Allow-Origin"], "HTTPS://SHOP.example.com"
        )

    def test_preflight(self):
        headers = cors_headers("https://a.example", parse_origins("https://a.example"), ["GET", "PUT"])
        self.assertEqual(headers["Access-Control-Allow-Methods"], "GET, PUT")
        self.assertEqual(headers["Access-Control-Allow-Headers"], ", ".join(CORS_ALLOW_HEADERS))
        self.assertEqual(headers["Access-Control-Max-Age"], "86400")
        self.assertEqual(headers["Vary"], "Origin")
        self.assertNotIn("Access-Control-Expose-Headers", headers)

    def test_refused_origins_get_only_vary(self):
        only_vary = {"Vary": "Origin"}
        self.assertEqual(cors_headers("https://evil.example", parse_origins("https://a.example")), only_vary)
        self.assertEqual(cors_headers("https://a.example.evil", parse_origins("https://a.example")), only_vary)
        self.assertEqual(cors_headers("null", parse_origins("https://a.example")), only_vary)
        self.assertEqual(cors_headers(None, parse_origins("*")), only_vary)
        self.assertEqual(cors_headers(None, parse_origins("https://a.example"), ["GET"]), only_vary)

    def test_unconfigured(self):
        self.assertEqual(cors_headers("https://a.example", frozenset()), {})
        self.assertEqual(cors_headers(None, frozenset(), ["GET"]), {})

    def test_wildcard(self):
        headers = cors_headers("https://any.example", parse_origins("*"))
        self.assertEqual(headers["Access-Control-Allow-Origin"], "*")
        self.assertEqual(headers["Vary"], "Origin")
        self.assertEqual(cors_headers("https://any.example", parse_origins("*"), ["GET"])["Vary"], "Origin")


class TestRequestId(BaseCase):
    def test_sane_ids_are_kept(self):
        for value in ("abc-123", "3f2b1c9e-58f4-4c5b-9d0e-0d1f2e3a4b5c", "req:42/retry=1"):
            self.assertEqual(request_id(value), value)

    def test_others_are_replaced(self):
        for value in (None, "", "x" * 201, "has space", "new\nline", "é"):
            generated = request_id(value)
            self.assertRegex(generated, r"^[0-9a-f]{32}$")
        self.assertNotEqual(request_id(None), request_id(None))
