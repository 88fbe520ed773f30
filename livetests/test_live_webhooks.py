"""Webhooks against a ``--workers 2`` server with a cron worker, with transactions that really
commit: changes made through the REST API and JSON-RPC each arrive once, in order, verified by
the ``standardwebhooks`` library (tools virtualenv, ``livetests/clients/webhook_receiver.py``);
a rolled-back change arrives never. With Discuss installed, a disabled subscription notifies
its owner."""

import json
import socket
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tools.odoo_env import ADDONS, OdooRpc, OdooServer, SetupError, free_port, http_json, tools_venv

RECEIVER = Path(__file__).parent / "clients" / "webhook_receiver.py"
DELIVERY_TIMEOUT = 90  # seconds: the cron worker is woken by the commit, and checks every minute anyway


@pytest.fixture(scope="module")
def cron_server(live_workspace, live_database):
    """Odoo with ``--workers 2`` and a cron worker: the webhook sender runs there."""
    with OdooServer(live_workspace, live_database, extra_args=["--workers=2", "--max-cron-threads=1"]) as server:
        yield server


def python_of_tools():
    try:
        return str(tools_venv("python") / "python")
    except SetupError as error:
        pytest.fail(str(error))


def wait_listening(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"the webhook receiver did not listen on {port}")


def wait_deliveries(output, count):
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while time.monotonic() < deadline:
        lines = output.read_text().splitlines() if output.exists() else []
        if len(lines) >= count:
            return [json.loads(line) for line in lines]
        time.sleep(0.2)
    pytest.fail(
        f"{count} deliveries expected within {DELIVERY_TIMEOUT}s, got {output.read_text() if output.exists() else 0}"
    )


def test_changes_arrive_once_in_order_and_verified(cron_server, live_database, tmp_path):
    rpc = OdooRpc(cron_server.base_url, live_database)
    python = python_of_tools()
    tag = f"live-hook-{uuid.uuid4().hex[:8]}"
    port = free_port()
    output = tmp_path / "deliveries.jsonl"
    with rpc.config_parameters({"rest_api.webhook_allow_private": "True"}):
        key = rpc.generate_api_key("live webhooks", user_id=rpc.uid, rate_limit=0)
        hook = rpc.execute(
            "rest.api.webhook",
            "generate_webhook",
            {"name": "live", "key_id": key["id"], "url": f"http://127.0.0.1:{port}/hook", "model": "res.partner",
             "fields": ["name", "ref"], "domain": [["ref", "=", tag]]},
        )  # fmt: skip
        receiver = subprocess.Popen([python, str(RECEIVER), str(port), hook["secret"], str(output)])
        headers = {"api-key": key["key"]}
        try:
            wait_listening(port)
            status, _headers, body = http_json(
                "POST", cron_server.base_url + "/api/res.partner/create", {"name": "Live", "ref": tag}, headers
            )
            assert status == 201, body
            partner_id = body["id"]
            wait_deliveries(output, 1)
            rpc.execute("res.partner", "write", [partner_id], {"name": "Live over JSON-RPC"})
            wait_deliveries(output, 2)
            # refused at flush (a partner cannot be its own parent): rolled back with the name it also sets
            status, _headers, body = http_json(
                "PUT",
                f"{cron_server.base_url}/api/res.partner/{partner_id}",
                {"name": "Never", "parent_id": partner_id},
                headers,
            )
            assert status == 422, body
            status, _headers, body = http_json(
                "DELETE", f"{cron_server.base_url}/api/res.partner/{partner_id}", None, headers
            )
            assert status == 200, body
            deliveries = wait_deliveries(output, 3)
            time.sleep(2)  # nothing else arrives
            deliveries = wait_deliveries(output, 3)
        finally:
            receiver.terminate()
            receiver.wait(timeout=10)
            rpc.execute("rest.api.webhook", "unlink", [hook["id"]])
            rpc.execute("rest.api.key", "unlink", [key["id"]])
    assert [delivery.get("refused") for delivery in deliveries] == [None] * 3, deliveries
    assert [delivery["type"] for delivery in deliveries] == [
        "res.partner.created",
        "res.partner.updated",
        "res.partner.deleted",
    ]
    assert deliveries[0]["data"] == {"id": partner_id, "name": "Live", "ref": tag}
    assert deliveries[1]["data"] == {"id": partner_id, "name": "Live over JSON-RPC", "ref": tag}
    assert deliveries[2]["data"] == {"id": partner_id}
    assert len({delivery["id"] for delivery in deliveries}) == 3


@pytest.fixture(scope="module")
def second_cron_server(live_workspace, live_database, cron_server):
    """Another host's Odoo on the same database, with a cron worker of its own: two senders."""
    with OdooServer(live_workspace, live_database, extra_args=["--workers=2", "--max-cron-threads=1"]) as server:
        yield server


