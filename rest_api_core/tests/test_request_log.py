"""The request log over real HTTP: what each mode keeps, outside the request's transaction, and
never a secret; retention; the pure redaction and sampling rules."""

import uuid
from datetime import timedelta

from odoo import fields, sql_db
from odoo.tests import BaseCase, tagged

from odoo.addons.rest_api_auth.tests.common import RestApiHttpCase, make_api_key

from .. import request_log, settings

SEARCH = "/api/res.partner/search"


def committed_rows(dbname, request_ids):
    """``{request_id: row}`` of the logged rows, read on a connection of its own: the writer commits
    them outside the test's transaction, which cannot see them."""
    request_log.flush(dbname)
    with sql_db.db_connect(dbname).cursor() as cr:
        cr.execute(
            f"SELECT * FROM {request_log.TABLE} WHERE request_id = ANY(%s)",  # noqa: S608
            [list(request_ids)],
        )
        return {row["request_id"]: row for row in cr.dictfetchall()}


@tagged("post_install", "-at_install")
class TestRequestLogModes(RestApiHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key, cls.secret = make_api_key(cls.env, cls.user, rate_limit=1, rate_period=3600, rate_burst=1)
        cls.partner = cls.env["res.partner"].create({"name": "REST log target"})

    def set_mode(self, mode, sample_percent=None):
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param(settings.LOG_MODE_PARAM, mode)
        if sample_percent is not None:
            parameters.set_param(settings.LOG_SAMPLE_PARAM, str(sample_percent))

    def call(self, method, path, secret, *, body=None, params=None, headers=None):
        """``(request id, response)`` of one request, sent with an X-Request-ID of its own."""
        request_id = f"log-test-{uuid.uuid4()}"
        headers = {"api-key": secret, "X-Request-ID": request_id, **(headers or {})}
        response = self.opener.request(
            method, self.base_url() + path, json=body, params=params, headers=headers, timeout=30
        )
        self.assertEqual(response.headers["X-Request-ID"], request_id)
        return request_id, response

    def unthrottled_secret(self):
        return make_api_key(self.env, self.user, rate_limit=0)

    def test_errors_only_is_the_default_and_logs_refusals_and_rollbacks_not_successes(self):
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param(settings.LOG_MODE_PARAM))
        key, secret = self.unthrottled_secret()
        ok, ok_response = self.call("GET", SEARCH, secret, params={"limit": 1})
        missing, missing_response = self.call("GET", "/api/res.partner/999999999", secret)
        unknown, unknown_response = self.call("GET", SEARCH, "not-a-key-" + uuid.uuid4().hex)
        admitted, _response = self.call("GET", SEARCH, self.secret, params={"limit": 1})
        throttled, throttled_response = self.call("GET", SEARCH, self.secret, params={"limit": 1})
        # the name is written, then the recursion check fails: the request is rolled back
        _admin_key, admin_secret = make_api_key(self.env, self.admin, rate_limit=0)
        rolled_back, rolled_back_response = self.call(
            "PUT", f"/api/res.partner/{self.partner.id}", admin_secret, body={"name": "x", "parent_id": self.partner.id}
        )
        answers = (ok_response, missing_response, unknown_response, throttled_response, rolled_back_response)
        statuses = [answer.status_code for answer in answers]
        self.assertEqual(statuses, [200, 404, 401, 429, 422])

        rows = committed_rows(self.env.cr.dbname, [ok, missing, unknown, admitted, throttled, rolled_back])
        self.assertEqual(set(rows), {missing, unknown, throttled, rolled_back})
        row = rows[missing]
        self.assertEqual(
            (row["method"], row["path"], row["route"], row["status"], row["key_id"], row["user_id"]),
            ("GET", "/api/res.partner/999999999", "/api/<string:model>/<int:record_id>", 404, key.id, self.user.id),
        )
        self.assertEqual(row["problem_type"], missing_response.json()["type"])
        self.assertEqual(row["client_address"], "127.0.0.1")
        self.assertEqual(row["response_size"], len(missing_response.content))
        self.assertGreater(row["duration_ms"], 0)
        self.assertIsNone(rows[unknown]["key_id"])
        self.assertEqual(rows[unknown]["status"], 401)
        # a refused request names the key that was verified: who is being throttled
        self.assertEqual((rows[throttled]["status"], rows[throttled]["key_id"]), (429, self.key.id))
        self.assertEqual((rows[rolled_back]["status"], rows[rolled_back]["method"]), (422, "PUT"))
        self.assertTrue(rows[rolled_back]["request_size"])

    def test_all_logs_every_request_and_off_none(self):
        self.set_mode(settings.LOG_MODE_ALL)
        _key, secret = self.unthrottled_secret()
        ok, _response = self.call("GET", SEARCH, secret, params={"limit": 1})
        missing, _response = self.call("GET", "/api/res.partner/999999999", secret)
        rows = committed_rows(self.env.cr.dbname, [ok, missing])
        self.assertEqual(set(rows), {ok, missing})
        self.assertEqual(
            (rows[ok]["status"], rows[ok]["route"], rows[ok]["query"]), (200, "/api/<string:model>/search", "limit=1")
        )
        self.assertIsNone(rows[ok]["problem_type"])

        self.set_mode(settings.LOG_MODE_OFF)
        quiet = [self.call("GET", "/api/res.partner/999999999", secret)[0], self.call("GET", SEARCH, secret)[0]]
        self.assertEqual(committed_rows(self.env.cr.dbname, quiet), {})

    def test_a_nul_in_the_path_or_query_is_logged_with_its_batch(self):
        """PostgreSQL text holds no NUL: one such row used to fail the whole batch it was flushed with."""
        _key, secret = self.unthrottled_secret()
        nul_path, nul_response = self.call("GET", "/api/res.partner/%00", secret)
        nul_query, _response = self.call("GET", SEARCH, secret, params={"domain": "\x00"})
        neighbour, _response = self.call("GET", "/api/res.partner/999999999", secret)
        self.assertEqual(nul_response.status_code, 400)
        rows = committed_rows(self.env.cr.dbname, [nul_path, nul_query, neighbour])
        self.assertEqual(set(rows), {nul_path, nul_query, neighbour})
        self.assertEqual(rows[nul_path]["path"], "/api/res.partner/\ufffd")
        self.assertNotIn("\x00", rows[nul_query]["query"] or "")

    def test_all_with_sampling_keeps_every_error(self):
        self.set_mode(settings.LOG_MODE_ALL, sample_percent=1)
        _key, secret = self.unthrottled_secret()
        missing = [self.call("GET", "/api/res.partner/999999999", secret)[0] for _ in range(3)]
        self.assertEqual(set(committed_rows(self.env.cr.dbname, missing)), set(missing))

    def test_no_secret_of_the_run_is_stored(self):
        self.set_mode(settings.LOG_MODE_ALL)
        _key, secret = make_api_key(self.env, self.user, rate_limit=0, allow_token_generation=True)
        request_id, response = self.call("POST", "/api/generate_token", secret, body={})
        token = response.json()["login_token"]
        wrong_key = "wrong-" + uuid.uuid4().hex
        password = "pw-" + uuid.uuid4().hex
        request_ids = [request_id]
        for path, headers, params in (
            (SEARCH, {"Login-Token": token}, {"limit": 1}),
            (SEARCH, {"Authorization": f"Bearer {token}", "Cookie": f"session_id={password}"}, None),
            (SEARCH, {"api-key": wrong_key}, {"api_key": wrong_key, "password": password, "login_token": token}),
            ("/api/res.users/search", {}, {"token": token, "x-api-key": secret, "limit": 1}),
        ):
            request_ids.append(self.call("GET", path, secret, params=params, headers=headers)[0])
        rows = committed_rows(self.env.cr.dbname, request_ids)
        self.assertEqual(set(rows), set(request_ids))
        self.assertIn(f"api_key={request_log.REDACTED}", rows[request_ids[3]]["query"])
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(f"SELECT t::text FROM {request_log.TABLE} t")  # noqa: S608 - every row of the run
            table = "\n".join(text for (text,) in cr.fetchall())
        for value in (secret, token, wrong_key, password, secret[:20], token.split(".")[2]):
            self.assertNotIn(value, table)


