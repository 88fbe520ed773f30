"""Request bodies: authenticated before they are read, refused unread (413) above ``rest_api.max_body_size``."""

import socket
from urllib.parse import urlsplit

from odoo.tests import tagged

from .common import RestApiCase


@tagged("post_install", "-at_install")
class TestBodyLimits(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "REST Body Limit"})

    def set_limit(self, size):
        self.env["ir.config_parameter"].sudo().set_param("rest_api.max_body_size", str(size))

    def routes(self):
        return (
            ("POST", "/api/res.partner/create"),
            ("PUT", f"/api/res.partner/{self.partner.id}"),
            ("PATCH", f"/api/res.partner/{self.partner.id}"),
            ("POST", "/api/res.partner/execute_kw"),
            ("POST", "/api/generate_token"),
            ("POST", "/api/res.partner/nothing/here"),
        )

    def test_bodies_over_the_limit_are_refused_by_their_length(self):
        self.set_limit(2000)
        body = '{"name": "' + "x" * 3000 + '"}'
        for method, path in self.routes():
            for key in ({}, {"api-key": "not a key"}):
                with self.subTest(method=method, path=path, key=key):
                    headers = {"Content-Type": "application/json", **key}
                    response = self.api(method, path, data=body, headers=headers)
                    problem = self.assertProblem(response, 413, "larger than this server's limit of 2000 bytes")
                    self.assertEqual(problem["type"], "urn:odoo-rest-api:problem:content-too-large")
        self.assertEqual(self.partner.name, "REST Body Limit")
        small = self.api("POST", "/api/res.partner/execute_kw", body={"method": "search_count", "args": [[]]})
        self.assertIsInstance(self.assertJson(small), int)

    def test_chunked_bodies_are_bounded_too(self):
        self.set_limit(2000)

        def chunks():
            for _chunk in range(10):
                yield b'{"name": "' + b"x" * 500

        for method, path in self.routes()[:4]:
            with self.subTest(method=method, path=path):
                response = self.api(method, path, data=chunks(), headers={"Content-Type": "application/json"})
                self.assertProblem(response, 413, "larger than this server's limit of 2000 bytes")
        response = self.api("POST", "/api/res.partner/execute_kw", data=chunks(), headers={"api-key": "not a key"})
        self.assertProblem(response, 401)
        exact = [b'{"name": "' + b"y" * 988 + b'"}'] * 2  # 2000 bytes: as much as the limit allows
        headers = {"Content-Type": "application/json"}
        response = self.api("POST", "/api/res.partner/create", data=iter(exact), headers=headers)
        self.assertProblem(response, 400, "not valid JSON")  # read whole (two objects), not refused

    def test_execute_kw_authenticates_before_reading_the_body(self):
        """The probe: 30 MB without a key was parsed (0.77 s, +700 MB) before the 401.

        Here the client announces a body it never sends: a server that reads it first waits for it."""
        address = urlsplit(self.base_url())
        for path, headers in (
            ("/api/res.partner/execute_kw", ""),
            ("/api/res.partner/execute_kw", "api-key: not a key\r\n"),
            ("/api/res.partner/create", ""),
        ):
            with (
                self.subTest(path=path, headers=headers),
                socket.create_connection((address.hostname, address.port), timeout=10) as client,
            ):
                client.sendall(
                    (
                        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
                        f"{headers}Content-Length: 5000000\r\nConnection: close\r\n\r\n"
                        '{"method": "search", "args": [[["name", "=", "'
                    ).encode()
                )
                status_line = client.recv(4096).split(b"\r\n", 1)[0]
                self.assertEqual(status_line, b"HTTP/1.1 401 UNAUTHORIZED")
