"""Webhooks: the outbox written in the changing transaction, the sender posting to a real receiver
on loopback, Standard Webhooks signatures, retries, 410, the key's reach, the SSRF guard."""

import base64
import contextlib
import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import ANY

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .. import metrics, request_log, webhook_delivery, webhook_wakeup
from ..settings import WEBHOOK_ALLOW_PRIVATE_PARAM
from .common import RestApiCase

CRON = webhook_wakeup.CRON_XMLID


class Receiver:
    """An HTTP server on loopback that records every POST and answers the queued statuses (else 200)."""

    def __init__(self):
        self.received = []  # (headers, body) of each POST
        self.paths = []
        self.statuses = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((dict(self.headers.items()), body))
                receiver.paths.append(self.path)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "8")
                self.end_headers()
                self.wfile.write(b"received")

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def closed_port_url():
    """A loopback URL nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def verify(secret, headers, body):
    """The Standard Webhooks check, written from the specification (the tools venv's library
    checks the same in livetests/test_live_webhooks.py)."""
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(base64.b64decode(secret[6:]), signed, hashlib.sha256).digest()).decode()
    return any(part == f"v1,{expected}" for part in headers["webhook-signature"].split(" "))


class RolledBack(Exception):
    pass


@tagged("post_install", "-at_install")
class WebhookCase(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(WEBHOOK_ALLOW_PRIVATE_PARAM, "True")
        cls.receiver = Receiver()
        cls.addClassCleanup(cls.receiver.stop)
        cls.partner = cls.env["res.partner"].create({"name": "Hooked", "email": "hooked@example.com"})
        cls.key = cls.env["rest.api.key"].generate_api_key(
            {
                "name": "webhook key",
                "user_id": cls.manager.id,
                "scope_mode": "specific",
                "rate_limit": 0,
                "access": [{"model": "res.partner", "read": True, "write": True, "create": True, "unlink": True}],
            }
        )

    def setUp(self):
        super().setUp()
        self.receiver.received.clear()
        self.receiver.paths.clear()
        self.receiver.statuses.clear()

    def subscribe(self, key_id=None, url=None, **values):
        vals = {"name": "test hook", "key_id": key_id or self.key["id"], "url": url or self.receiver.url}
        created = self.env["rest.api.webhook"].generate_webhook({"model": "res.partner", **vals, **values})
        return self.env["rest.api.webhook"].browse(created["id"]), created["secret"]

    def send(self):
        return self.env["rest.api.webhook.event"]._send_due(auto_commit=False)

    def events(self, webhook):
        return self.env["rest.api.webhook.event"].search([("webhook_id", "=", webhook.id)], order="id")

    def delivered(self, secret):
        """The bodies received, each verified against ``secret``."""
        bodies = []
        for headers, body in self.receiver.received:
            self.assertTrue(verify(secret, headers, body), headers)
            bodies.append(json.loads(body))
        return bodies


class TestCaptureAndDelivery(WebhookCase):
    def test_rest_update_delivers_one_signed_event(self):
        webhook, secret = self.subscribe(events=["updated"], fields=["name", "email"])
        self.assertTrue(secret.startswith("whsec_"))
        response = self.api("PUT", f"/api/res.partner/{self.partner.id}", key=self.key["key"], body={"name": "Renamed"})
        self.assertJson(response)
        self.assertEqual(len(self.events(webhook)), 1)
        self.env.ref(CRON).method_direct_trigger()  # the real cron job
        [body] = self.delivered(secret)
        self.assertEqual(body["type"], "res.partner.updated")
        self.assertEqual(body["data"], {"id": self.partner.id, "name": "Renamed", "email": "hooked@example.com"})
        self.assertTrue(body["timestamp"].endswith("Z"))
        headers = self.receiver.received[0][0]
        self.assertTrue(headers["webhook-id"].startswith("msg_"))
        event = self.events(webhook)
        self.assertEqual((event.state, event.attempts, event.last_status), ("delivered", 1, 200))
        self.assertEqual(event.attempt_ids.status, 200)
        self.assertEqual(event.attempt_ids.response, "received")
        # a redelivery carries the same webhook-id, for the receiver's de-duplication
        event.action_redeliver()
        self.send()
        self.assertEqual(self.receiver.received[1][0]["webhook-id"], headers["webhook-id"])
        self.assertEqual(len(self.delivered(secret)), 2)

    def test_rolled_back_change_emits_nothing(self):
        webhook, _secret = self.subscribe()
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            self.partner.write({"name": "Never"})
            self.env["res.partner"].create({"name": "Never either"})
            self.env.flush_all()
            self.assertEqual(len(self.events(webhook)), 2)
            _ = 1 / 0
        self.assertFalse(self.events(webhook))
        self.assertEqual(self.send(), 0)
        self.assertFalse(self.receiver.received)

    def test_one_event_per_record_and_transaction(self):
        """Odoo writes a record several times in one save: one event; a creation absorbs later updates."""
        webhook, secret = self.subscribe()
        self.partner.write({"name": "One"})
        self.partner.write({"phone": "+32 2 555 01 01"})
        self.env["res.partner"].browse([self.partner.id, self.partner.id]).write({"name": "Twice"})
        created = self.env["res.partner"].create({"name": "Fresh"})
        created.write({"email": "fresh@example.com"})
        self.assertEqual(self.events(webhook).mapped("event"), ["updated", "created"])
        self.send()
        bodies = self.delivered(secret)
        self.assertEqual([body["type"] for body in bodies], ["res.partner.updated", "res.partner.created"])
        self.assertEqual(bodies[1]["data"]["email"], "fresh@example.com")

    def test_a_companys_save_announces_the_company_not_its_contacts(self):
        """Odoo writes ``{}`` to a company's contacts at each save of the company: nothing of theirs changed."""
        company = self.env["res.partner"].create({"name": "Hooked Inc", "is_company": True})
        self.env["res.partner"].create({"name": "Hooked contact", "parent_id": company.id})
        webhook, _secret = self.subscribe(events=["updated"])
        company.write({"phone": "+32 2 555 02 02"})
        self.assertEqual(self.events(webhook).mapped("res_id"), [company.id])

    def test_an_event_rolled_back_to_a_savepoint_is_captured_again(self):
        webhook, _secret = self.subscribe(events=["updated", "deleted"])
        with contextlib.suppress(RolledBack), self.env.cr.savepoint():
            self.partner.write({"name": "Lost"})
            self.env["res.partner"].create({"name": "Gone"}).unlink()
            raise RolledBack
        self.assertFalse(self.events(webhook))
        self.partner.write({"name": "Kept"})
        self.assertEqual(self.events(webhook).mapped("event"), ["updated"])

    def test_created_and_deleted_through_the_api(self):
        webhook, secret = self.subscribe(events=["created", "deleted"], fields=["name"])
        response = self.api("POST", "/api/res.partner/create", key=self.key["key"], body={"name": "Born"})
        record_id = self.assertJson(response, 201)["id"]
        self.partner.write({"name": "Not announced"})  # updates are not subscribed to
        self.assertJson(self.api("DELETE", f"/api/res.partner/{record_id}", key=self.key["key"]))
        self.assertEqual(self.events(webhook).mapped("event"), ["created", "deleted"])
        self.send()
        bodies = self.delivered(secret)
        # sent in capture order; the created record is gone by then: its event has nothing to show
        self.assertEqual(bodies, [{"type": "res.partner.deleted", "timestamp": bodies[0]["timestamp"],
                                   "data": {"id": record_id}}])  # fmt: skip
        self.assertEqual(self.events(webhook).mapped("state"), ["skipped", "delivered"])

    def test_web_client_change_is_captured(self):
        """A logged-in user saving a record in the web client (its JSON-RPC ``call_kw``): one event."""
        webhook, secret = self.subscribe(events=["updated"], fields=["name"])
        self.authenticate("rest_manager", "rest_manager")
        self.make_jsonrpc_request(
            "/web/dataset/call_kw/res.partner/web_save",
            {"model": "res.partner", "method": "web_save", "args": [[self.partner.id], {"name": "In the web client"}],
             "kwargs": {"specification": {"name": {}}}},
        )  # fmt: skip
        self.send()
        data = {"id": self.partner.id, "name": "In the web client"}
        self.assertEqual(self.delivered(secret), [{"type": "res.partner.updated", "timestamp": ANY, "data": data}])
        self.assertEqual(len(self.events(webhook)), 1)

    def test_xmlrpc_change_is_captured(self):
        webhook, secret = self.subscribe(events=["updated"], fields=["name"])
        self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.manager.id, "rest_manager", "res.partner", "write",
            [[self.partner.id], {"name": "Over XML-RPC"}],
        )  # fmt: skip
        self.send()
        self.assertEqual(self.delivered(secret)[0]["data"], {"id": self.partner.id, "name": "Over XML-RPC"})
        self.assertEqual(len(self.events(webhook)), 1)


