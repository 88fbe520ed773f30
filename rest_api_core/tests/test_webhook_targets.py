"""The SSRF guard pins the connection: an attempt connects to the address the guard checked, with
the URL's host name in ``Host`` and, over TLS, for SNI and the certificate check; it never
resolves the name a second time (where a DNS server could answer with another address)."""

import contextlib
import datetime
import os
import socket
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest.mock import patch

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from odoo.tests import BaseCase

from .. import webhook_delivery
from ..webhook_delivery import RefusedTarget, Target

NAME = "webhook.invalid"  # the .invalid domain never resolves (RFC 2606)


def self_signed(directory):
    """``(cert file, key file)`` of a self-signed certificate for ``NAME`` (its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class Server:
    """A loopback HTTP(S) server recording the Host header (and the TLS server name) of each POST."""

    def __init__(self, tls_files=None, answer=b"ok"):
        self.hosts, self.server_names = [], []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.hosts.append(self.headers["Host"])
                self.send_response(200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls_files:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls_files)
            context.sni_callback = lambda _sock, name, _context: self.server_names.append(name)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class TestPinnedConnection(BaseCase):
    def test_the_connection_goes_to_the_checked_address(self):
        server = Server()
        self.addCleanup(server.stop)
        # the name does not resolve: delivered, so the connection never looked it up again
        target = Target(f"http://127.0.0.1:{server.port}/hook", NAME, f"{NAME}:{server.port}", https=False)
        outcome = webhook_delivery.send(target, b"{}", {"Content-Type": "application/json"})
        self.assertEqual((outcome.status, outcome.error), (200, ""))
        self.assertEqual(server.hosts, [f"{NAME}:{server.port}"])

    def test_the_url_is_resolved_once_and_checked(self):
        target = webhook_delivery.resolve_target("http://localhost:8123/x?a=1", allow_private=True)
        self.assertIn(target.url, ("http://127.0.0.1:8123/x?a=1", "http://[::1]:8123/x?a=1"))
        self.assertEqual((target.host, target.host_header, target.https), ("localhost", "localhost:8123", False))
        https = webhook_delivery.resolve_target("https://127.0.0.1/x", allow_private=True)
        self.assertEqual((https.url, https.host_header, https.https), ("https://127.0.0.1:443/x", "127.0.0.1", True))
        with self.assertRaisesRegex(RefusedTarget, "internal address"):
            webhook_delivery.resolve_target("http://localhost:8123/x", allow_private=False)
        with self.assertRaisesRegex(RefusedTarget, "does not resolve"):
            webhook_delivery.resolve_target(f"http://{NAME}/x", allow_private=True)
        self.assertIn("does not resolve", webhook_delivery.post(f"http://{NAME}/x", b"{}", {}, True).error)

    def test_tls_checks_the_certificate_against_the_host_name(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        cert, key = self_signed(Path(directory.name))
        server = Server((cert, key))
        self.addCleanup(server.stop)
        url = f"https://127.0.0.1:{server.port}/hook"
        with patch.dict(os.environ, {"REQUESTS_CA_BUNDLE": str(cert)}):
            outcome = webhook_delivery.send(Target(url, NAME, f"{NAME}:{server.port}", https=True), b"{}", {})
            self.assertEqual((outcome.status, outcome.error), (200, ""))
            self.assertEqual(server.server_names, [NAME])  # SNI: the name, not the address
            self.assertEqual(server.hosts, [f"{NAME}:{server.port}"])
            # the same address under another name: its certificate does not match
            other = webhook_delivery.send(Target(url, "other.invalid", "other.invalid", https=True), b"{}", {})
            self.assertEqual(other.status, 0)
            self.assertIn("other.invalid", other.error)
        # and without the bundle that signs it, the certificate is refused
        refused = webhook_delivery.send(Target(url, NAME, NAME, https=True), b"{}", {})
        self.assertIn("CERTIFICATE_VERIFY_FAILED", refused.error)


class TestTargetsAndAnswers(BaseCase):
    def test_internal_addresses_in_every_form(self):
        internal = (
            *("127.0.0.1", "10.1.2.3", "169.254.169.254", "224.0.0.1", "0.0.0.0"),  # noqa: S104 - an address to refuse
            *("::1", "fe80::1%eth0", "fc00::1", "fec0::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1"),
            *("2002:7f00:1::", "2002:a01:203::"),  # 6to4 of 127.0.0.1 and 10.1.2.3
        )
        for address in internal:
            with self.subTest(address=address):
                self.assertTrue(webhook_delivery.internal_address(address))
        for address in ("93.184.216.34", "2606:2800:220:1::1", "2002:5db8:d822::"):
            with self.subTest(address=address):
                self.assertFalse(webhook_delivery.internal_address(address))

    def test_malformed_urls_are_refused_targets(self):
        """What ``urlsplit`` itself raises on is the client's mistake (a 400 at subscription), never a 500."""
        for url in (
            "http://[::1",
            "http://[abc]/",
            "http://ex\u2100ample.com/",
            "ftp://example.com/",
            "http://a:b@example.com/",
        ):
            with self.subTest(url=url), self.assertRaises(RefusedTarget):
                webhook_delivery.check_url(url)

    def test_an_answer_with_nul_characters_can_be_logged(self):
        """PostgreSQL's text columns refuse NUL: the attempt's log keeps the answer without it."""
        server = Server(answer=b"ok\x00done")
        self.addCleanup(server.stop)
        target = Target(f"http://127.0.0.1:{server.port}/hook", NAME, NAME, https=False)
        outcome = webhook_delivery.send(target, b"{}", {})
        self.assertEqual((outcome.status, outcome.excerpt), (200, "ok\ufffddone"))

    def test_a_receiver_trickling_its_answer_is_cut_at_the_attempts_deadline(self):
        """A byte every 0.2 s never trips a read's timeout: the attempt's deadline ends it."""
        listener = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(listener.close)

        def trickle():
            connection, _address = listener.accept()
            with connection, contextlib.suppress(OSError):
                connection.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 100:
                    connection.sendall(bytes([byte]))
                    time.sleep(0.2)

        threading.Thread(target=trickle, daemon=True).start()
        target = Target(f"http://127.0.0.1:{listener.getsockname()[1]}/hook", NAME, NAME, https=False)
        started = time.monotonic()
        outcome = webhook_delivery.send(target, b"{}", {}, timeout=1)
        self.assertLess(time.monotonic() - started, 3)
        self.assertEqual((outcome.status, outcome.error), (0, "no complete answer within 1 s"))
