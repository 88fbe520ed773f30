"""The request log: one row per ``/api`` request, kept outside the request's transaction.

Why not the request's cursor: a request that fails is rolled back, and those
are the requests an administrator most wants to see (401, 429, 5xx). Why not
one INSERT per request: it would cost every request a round trip. Rows are
therefore buffered in the process and inserted by a background thread
(``rest_api_auth.batching.BatchWriter``, as the key usage counts), in
one statement per database, every :data:`FLUSH_INTERVAL` seconds or as soon
as :data:`FLUSH_ROWS` are waiting, and when the process exits. The thread
borrows a connection of Odoo's pool (never the request's), so the rows
commit on their own.

What a row never holds: response bodies, headers, the key, a login token or a
password. The query string is kept with the value of every parameter that may
carry a credential replaced by ``[redacted]``. Request bodies only by opt-in
(``rest_api.request_log_error_bodies``), only of errors, only a body the
endpoint itself read (never one of a request refused before, e.g. a 401), at
most :data:`MAX_BODY` characters, secret-looking members redacted
(:func:`redact_body`).

Rows lag by up to the interval; a process killed outright (past
``--limit-time-real``) loses its last interval. When the database cannot take
the rows they are kept for the next try, up to :data:`MAX_PENDING` per
database (the oldest are dropped beyond, and the loss is logged).
"""

import json
import logging
import random
import time
import urllib.parse
from datetime import UTC, datetime

from odoo import sql_db
from odoo.modules.registry import Registry

from odoo.addons.rest_api_auth import events
from odoo.addons.rest_api_auth.batching import BatchWriter
from odoo.addons.rest_api_auth.credentials import API_KEY_HEADERS, LOGIN_TOKEN_HEADERS
from odoo.addons.rest_api_auth.scope import DENIED_METHODS

from . import metrics, settings

_logger = logging.getLogger(__name__)

FLUSH_INTERVAL = 5  # seconds
FLUSH_ROWS = 200  # a busy process flushes sooner
MAX_PENDING = 10000  # rows per database kept while the database cannot take them
WARNING_INTERVAL = 60  # seconds between two warnings about failed flushes
MAX_TEXT = 2048  # characters kept of a path, a query string, a problem type
MAX_BODY = 2048  # characters kept of an error's request body (opt-in)
MAX_PARSED_BODY = 1024 * 1024  # bytes: a larger body is not parsed for redaction, hence not kept
REDACTED = "[redacted]"

