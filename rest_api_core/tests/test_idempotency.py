"""Idempotency-Key on the writing endpoints: one effect per key, replays, refusals, expiry."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .. import uninstall_hook
from ..idempotency import parse_key
from ..models.rest_api_idempotency import CLAIM_FUNCTION, STORE_FUNCTION
from ..models.rest_api_webhook_event import CAPTURE_FUNCTION
from .common import RestApiCase


@tagged("post_install", "-at_install")
class TestIdempotency(RestApiCase):
    def post(self, key, body, api_key=None):
        return self.api("POST", "/api/res.partner/create", key=api_key, body=body, headers={"Idempotency-Key": key})

    def partners(self, name):
        self.env.invalidate_all()
        return self.env["res.partner"].search([("name", "=", name)])

    def stored(self, key):
        self.env.invalidate_all()
        return self.env["rest.api.idempotency"].sudo().search([("idempotency_key", "=", key)])

    def test_same_key_and_body_twice_is_one_record_and_a_replay(self):
        key = str(uuid.uuid4())
        first = self.post(key, {"name": "Idem once"})
        body = self.assertJson(first, 201)
        self.assertNotIn("Idempotent-Replayed", first.headers)
        second = self.post(key, {"name": "Idem once"})
        self.assertEqual(self.assertJson(second, 201), body)
        self.assertEqual(second.headers["Idempotent-Replayed"], "true")
        self.assertEqual(second.headers["Location"], first.headers["Location"])
        self.assertEqual(self.partners("Idem once").ids, [body["id"]])
        # the structured-field form of the same key replays too
        quoted = self.post(f'"{key}"', {"name": "Idem once"})
        self.assertEqual(quoted.headers.get("Idempotent-Replayed"), "true")

    def test_without_a_key_each_request_has_its_effect(self):
        self.assertJson(self.api("POST", "/api/res.partner/create", body={"name": "Idem none"}), 201)
        self.assertJson(self.api("POST", "/api/res.partner/create", body={"name": "Idem none"}), 201)
        self.assertEqual(len(self.partners("Idem none")), 2)

    def test_same_key_with_another_body_or_path_is_a_422(self):
        key = str(uuid.uuid4())
        self.assertJson(self.post(key, {"name": "Idem first"}), 201)
        self.assertProblem(self.post(key, {"name": "Idem other"}), 422, "used for another request")
        partner = self.partners("Idem first")
        response = self.api("PATCH", f"/api/res.partner/{partner.id}", body={"name": "Idem first"},
                            headers={"Idempotency-Key": key})  # fmt: skip
        self.assertProblem(response, 422, "used for another request")
        self.assertFalse(self.partners("Idem other"))

    def test_another_api_key_never_replays(self):
        key = str(uuid.uuid4())
        first = self.assertJson(self.post(key, {"name": "Idem per key"}), 201)
        second_key = self.api_key_for(self.manager)  # same user, another API key
        other = self.post(key, {"name": "Idem per key"}, api_key=second_key)
        self.assertNotIn("Idempotent-Replayed", other.headers)
        self.assertNotEqual(self.assertJson(other, 201)["id"], first["id"])
        self.assertEqual(len(self.partners("Idem per key")), 2)

    def test_a_deleted_keys_responses_replay_for_nobody_and_the_cron_drops_them(self):
        key = str(uuid.uuid4())
        doomed = self.api_key_for(self.manager)
        first = self.assertJson(self.post(key, {"name": "Idem deleted key"}, api_key=doomed), 201)
        stored = self.stored(key)
        self.env["res.users.apikeys"].browse(stored.native_key_id).with_user(self.manager)._remove()
        self.assertTrue(stored.exists())  # no foreign key: the row waits for the cron
        self.assertProblem(self.post(key, {"name": "Idem deleted key"}, api_key=doomed), 401)
        # the next key never has the deleted one's id (a sequence), so nobody reaches that row
        successor = self.api_key_for(self.manager)
        again = self.post(key, {"name": "Idem deleted key"}, api_key=successor)
        self.assertNotIn("Idempotent-Replayed", again.headers)
        self.assertNotEqual(self.assertJson(again, 201)["id"], first["id"])
        self.assertGreater(self.stored(key).filtered(lambda row: row != stored).native_key_id, stored.native_key_id)
        self.env["rest.api.idempotency"]._gc_expired()
        self.assertFalse(stored.exists())
        self.assertEqual(len(self.stored(key)), 1)  # the live key's response stays

    def test_a_failed_request_stores_nothing_and_runs_again(self):
        key = str(uuid.uuid4())
        self.assertProblem(self.post(key, {"name": "Idem failed", "no_such_field": 1}), 400)
        self.assertFalse(self.stored(key))
        self.assertProblem(self.post(key, {"name": "Idem failed", "no_such_field": 1}), 400)
        # Odoo refuses it on its data (422), then the client fixes the data: the same request now succeeds
        parent = self.env["res.partner"].create({"name": "Idem parent"})
        body = {"name": "Idem fixed", "parent_id": parent.id}
        parent_id = parent.id
        parent.unlink()
        self.assertProblem(self.post(key, {"name": "Idem fixed", "parent_id": parent_id}), 422)
        self.assertFalse(self.stored(key))
        body["parent_id"] = self.env["res.partner"].create({"name": "Idem parent 2"}).id
        self.assertJson(self.post(key, body), 201)
        self.assertEqual(len(self.stored(key)), 1)
        self.assertEqual(len(self.partners("Idem fixed")), 1)

    def test_update_delete_and_execute_kw_replay(self):
        partner = self.env["res.partner"].create({"name": "Idem target"})
        path = f"/api/res.partner/{partner.id}"
        key = str(uuid.uuid4())
        for _attempt in range(2):
            response = self.api("PATCH", path, body={"name": "Idem patched"}, headers={"Idempotency-Key": key})
            self.assertJson(response, 200)
        self.assertEqual(response.headers["Idempotent-Replayed"], "true")
        key = str(uuid.uuid4())
        call = {"method": "copy", "args": [[partner.id]], "kwargs": {"default": {"name": "Idem copy"}}}
        answers = [
            self.api("POST", "/api/res.partner/execute_kw", body=call, headers={"Idempotency-Key": key})
            for _attempt in range(2)
        ]
        self.assertEqual(self.assertJson(answers[0]), self.assertJson(answers[1]))
        self.assertEqual(len(self.partners("Idem copy")), 1)
        key = str(uuid.uuid4())
        first = self.api("DELETE", path, headers={"Idempotency-Key": key})
        self.assertJson(first)
        again = self.api("DELETE", path, headers={"Idempotency-Key": key})
        self.assertJson(again)  # not a 404: the first answer
        self.assertEqual(again.headers["Idempotent-Replayed"], "true")

    def test_concurrent_retries_have_one_effect(self):
        key = str(uuid.uuid4())
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _i: self.post(key, {"name": "Idem concurrent"}), range(4)))
        statuses = sorted(answer.status_code for answer in answers)
        self.assertTrue(set(statuses) <= {201, 409}, statuses)
        created = [answer for answer in answers if answer.status_code == 201]
        self.assertEqual(len({answer.json()["id"] for answer in created}), 1)
        self.assertEqual(sum("Idempotent-Replayed" not in answer.headers for answer in created), 1)
        self.assertEqual(len(self.partners("Idem concurrent")), 1)

    def test_keys_expire_and_the_cron_drops_them(self):
        key = str(uuid.uuid4())
        first = self.assertJson(self.post(key, {"name": "Idem expiring"}), 201)
        stored = self.stored(key)
        self.env["ir.config_parameter"].sudo().set_param("rest_api.idempotency_ttl", "2")
        stored.write({"created_at": fields.Datetime.now() - timedelta(hours=1)})
        self.env["rest.api.idempotency"]._gc_expired()
        self.assertTrue(stored.exists())
        self.assertEqual(self.post(key, {"name": "Idem expiring"}).headers["Idempotent-Replayed"], "true")
        stored.write({"created_at": fields.Datetime.now() - timedelta(hours=3)})
        # expired but not dropped yet: the request runs again, its new answer replaces the old one
        again = self.assertJson(self.post(key, {"name": "Idem expiring"}), 201)
        self.assertNotEqual(again["id"], first["id"])
        self.assertEqual(len(self.stored(key)), 1)
        self.stored(key).write({"created_at": fields.Datetime.now() - timedelta(hours=3)})
        cron = self.env.ref("rest_api_core.ir_cron_idempotency_gc")
        cron.method_direct_trigger()
        self.assertFalse(self.stored(key))

    def test_malformed_keys_are_a_400(self):
        for key in ("", "x" * 256, "caf\u00e9", "a b", "tab\there"):
            with self.subTest(key=key):
                response = self.post(key.encode().decode("latin-1"), {"name": "Idem malformed"})
                self.assertProblem(response, 400, "Idempotency-Key")
        self.assertFalse(self.partners("Idem malformed"))
        self.assertEqual(parse_key("x" * 255), "x" * 255)
        self.assertIsNone(parse_key(None))

    def test_reads_ignore_the_header_and_no_key_reaches_the_stored_responses(self):
        response = self.api("GET", "/api/res.partner/record_count", headers={"Idempotency-Key": "read"})
        self.assertJson(response)
        self.assertFalse(self.stored("read"))
        for path in ("/api/rest.api.idempotency/search", "/api/rest.api.idempotency/record_count"):
            self.assertProblem(self.api("GET", path, key=self.admin_key), 403, "retries")

    def test_uninstall_drops_the_functions(self):
        def functions():
            names = (CLAIM_FUNCTION, STORE_FUNCTION, CAPTURE_FUNCTION)
            self.env.cr.execute("SELECT count(*) FROM pg_proc WHERE proname IN %s", [names])
            return self.env.cr.fetchone()[0]

        self.assertEqual(functions(), 3)
        uninstall_hook(self.env)  # inside the test transaction, rolled back afterwards
        self.assertEqual(functions(), 0)