class TestDeliveryMetrics(WebhookCase):
    def deliveries(self):
        request_log.flush(self.env.cr.dbname)  # this process's counts, stored as its writer thread does
        _counters, events = metrics.read_counters(self.env.cr.dbname)
        return {outcome: n for name, outcome, n in events if name == metrics.WEBHOOK_DELIVERIES}

    def test_each_attempt_is_counted_by_outcome(self):
        _webhook, _secret = self.subscribe(events=["updated"])
        before = self.deliveries()
        self.partner.write({"name": "Counted"})
        self.send()
        self.receiver.statuses.append(503)
        self.partner.write({"name": "Counted again"})
        self.send()
        after = self.deliveries()
        changed = {outcome: n - before.get(outcome, 0) for outcome, n in after.items() if n != before.get(outcome)}
        self.assertEqual(changed, {"delivered": 1, "retried": 1})
        text = metrics.render([], metrics.read_counters(self.env.cr.dbname)[1])
        self.assertIn(f'rest_api_webhook_deliveries_total{{outcome="delivered"}} {after["delivered"]}', text)


class TestFailures(WebhookCase):
    def due_now(self, events):
        events.write({"next_attempt": fields.Datetime.now() - timedelta(seconds=1)})

    def test_receiver_down_then_up_retries_with_back_off(self):
        webhook, secret = self.subscribe(url=closed_port_url(), events=["updated"])
        self.partner.write({"name": "Retried"})
        before = fields.Datetime.now()
        self.send()
        event = self.events(webhook)
        self.assertEqual((event.state, event.attempts, event.last_status), ("pending", 1, 0))
        self.assertIn("ConnectionError", event.last_error)
        delay = (event.next_attempt - before).total_seconds()
        self.assertTrue(4 <= delay <= 6.5, delay)  # 5 s +/- 10 %
        self.send()  # not due yet: nothing is attempted
        self.assertEqual(event.attempts, 1)
        webhook.url = self.receiver.url
        self.receiver.statuses = [503]
        self.due_now(event)
        before = fields.Datetime.now()
        self.send()
        self.assertEqual((event.state, event.attempts, event.last_status), ("pending", 2, 503))
        delay = (event.next_attempt - before).total_seconds()
        self.assertTrue(270 <= delay <= 331, delay)  # 5 min +/- 10 %
        self.assertEqual(event.attempt_ids.mapped("status"), [503, 0])
        self.due_now(event)
        self.send()
        self.assertEqual(event.state, "delivered")
        self.assertEqual(len(self.delivered(secret)), 2)  # the 503 and the success, same webhook-id
        self.assertEqual(len({headers["webhook-id"] for headers, _body in self.receiver.received}), 1)
        self.assertEqual(webhook.state, "healthy")

    def test_last_attempt_fails_the_event_then_the_subscription(self):
        webhook, _secret = self.subscribe(url=closed_port_url(), events=["updated"])
        partners = self.env["res.partner"].create([{"name": f"Failing {index}"} for index in range(5)])
        for partner in partners:
            partner.write({"name": partner.name + "!"})
        events = self.events(webhook)
        self.assertEqual(len(events), 5)
        events.write({"attempts": webhook_delivery.MAX_ATTEMPTS - 1})
        self.due_now(events)
        self.send()
        self.assertEqual(events.mapped("state"), ["failed"] * 5)
        self.assertEqual(events.mapped("attempts"), [webhook_delivery.MAX_ATTEMPTS] * 5)
        # one at a time, in capture order
        self.assertEqual(events.attempt_ids.sorted("id").event_id, events)
        self.assertEqual((webhook.state, webhook.failure_count), ("disabled", 5))
        self.assertIn("ConnectionError", webhook.last_error)
        self.assertEqual(self.env["rest.api.webhook"]._subscriptions(), {})  # captures nothing more

    def test_one_failed_event_makes_the_subscription_failing(self):
        webhook, _secret = self.subscribe(events=["updated"])
        self.receiver.statuses = [500]
        self.partner.write({"name": "Failing once"})
        event = self.events(webhook)
        event.write({"attempts": webhook_delivery.MAX_ATTEMPTS - 1})
        self.send()
        self.assertEqual((event.state, event.last_status, event.last_error), ("failed", 500, "HTTP 500"))
        self.assertEqual((webhook.state, webhook.failure_count), ("failing", 1))
        self.partner.write({"name": "Fine again"})
        self.send()
        self.assertEqual((webhook.state, webhook.failure_count), ("healthy", 0))

    def test_410_disables_the_subscription(self):
        webhook, _secret = self.subscribe(events=["updated"])
        self.receiver.statuses = [410]
        self.partner.write({"name": "Gone"})
        # without Discuss (mail), as here, the owner's notice is the server log's warning
        self.assertFalse(hasattr(self.env["res.partner"], "message_notify"))
        with self.assertLogs("odoo.addons.rest_api_core.models.rest_api_webhook", "WARNING") as logs:
            self.send()
        self.assertIn(f"REST API webhook test hook (id {webhook.id}): The receiver", logs.output[0])
        self.assertIn("410 Gone: it is disabled", logs.output[0])
        self.assertEqual(self.events(webhook).state, "failed")
        self.assertEqual(webhook.state, "disabled")
        self.partner.write({"name": "Unheard"})
        self.assertEqual(len(self.events(webhook)), 1)
        webhook.action_enable()
        self.assertEqual(webhook.state, "healthy")
        self.partner.write({"name": "Heard"})
        self.assertEqual(len(self.events(webhook)), 2)

    def test_private_targets_refused_without_the_setting(self):
        webhook, _secret = self.subscribe(events=["updated"])
        self.env["ir.config_parameter"].set_param(WEBHOOK_ALLOW_PRIVATE_PARAM, "False")
        for url in ("http://127.0.0.1/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://[::1]/x",
                    "http://localhost/x", "ftp://example.com/x", "http://user:pw@93.184.216.34/x"):  # fmt: skip
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.subscribe(url=url)
        webhook_delivery.check_target("http://93.184.216.34/x", allow_private=False)  # public: fine
        self.partner.write({"name": "Refused"})
        self.send()  # the subscription made while allowed is refused at delivery too
        event = self.events(webhook)
        self.assertIn("refused", event.last_error)
        self.assertFalse(self.receiver.received)