# Query parameters whose value is never stored: the credential headers' names (some
# clients put them in the URL), and the usual names of secrets.
SECRET_PARAMS = frozenset(
    name.lower().replace("-", "_")
    for name in (*API_KEY_HEADERS, *LOGIN_TOKEN_HEADERS, "access_token", "apikey", "key", "password", "secret")
)
SECRET_WORDS = ("password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "session")
_SECRET_SUBSTRINGS = tuple(sorted({*SECRET_PARAMS, *SECRET_WORDS}))

TABLE = "rest_api_request_log"
COLUMNS = (
    "date",
    "key_id",
    "user_id",
    "method",
    "route",
    "path",
    "query",
    "status",
    "duration_ms",
    "request_id",
    "client_address",
    "request_size",
    "response_size",
    "problem_type",
    "request_body",
)


def is_secret_param(name):
    normalized = name.strip().lower().replace("-", "_")
    return normalized in SECRET_PARAMS or any(word in normalized for word in SECRET_WORDS)


def _plainly_harmless(query_string):
    """Whether no parameter of ``query_string`` can be credential-like, without parsing it: none of
    the secret names or words occurs anywhere in it, and no name is percent- or plus-encoded (the
    common case, kept as sent at a fraction of the cost of parsing and re-encoding it)."""
    lowered = query_string.lower().replace("-", "_")
    if any(word in lowered for word in _SECRET_SUBSTRINGS):
        return False
    return not any("%" in name or "+" in name for name, _sign, _value in map(_split_pair, query_string.split("&")))


def _split_pair(pair):
    return pair.partition("=")


def redact_query(query_string):
    """``query_string`` with the value of every credential-like parameter replaced by ``[redacted]``."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    if not query_string:
        return ""
    if _plainly_harmless(query_string):
        return query_string[:MAX_TEXT]
    pairs = urllib.parse.parse_qsl(query_string, keep_blank_values=True)
    redacted = [(name, REDACTED if is_secret_param(name) else value) for name, value in pairs]
    return urllib.parse.urlencode(redacted, safe="[]/,:")[:MAX_TEXT]


def _redact_value(value):
    if isinstance(value, dict):
        return {name: REDACTED if is_secret_param(str(name)) else _redact_value(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_redact_value(item) for item in value]
    return value


def redact_body(body, mimetype):
    """An error's request ``body`` as the log keeps it: JSON with the value of every member whose
    name looks like a secret replaced by ``[redacted]`` (at any depth), or a form with its
    credential fields redacted; anything else only as its size. ``execute_kw`` calls of the
    methods that take a password (``scope.DENIED_METHODS``) lose their arguments."""
    if not body:
        return None
    size = f"[{len(body)} bytes of {mimetype or 'unknown type'}"
    if len(body) > MAX_PARSED_BODY:
        return f"{size}, too large to redact]"
    if mimetype == "application/x-www-form-urlencoded":
        return _text(redact_query(body))[:MAX_BODY]
    try:
        value = json.loads(body)
    except ValueError:
        return f"{size}, not JSON]"
    if isinstance(value, dict) and any(value.get("method") in methods for methods in DENIED_METHODS.values()):
        value = {**value, "args": REDACTED, "kwargs": REDACTED}
    return _text(json.dumps(_redact_value(value), ensure_ascii=False))[:MAX_BODY]


def should_log(mode, status, sample_percent, draw=random.random):
    """Whether a request answered with ``status`` is logged under ``mode``.

    "errors": 4xx and 5xx only. "all": every error, and the other requests
    sampled at ``sample_percent`` percent.
    """
    if mode == settings.LOG_MODE_OFF:
        return False
    if status >= 400:
        return True
    return mode == settings.LOG_MODE_ALL and (sample_percent >= 100 or draw() * 100 < sample_percent)


class LogWriter(BatchWriter):
    """Rows and request counters waiting in this process, stored by a background thread
    (see the module's docstring; the counters are what ``/api/metrics`` shows).

    ``pending``: ``{dbname: [row dict]}``; ``counters``: ``{dbname: {(route, method, status):
    [requests, duration ms, [per bucket]]}}``; ``events``: ``{dbname: {(name, outcome): count}}``.
    """

    interval = FLUSH_INTERVAL
    thread_name = "rest_api request log"

    def _reset(self):
        result = super()._reset()
        self.counters = {}
        self.events = {}
        self.dropped = {}  # dbname -> rows dropped since the last warning
        self.last_warning = 0.0
        return result

    def add(self, dbname, row=None, *, counter_key, duration_ms):
        """Count a request under ``counter_key`` and, when it is logged, keep its ``row``."""
        with self.lock:
            counters = self.counters.setdefault(dbname, {})
            counter = counters.get(counter_key)
            if counter is None:
                counter = counters[counter_key] = [0, 0.0, [0] * (len(metrics.BUCKETS_MS) + 1)]
            counter[0] += 1
            counter[1] += duration_ms
            counter[2][metrics.bucket_index(duration_ms)] += 1
            rows = self.pending.setdefault(dbname, [])
            if row is not None:
                rows.append(row)
                if len(rows) > MAX_PENDING:
                    del rows[0]
                    self.dropped[dbname] = self.dropped.get(dbname, 0) + 1
            self._ensure_thread()
        if len(rows) >= FLUSH_ROWS:
            self.wake.set()

    def count_event(self, dbname, name, outcome):
        """Count an event that is not a request (see ``metrics.EVENT_HELP``)."""
        with self.lock:
            events = self.events.setdefault(dbname, {})
            events[name, outcome] = events.get((name, outcome), 0) + 1
            self._ensure_thread()

    def _databases(self):
        with self.lock:
            return list(set(self.pending) | set(self.counters) | set(self.events))

    def _take(self, dbname):
        batch = (self.pending.pop(dbname, None) or [], self.counters.pop(dbname, None) or {})
        batch += (self.events.pop(dbname, None) or {},)
        return batch if any(batch) else None

    def _store(self, dbname, batch):
        rows, counters, events = batch
        with sql_db.db_connect(dbname).cursor() as cr:
            if rows:
                insert_rows(cr, rows)
            if counters:
                metrics.add_counters(cr, counters)
            if events:
                metrics.add_events(cr, events)

    def _drop(self, dbname, batch, error):
        """Rows PostgreSQL cannot store would fail every retry: drop them, keep the counters."""
        rows, counters, events = batch
        self._put_back(dbname, [], counters, events)
        with self.lock:
            self.dropped[dbname] = self.dropped.get(dbname, 0) + len(rows)
        self._warn(dbname, error)

    def _keep(self, dbname, batch, error):
        self._put_back(dbname, *batch)
        self._warn(dbname, error)

    def _put_back(self, dbname, rows, counters, events):
        with self.lock:
            kept_events = self.events.setdefault(dbname, {})
            for event, n in events.items():
                kept_events[event] = kept_events.get(event, 0) + n
            kept = self.counters.setdefault(dbname, {})
            for counter_key, (requests, duration, buckets) in counters.items():
                counter = kept.setdefault(counter_key, [0, 0.0, [0] * len(buckets)])
                counter[0] += requests
                counter[1] += duration
                counter[2] = [a + b for a, b in zip(counter[2], buckets, strict=True)]
            pending = self.pending.setdefault(dbname, [])
            pending[:0] = rows
            excess = len(pending) - MAX_PENDING
            if excess > 0:
                del pending[:excess]
                self.dropped[dbname] = self.dropped.get(dbname, 0) + excess

    def _warn(self, dbname, error):
        now = time.monotonic()
        if now - self.last_warning < WARNING_INTERVAL:
            return
        self.last_warning = now
        with self.lock:
            dropped = self.dropped.pop(dbname, 0)
        _logger.warning(
            "REST API request log of database %s not stored (kept for the next try, %d rows dropped): %s",
            dbname,
            dropped,
            str(error).strip(),
        )


# a reference to a key or user deleted since the request is stored empty (the columns' foreign keys)
REFERENCES = {"key_id": "rest_api_key", "user_id": "res_users"}


def insert_rows(cr, rows):
    """One INSERT of ``rows`` (dicts of :data:`COLUMNS`), whatever their number."""
    columns = ", ".join(COLUMNS)
    values = ", ".join(f"{REFERENCES[name]}.id" if name in REFERENCES else f"logged.{name}" for name in COLUMNS)
    joins = " ".join(f"LEFT JOIN {table} ON {table}.id = logged.{name}" for name, table in REFERENCES.items())
    rowset = f"json_populate_recordset(NULL::{TABLE}, %s) logged"
    cr.execute(
        f"INSERT INTO {TABLE} ({columns}) SELECT {values} FROM {rowset} {joins}",  # noqa: S608 - constant names
        [json.dumps(rows)],
    )


class RedactedRequestLine(logging.Filter):
    """Odoo's access log (logger ``werkzeug``) shows each request line: redact its ``/api`` query strings."""

    def filter(self, record):
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str) and "?" in args[0]:
            method, _space, rest = args[0].partition(" ")
            target, _space, version = rest.rpartition(" ")
            path, _mark, query = target.partition("?")
            if path == "/api" or path.startswith("/api/"):
                record.args = (f"{method} {path}?{redact_query(query)} {version}", *args[1:])
        return True


logging.getLogger("werkzeug").addFilter(RedactedRequestLine())

_writer = LogWriter()


def _count_throttle_store_error(dbname, outcome):
    """Counted only for a database with this addon (and its tables): loaded server-wide, this
    module also runs for databases that have ``rest_api_auth`` alone, or none of the addons."""
    registry = Registry.registries.get(dbname)
    if registry is not None and "rest_api_core" in registry._init_modules:
        _writer.count_event(dbname, metrics.THROTTLE_STORE_ERRORS, outcome)


events.subscribe(events.THROTTLE_STORE_ERROR, _count_throttle_store_error)


def count_webhook_delivery(dbname, outcome):
    """Count one webhook delivery attempt of ``dbname`` (stored with the request counters)."""
    _writer.count_event(dbname, metrics.WEBHOOK_DELIVERIES, outcome)


def flush(dbname):
    """Store this process's waiting rows and counts of ``dbname`` now (as the thread does every few seconds)."""
    _writer.flush(dbname)


_VERIFIED_KEY_ATTRIBUTE = "rest_api_core_verified_key"
_BODY_ATTRIBUTE = "rest_api_core_body"


def remember_verified_key(http_request, key):
    """Keep the key verified for this request, so that its refusal (a 429, a 403) is logged with it."""
    setattr(http_request, _VERIFIED_KEY_ATTRIBUTE, key)


def remember_body(http_request, body):
    """Keep the body the endpoint read (authenticated, within the size limit), should an error log it."""
    setattr(http_request, _BODY_ATTRIBUTE, body)


def record(request, auth, response, started, request_id):
    """Count the request ``response`` answers, and log it if the settings say so (no database round trip).

    ``auth`` is the request's AuthContext, None when it was refused before; the
    row then names the key that was verified, if any. Never raises: a failure
    to log must not fail the request.
    """
    try:
        if request.db and "rest_api_core" in request.registry._init_modules:
            key = auth.key if auth is not None else getattr(request, _VERIFIED_KEY_ATTRIBUTE, None)
            _record(request, response, uid=auth and auth.uid, key=key, started=started, request_id=request_id)
    except Exception:
        _logger.exception("REST API request log: request %s not logged", request_id)


def _record(request, response, *, uid, key, started, request_id):
    env = request.env
    httprequest = request.httprequest
    status = response.status_code
    duration_ms = round((time.perf_counter() - started) * 1000, 3)
    route = _route(env, httprequest.path)
    method = httprequest.method[:16]
    mode, sample_percent = settings.request_log_mode(env)
    row = None
    if should_log(mode, status, sample_percent):
        key_id, user_id = (key.api_key_id, uid or key.uid) if key is not None else (None, uid or None)
        row = make_row(
            httprequest,
            response,
            key_id=key_id,
            user_id=user_id,
            route=route,
            duration_ms=duration_ms,
            request_id=request_id,
        )
        body = getattr(request, _BODY_ATTRIBUTE, None)
        if body and status >= 400 and settings.request_log_error_bodies(env):
            row["request_body"] = redact_body(body, httprequest.mimetype)
    _writer.add(env.cr.dbname, row, counter_key=(route or "", method, status), duration_ms=duration_ms)


def make_row(httprequest, response, *, key_id, user_id, route, duration_ms, request_id):
    """The row (plain values for :func:`insert_rows`) of the request ``httprequest`` answered by
    ``response`` (werkzeug's request and response, or Odoo's wrappers of them)."""
    return {
        "date": datetime.now(UTC).replace(tzinfo=None).isoformat(" "),  # naive UTC, as Odoo stores it
        "key_id": key_id,
        "user_id": user_id,
        "method": httprequest.method[:16],
        "route": route,
        "path": _text(httprequest.path),
        "query": _text(redact_query(httprequest.query_string)) or None,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "request_id": _text(request_id),
        "client_address": httprequest.remote_addr,
        "request_size": httprequest.content_length,
        "response_size": _response_size(response),
        "problem_type": _problem_type(response),
        "request_body": None,
    }


def _text(value):
    """A client's text as PostgreSQL can store it: no NUL character (one would fail the whole
    batch of rows), at most :data:`MAX_TEXT` characters."""
    return value and value.replace("\x00", "\ufffd")[:MAX_TEXT]


def _route(env, path):
    """The route template (``/api/<string:model>/<int:record_id>``) the path matched, if any."""
    try:
        rule, _args = env["ir.http"]._match(path)
    except Exception:
        return None
    return rule.rule[:MAX_TEXT]


def _response_size(response):
    if response.content_length is not None:
        return response.content_length
    return None if response.is_streamed else len(response.get_data())


def _problem_type(response):
    if response.status_code < 400 or "problem+json" not in (response.content_type or ""):
        return None
    try:
        problem = json.loads(response.get_data())
    except ValueError:
        return None
    kind = problem.get("type") if isinstance(problem, dict) else None
    return kind[:MAX_TEXT] if isinstance(kind, str) else None