def test_two_senders_deliver_every_event_once_in_order(cron_server, second_cron_server, live_database, tmp_path):
    rpc = OdooRpc(cron_server.base_url, live_database)
    python = python_of_tools()
    tag = f"live-hooks-{uuid.uuid4().hex[:8]}"
    subscriptions, receivers, outputs = 3, [], []
    partner_ids = rpc.execute("res.partner", "create", [{"name": f"Two senders {i}", "ref": tag} for i in range(20)])
    with rpc.config_parameters({"rest_api.webhook_allow_private": "True"}):
        key = rpc.generate_api_key("live two senders", user_id=rpc.uid, rate_limit=0)
        hooks = []
        try:
            for index in range(subscriptions):
                port = free_port()
                hook = rpc.execute(
                    "rest.api.webhook",
                    "generate_webhook",
                    {"name": f"two senders {index}", "key_id": key["id"], "url": f"http://127.0.0.1:{port}/",
                     "model": "res.partner", "events": ["updated"], "fields": ["name"], "domain": [["ref", "=", tag]]},
                )  # fmt: skip
                hooks.append(hook["id"])
                outputs.append(tmp_path / f"deliveries_{index}.jsonl")
                receivers.append(subprocess.Popen([python, str(RECEIVER), str(port), hook["secret"], str(outputs[-1])]))
                wait_listening(port)
            started = time.monotonic()
            clients = [OdooRpc(server.base_url, live_database) for server in (cron_server, second_cron_server)]
            written = []
            for partner_id in partner_ids:  # one transaction each, through both servers' workers
                clients[partner_id % 2].execute("res.partner", "write", [partner_id], {"name": "Sent"})
                written.append(time.time())
            deliveries = [wait_deliveries(output, len(partner_ids)) for output in outputs]
            elapsed = time.monotonic() - started
            time.sleep(3)  # no duplicate comes late
            deliveries = [wait_deliveries(output, len(partner_ids)) for output in outputs]
        finally:
            for receiver in receivers:
                receiver.terminate()
                receiver.wait(timeout=10)
            rpc.execute("rest.api.webhook", "unlink", hooks)
            rpc.execute("rest.api.key", "unlink", [key["id"]])
            rpc.execute("res.partner", "unlink", partner_ids)
    for received in deliveries:
        assert [delivery.get("refused") for delivery in received] == [None] * len(partner_ids), received
        assert len({delivery["id"] for delivery in received}) == len(partner_ids)  # none twice
        assert [delivery["data"]["id"] for delivery in received] == partner_ids  # in commit order
    latencies = sorted(
        delivery["at"] - at for received in deliveries for delivery, at in zip(received, written, strict=True)
    )
    print(
        f"{subscriptions * len(partner_ids)} events delivered in {elapsed:.1f}s by two senders; latency after the "
        f"commit: median {latencies[len(latencies) // 2]:.2f}s, max {latencies[-1]:.2f}s"
    )


@pytest.fixture(scope="module")
def discuss_server(live_workspace):
    """A cron-worker server on a database of its own with Discuss (``mail``) installed."""
    database = live_workspace.create_database(modules=(*ADDONS, "mail"))
    with OdooServer(live_workspace, database, extra_args=["--workers=2", "--max-cron-threads=1"]) as server:
        yield server


class GoneReceiver:
    """A receiver on loopback that answers every delivery 410 Gone."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(410)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def test_a_disabled_subscription_notifies_its_owner_in_discuss(discuss_server):
    """With ``mail`` installed the key's user gets a Discuss notification (``message_notify``)."""
    rpc = OdooRpc(discuss_server.base_url, discuss_server.database)
    receiver = GoneReceiver()
    tag = f"live-gone-{uuid.uuid4().hex[:8]}"
    try:
        rpc.execute("ir.config_parameter", "set_param", "rest_api.webhook_allow_private", "True")
        key = rpc.generate_api_key("live gone", user_id=rpc.uid, rate_limit=0)
        hook = rpc.execute(
            "rest.api.webhook",
            "generate_webhook",
            {"name": "gone", "key_id": key["id"], "url": receiver.url, "model": "res.partner",
             "events": ["created"], "domain": [["ref", "=", tag]]},
        )  # fmt: skip
        rpc.execute("res.partner", "create", [{"name": "Announced to a gone receiver", "ref": tag}])
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while rpc.execute("rest.api.webhook", "read", [hook["id"]], ["state"])[0]["state"] != "disabled":
            if time.monotonic() > deadline:
                pytest.fail(f"the subscription was not disabled within {DELIVERY_TIMEOUT}s")
            time.sleep(0.5)
        [owner] = rpc.execute("res.users", "read", [rpc.uid], ["partner_id"])
        messages = rpc.execute(
            "mail.message",
            "search_read",
            [("partner_ids", "in", [owner["partner_id"][0]]), ("subject", "=", "REST API webhook disabled")],
            ["body", "message_type"],
        )
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    assert len(messages) == 1, messages
    assert "answered 410 Gone: it is disabled" in messages[0]["body"]
    assert messages[0]["message_type"] == "user_notification"