class TestReach(WebhookCase):
    def test_payload_is_what_the_key_may_read(self):
        """A field of a group the key's user lacks is left out; a record a rule hides is not sent."""
        # a field of a group the employee lacks (base has none on res.partner: give one, for this test)
        restricted = "function"
        self.patch(self.env["res.partner"]._fields[restricted], "groups", "base.group_system")
        group = self.env["res.groups"].create({"name": "REST webhook hides a partner"})
        hidden = self.env["res.partner"].create({"name": "Hidden"})
        self.env["ir.rule"].create(
            {
                "name": "hide one partner",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "groups": [Command.link(group.id)],
                "domain_force": f"[('id', '!=', {hidden.id})]",
            }
        )
        employee = new_test_user(self.env, login="rest_webhook_employee", groups="base.group_user")
        employee.groups_id = [Command.link(group.id)]
        employee_key = self.env["rest.api.key"].generate_api_key(
            {
                "name": "employee",
                "user_id": employee.id,
                "scope_mode": "specific",
                "access": [{"model": "res.partner", "read": True}],
            }
        )
        names = ["name", restricted]
        limited, limited_secret = self.subscribe(key_id=employee_key["id"], events=["updated"], fields=names)
        admin_key = self.env["rest.api.key"].generate_api_key(
            {"name": "admin", "user_id": self.env.ref("base.user_admin").id}
        )
        full, full_secret = self.subscribe(key_id=admin_key["id"], url=self.receiver.url + "/full", fields=names)
        (self.partner | hidden).write({restricted: "classified"})
        self.send()
        by_path = {}
        for path, (headers, body) in zip(self.receiver.paths, self.receiver.received, strict=True):
            self.assertTrue(verify(limited_secret if path == "/hook" else full_secret, headers, body))
            by_path.setdefault(path, []).append(json.loads(body)["data"])
        # the limited key: no field of a group its user lacks, no record a rule hides from it
        self.assertEqual(by_path["/hook"], [{"id": self.partner.id, "name": "Hooked"}])
        self.assertEqual(self.events(limited).filtered(lambda event: event.res_id == hidden.id).state, "skipped")
        # the administrator's key: both records, the field too
        self.assertEqual(
            sorted((data["id"], data[restricted]) for data in by_path["/hook/full"]),
            sorted([(self.partner.id, "classified"), (hidden.id, "classified")]),
        )
        self.assertEqual(len(self.events(full)), 2)

    def test_subscription_needs_the_key_to_read_the_model(self):
        with self.assertRaisesRegex(ValidationError, "may not read res.country"):
            self.subscribe(model="res.country")
        with self.assertRaisesRegex(ValidationError, "cannot be subscribed"):
            self.subscribe(model="rest.api.webhook.event")
        with self.assertRaisesRegex(ValidationError, "Unknown field"):
            self.subscribe(fields=["no_such_field"])
        with self.assertRaisesRegex(ValidationError, "may not read res.country"):  # a domain through a relation
            self.subscribe(domain=[("country_id.code", "=", "BE")])