@tagged("post_install", "-at_install")
class TestRequestLogRetention(RestApiHttpCase):
    def test_rows_older_than_the_retention_are_deleted(self):
        self.env["ir.config_parameter"].sudo().set_param(settings.LOG_RETENTION_PARAM, "7")
        log = self.env["rest.api.request.log"]
        now = fields.Datetime.now()
        old, kept = log.create(
            [
                {"date": now - timedelta(days=8), "method": "GET", "path": "/api/old", "status": 200},
                {"date": now - timedelta(days=6), "method": "GET", "path": "/api/recent", "status": 200},
            ]
        )
        log._gc_request_log()
        self.assertFalse(old.exists())
        self.assertTrue(kept.exists())

    def test_deleting_a_key_keeps_its_rows_without_it(self):
        key, _secret = make_api_key(self.env, self.user)
        row = self.env["rest.api.request.log"].create(
            {"date": fields.Datetime.now(), "key_id": key.id, "method": "GET", "path": "/api/x", "status": 404}
        )
        key.unlink()
        row.invalidate_recordset()
        self.assertTrue(row.exists())
        self.assertFalse(row.key_id)


class TestRequestLogRules(BaseCase):
    def test_credential_parameters_are_redacted(self):
        query = "limit=1&api_key=S1&API-KEY=S2&token=S3&login_token=S4&password=S5&x_secret=S6&access_token=S7"
        query += "&fields=name"
        redacted = request_log.redact_query(query)
        self.assertEqual(
            redacted,
            "limit=1&api_key=[redacted]&API-KEY=[redacted]&token=[redacted]&login_token=[redacted]"
            "&password=[redacted]&x_secret=[redacted]&access_token=[redacted]&fields=name",
        )
        self.assertEqual(request_log.redact_query(b""), "")

    def test_modes(self):
        never, always = (lambda: 0.999), (lambda: 0.0)
        for mode, status, percent, draw, logged in (
            ("off", 500, 100, always, False),
            ("errors", 200, 100, always, False),
            ("errors", 404, 100, never, True),
            ("errors", 429, 100, never, True),
            ("all", 200, 100, never, True),
            ("all", 200, 10, never, False),
            ("all", 200, 10, always, True),
            ("all", 503, 1, never, True),
        ):
            with self.subTest(mode=mode, status=status, percent=percent):
                self.assertEqual(request_log.should_log(mode, status, percent, draw), logged)
