"""OdooServer (tools/odoo_env.py) when another process takes its port first, as a concurrent run may."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tools.odoo_env import OdooServer, SetupError, http_json


class Squatter(BaseHTTPRequestHandler):
    """Another program on the port, answering the health check as a healthy server would."""

    def do_GET(self):
        body = json.dumps({"status": "ok", "squatter": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def squat():
    """``squat(port)`` listens on ``port`` until the test ends."""
    servers = []

    def start(port):
        server = ThreadingHTTPServer(("127.0.0.1", port), Squatter)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_taken_port_is_never_trusted_and_another_one_is_used(live_workspace, live_database, squat):
    server = OdooServer(live_workspace, live_database, extra_args=["--workers=0", "--max-cron-threads=0"])
    taken = server.port
    squat(taken)
    with server:
        assert server.port != taken
        status, _headers, health = http_json("GET", server.base_url + "/api/health")
        assert status == 200
        assert "squatter" not in health
        assert set(health["modules"]) == {"rest_api_auth", "rest_api_core", "rest_api_docs"}
    assert "Address already in use" in server.log_file.read_text()


def test_a_given_port_that_is_taken_fails_the_start(live_workspace, live_database, squat):
    taken = squat(0).server_address[1]
    server = OdooServer(live_workspace, live_database, port=taken, extra_args=["--workers=0", "--max-cron-threads=0"])
    with pytest.raises(SetupError, match="address already in use"):
        server.start()