class TestEndpoints(WebhookCase):
    def test_keys_allowed_to_manage_their_own_webhooks(self):
        secret_key = self.key["key"]
        body = {"name": "over REST", "url": self.receiver.url, "model": "res.partner", "events": ["updated"],
                "fields": ["name"]}  # fmt: skip
        self.assertProblem(self.api("POST", "/api/webhooks", key=secret_key, body=body), 403, "Manage Webhooks")
        self.env["rest.api.key"].browse(self.key["id"]).allow_webhooks = True
        # the answer holds the signing secret: an Idempotency-Key never stores it (nor replays it)
        retried = {"Idempotency-Key": "webhook-once"}
        created = self.assertJson(self.api("POST", "/api/webhooks", key=secret_key, body=body, headers=retried), 201)
        self.assertTrue(created["secret"].startswith("whsec_"))
        self.assertFalse(self.env["rest.api.idempotency"].sudo().search([]).filtered(
            lambda stored: created["secret"] in str(stored.read()[0])
        ))  # fmt: skip
        again = self.assertJson(self.api("POST", "/api/webhooks", key=secret_key, body=body, headers=retried), 201)
        self.assertNotEqual(again["id"], created["id"])
        self.env["rest.api.webhook"].browse(again["id"]).unlink()
        listed = self.assertJson(self.api("GET", "/api/webhooks", key=secret_key))
        self.assertEqual(
            [(hook["id"], hook["model"], hook["events"], hook["fields"], hook["state"]) for hook in listed],
            [(created["id"], "res.partner", ["updated"], ["name"], "healthy")],
        )
        self.assertNotIn("secret", listed[0])
        # the subscription's rules: a model out of the key's scope, an unknown member
        self.assertProblem(
            self.api("POST", "/api/webhooks", key=secret_key, body={**body, "model": "res.country"}), 422
        )
        self.assertProblem(self.api("POST", "/api/webhooks", key=secret_key, body={**body, "key_id": 1}), 400)
        # it delivers like any other
        self.partner.write({"name": "Over REST"})
        self.send()
        [(headers, raw)] = self.receiver.received
        self.assertTrue(verify(created["secret"], headers, raw))
        # another key's webhook is not this key's to delete
        other_key = self.env["rest.api.key"].generate_api_key({"name": "other", "user_id": self.manager.id})
        other, _secret = self.subscribe(key_id=other_key["id"])
        self.assertProblem(self.api("DELETE", f"/api/webhooks/{other.id}", key=secret_key), 404)
        self.assertJson(self.api("DELETE", f"/api/webhooks/{created['id']}", key=secret_key))
        self.assertFalse(self.env["rest.api.webhook"].browse(created["id"]).exists())
        self.assertTrue(other.exists())
