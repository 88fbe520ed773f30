"""The request log over real HTTP: what each mode keeps, outside the request's transaction, and
never a secret; retention; the pure redaction and sampling rules."""

import contextlib
import logging
import uuid
from datetime import timedelta

from odoo import fields, sql_db
from odoo.tests import BaseCase, tagged

from odoo.addons.rest_api_auth.tests.common import RestApiHttpCase, make_api_key

from .. import request_log, settings

SEARCH = "/api/res.partner/search"


# Loggers shown at DEBUG while the server log is captured: the API's own, Odoo's HTTP layer and its
# access log (request lines); the rest of the server at INFO.
VERBOSE_LOGGERS = ("odoo.addons.rest_api_core", "odoo.addons.rest_api_auth", "odoo.http", "werkzeug")


@contextlib.contextmanager
def captured_server_log():
    """Every message logged in this process (the test server's threads included), as text."""
    messages = []

    class Capture(logging.Handler):
        def emit(self, record):
            messages.append(self.format(record))

    handler = Capture(logging.DEBUG)
    loggers = [logging.getLogger(), *map(logging.getLogger, VERBOSE_LOGGERS)]
    levels = [logger.level for logger in loggers]
    loggers[0].setLevel(logging.INFO)
    for logger in loggers[1:]:
        logger.setLevel(logging.DEBUG)
    loggers[0].addHandler(handler)
    try:
        yield messages
    finally:
        loggers[0].removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


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
        _key, secret = self.unthrottled_secret()
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
        # the key and user are this test's, uncommitted: the row, stored from another connection, cannot
        # reference them (it names its key and user in livetests/test_live_request_log.py)
        self.assertEqual(
            (row["method"], row["path"], row["route"], row["status"], row["key_id"], row["user_id"]),
            ("GET", "/api/res.partner/999999999", "/api/<string:model>/<int:record_id>", 404, None, None),
        )
        self.assertEqual(row["problem_type"], missing_response.json()["type"])
        self.assertEqual(row["client_address"], "127.0.0.1")
        self.assertEqual(row["response_size"], len(missing_response.content))
        self.assertGreater(row["duration_ms"], 0)
        self.assertIsNone(rows[unknown]["key_id"])
        self.assertEqual(rows[unknown]["status"], 401)
        self.assertEqual(rows[throttled]["status"], 429)
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

    def test_no_secret_of_the_run_is_stored_or_logged(self):
        """With error bodies captured too: no secret sent in the run in the table nor in the server log."""
        self.set_mode(settings.LOG_MODE_ALL)
        self.env["ir.config_parameter"].sudo().set_param(settings.LOG_BODIES_PARAM, "True")
        server_log = self.enterContext(captured_server_log())
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
        # error bodies carrying secrets: a create refused (no such field), a password-checking call (403)
        refused, response = self.call(
            "POST",
            "/api/res.partner/create",
            secret,
            body={"name": "Body", "no_such_field": 1, "password": password, "x_api_key": wrong_key,
                  "child_ids": [[0, 0, {"name": "Child", "auth_token": token, "Authorization": secret}]]},
        )  # fmt: skip
        self.assertEqual(response.status_code, 400, response.text)
        denied, response = self.call(
            "POST", "/api/res.users/execute_kw", secret, body={"method": "change_password", "args": [password, token]}
        )
        self.assertEqual(response.status_code, 403, response.text)
        request_ids += [refused, denied]
        rows = committed_rows(self.env.cr.dbname, request_ids)
        self.assertEqual(set(rows), set(request_ids))
        self.assertIn(f"api_key={request_log.REDACTED}", rows[request_ids[3]]["query"])
        body = rows[refused]["request_body"]
        self.assertIn('"no_such_field": 1', body)
        self.assertIn('"password": "[redacted]"', body)
        self.assertIn('"auth_token": "[redacted]"', body)
        self.assertIn('"name": "Child"', body)
        self.assertEqual(
            rows[denied]["request_body"], '{"method": "change_password", "args": "[redacted]", "kwargs": "[redacted]"}'
        )
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(f"SELECT t::text FROM {request_log.TABLE} t")  # noqa: S608 - every row of the run
            table = "\n".join(text for (text,) in cr.fetchall())
        log = "\n".join(server_log)
        self.assertIn("/api/res.partner/create", log, "the server log was captured")
        for value in (secret, token, wrong_key, password, secret[:20], token.split(".")[2]):
            self.assertNotIn(value, table)
            self.assertNotIn(value, log)

    def test_error_bodies_are_kept_only_when_asked(self):
        _key, secret = self.unthrottled_secret()
        body = {"name": "Off", "no_such_field": 1}
        off, _response = self.call("POST", "/api/res.partner/create", secret, body=body)
        self.env["ir.config_parameter"].sudo().set_param(settings.LOG_BODIES_PARAM, "True")
        on, _response = self.call("POST", "/api/res.partner/create", secret, body=body)
        unread, _response = self.call("POST", "/api/res.partner/create", "not-a-key-" + uuid.uuid4().hex, body=body)
        rows = committed_rows(self.env.cr.dbname, [off, on, unread])
        self.assertIsNone(rows[off]["request_body"])
        self.assertEqual(rows[on]["request_body"], '{"name": "Off", "no_such_field": 1}')
        self.assertIsNone(rows[unread]["request_body"], "a body refused before it was read is never read")

    def test_no_key_reads_the_log_through_the_api(self):
        """It holds every client's addresses, paths and keys: not even an administrator's key of scope all."""
        self.set_mode(settings.LOG_MODE_ALL)
        _key, admin_secret = make_api_key(self.env, self.admin, rate_limit=0)
        logged, _response = self.call("GET", "/api/rest.api.request.log/999999999", admin_secret)
        row_id = (
            self.env["rest.api.request.log"]
            .sudo()
            .create({"date": fields.Datetime.now(), "method": "GET", "path": "/api/x", "status": 404})
            .id
        )
        for method, path, body in (
            ("GET", "/api/rest.api.request.log/search", None),
            ("GET", f"/api/rest.api.request.log/{row_id}", None),
            ("GET", "/api/rest.api.request.log/record_count", None),
            ("GET", "/api/rest.api.request.log/schema", None),
            ("DELETE", f"/api/rest.api.request.log/{row_id}", None),
            ("POST", "/api/rest.api.request.log/execute_kw", {"method": "search_read", "args": [[]]}),
            ("GET", "/api/rest.api.usage.daily/search", None),
        ):
            with self.subTest(method=method, path=path):
                _request_id, response = self.call(method, path, admin_secret, body=body)
                self.assertEqual(response.status_code, 403, response.text)
                self.assertIn("the request log holds every client's requests", response.json()["detail"])
        self.assertTrue(self.env["rest.api.request.log"].sudo().browse(row_id).exists())
        self.assertEqual(committed_rows(self.env.cr.dbname, [logged])[logged]["status"], 403)


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

    def test_a_key_revoked_by_its_user_leaves_no_missing_record_behind(self):
        """Revoked in the user's preferences, the key goes by PostgreSQL's cascade (no ORM override
        sees it): its rows lose the reference and the views grouping by key still read (they raised
        'Missing Record'); a batch flushed after the deletion stores no reference to it either."""
        key, _secret = make_api_key(self.env, self.user)
        log = self.env["rest.api.request.log"]
        row = log.create(
            {"date": fields.Datetime.now(), "key_id": key.id, "method": "GET", "path": "/api/x", "status": 404}
        )
        key_id, request_id = key.id, f"gone-{uuid.uuid4()}"
        key.native_key_id.with_user(self.user)._remove()
        self.env.invalidate_all()
        self.assertFalse(key.exists())
        self.assertFalse(row.key_id)
        request_log.insert_rows(
            self.env.cr,
            [{"date": str(fields.Datetime.now()), "key_id": key_id, "user_id": self.user.id, "method": "GET",
              "path": "/api/x", "status": 404, "request_id": request_id}],
        )  # fmt: skip
        stored = log.search([("request_id", "=", request_id)])
        self.assertEqual((stored.key_id, stored.user_id), (key.browse(), self.user))
        groups = log.web_read_group([("id", "in", (row | stored).ids)], ["key_id"], ["key_id"])["groups"]
        self.assertEqual([group["key_id"] for group in groups], [False])


class TestRequestLogRules(BaseCase):
    def test_error_bodies_are_redacted(self):
        redacted = request_log.redact_body(
            b'{"login": "a", "Password": "S1", "nested": [{"api-key": "S2", "secret_code": "S3", "keyword": "k"}],'
            b' "key": "S4", "token": "S5", "Authorization": "S6", "new_passwd": "S7"}',
            "application/json",
        )
        self.assertEqual(
            redacted,
            '{"login": "a", "Password": "[redacted]", "nested": [{"api-key": "[redacted]", "secret_code": "[redacted]",'
            ' "keyword": "k"}], "key": "[redacted]", "token": "[redacted]", "Authorization": "[redacted]",'
            ' "new_passwd": "[redacted]"}',
        )
        self.assertEqual(request_log.redact_body(b"login=a&password=S1", "application/x-www-form-urlencoded"),
                         "login=a&password=[redacted]")  # fmt: skip
        self.assertEqual(request_log.redact_body(b"password: S1", "text/plain"), "[12 bytes of text/plain, not JSON]")
        self.assertEqual(request_log.redact_body(b'{"password": "S1"', "application/json"),
                         "[17 bytes of application/json, not JSON]")  # fmt: skip
        self.assertEqual(len(request_log.redact_body(b'["' + b"x" * 5000 + b'"]', None)), request_log.MAX_BODY)
        self.assertIsNone(request_log.redact_body(b"", "application/json"))

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
        # nothing credential-like: kept as sent, not re-encoded
        harmless = "fields=%5B%22name%22%5D&limit=5&domain=%5B%5D"
        self.assertEqual(request_log.redact_query(harmless), harmless)
        # encoded names are decoded before they are judged
        self.assertEqual(request_log.redact_query("%61pi_key=S8&p%61ssword=S9&limit=1"),
                         "api_key=[redacted]&password=[redacted]&limit=1")  # fmt: skip
        self.assertEqual(request_log.redact_query("x+api=S10"), "x+api=S10")  # parsed (a plus in a name), harmless
        self.assertEqual(request_log.redact_query("fields=%5B%22token_count%22%5D"), "fields=[%22token_count%22]")

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
