"""Throttling: per-key GCRA and per-IP failed-authentication limits, in PostgreSQL.

Why PostgreSQL, and why not the request's cursor:

* Odoo runs several worker processes on several hosts, so any in-process
  counter would multiply the limit and reset on every worker recycle. The
  state is one row per bucket in an UNLOGGED table (``rest.api.throttle``
  creates it), shared by every process that reaches the database.
* Odoo runs requests at REPEATABLE READ and replays them on serialization
  failures; a counter written through the request cursor would be lost on
  errors, counted again on retries and would itself cause serialization
  failures. Every read and write here goes through a short autocommit cursor
  of its own (READ COMMITTED: ``INSERT ... ON CONFLICT DO UPDATE`` is atomic
  per row), on the primary even when the request is served by a replica
  (UNLOGGED tables do not exist on standbys).
* Time is the database clock (``clock_timestamp()``), shared by every host.

The algorithm is GCRA (the "virtual scheduling" form of a token bucket): one
number per bucket, the theoretical arrival time ``tat``. A policy of ``limit``
requests per ``period`` seconds with ``burst`` spaces requests by the emission
interval ``period / limit`` and lets ``burst`` of them arrive at once, so that
the requests admitted in any interval of ``T`` seconds never exceed
``burst + limit / period * T``. Times are integer microseconds, so the SQL and
the pure Python functions below compute exactly the same thing.
"""

import ipaddress
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2

from odoo import sql_db

from .exceptions import ServiceUnavailable, Throttled

_logger = logging.getLogger(__name__)

MICROSECONDS = 1_000_000
POLICY_NAME = "default"

PARAM_DEFAULT_RATE_LIMIT = "rest_api.default_rate_limit"
PARAM_DEFAULT_RATE_PERIOD = "rest_api.default_rate_period"
PARAM_DEFAULT_RATE_BURST = "rest_api.default_rate_burst"
PARAM_FAIL_OPEN = "rest_api.throttle_fail_open"
PARAM_FAILED_AUTH_LIMIT = "rest_api.failed_auth_limit"
PARAM_FAILED_AUTH_PERIOD = "rest_api.failed_auth_period"

STORE_WARNING_INTERVAL = 60  # seconds between two "store unavailable" warnings of one process


@dataclass(frozen=True)
class RatePolicy:
    limit: int  # requests per period; 0 = unlimited
    period: int  # seconds
    burst: int  # requests admitted at once (bucket depth); below 1 means 1: strictly paced

    @property
    def unlimited(self):
        return self.limit <= 0 or self.period <= 0

    @property
    def capacity(self):
        return max(self.burst, 1)

    @property
    def emission_interval(self):
        """Microseconds between two requests at the steady rate, rounded up (never more lenient)."""
        return int(-(-self.period * MICROSECONDS // self.limit))

    @property
    def tolerance(self):
        """How far (µs) ``tat`` may run ahead of the clock before a request is refused."""
        return (self.capacity - 1) * self.emission_interval


DEFAULT_RATE_POLICY = RatePolicy(limit=600, period=60, burst=60)
DEFAULT_FAILED_AUTH_LIMIT = 20
DEFAULT_FAILED_AUTH_PERIOD = 60


@dataclass(frozen=True)
class ThrottleVerdict:
    policy: RatePolicy
    remaining: int  # requests still admitted right now
    reset_after: float  # seconds until the allowance is full again
    admitted: bool = True
    retry_after: float = 0.0  # seconds until the next request is admitted (refused requests)

    def headers(self):
        """``RateLimit-Policy`` and ``RateLimit`` (draft-ietf-httpapi-ratelimit-headers)."""
        return {
            "RateLimit-Policy": f'"{POLICY_NAME}";q={self.policy.limit};w={self.policy.period}',
            "RateLimit": f'"{POLICY_NAME}";r={self.remaining};t={_whole_seconds(self.reset_after)}',
        }


@dataclass(frozen=True)
class ThrottleSettings:
    """The database's throttling settings (``ir.config_parameter``)."""

    default_policy: RatePolicy = DEFAULT_RATE_POLICY
    failed_auth_policy: RatePolicy = RatePolicy(
        DEFAULT_FAILED_AUTH_LIMIT, DEFAULT_FAILED_AUTH_PERIOD, DEFAULT_FAILED_AUTH_LIMIT
    )
    fail_open: bool = True

    @classmethod
    def from_params(cls, get_param):
        """Read the settings through ``get_param(name) -> str | False``; bad values fall back to the defaults."""
        failed_auth_limit = _int_param(get_param, PARAM_FAILED_AUTH_LIMIT, DEFAULT_FAILED_AUTH_LIMIT)
        return cls(
            default_policy=RatePolicy(
                limit=_int_param(get_param, PARAM_DEFAULT_RATE_LIMIT, DEFAULT_RATE_POLICY.limit),
                period=_int_param(get_param, PARAM_DEFAULT_RATE_PERIOD, DEFAULT_RATE_POLICY.period),
                burst=_int_param(get_param, PARAM_DEFAULT_RATE_BURST, DEFAULT_RATE_POLICY.burst),
            ),
            # A client may fail ``limit`` times at once, then once per ``period / limit``.
            failed_auth_policy=RatePolicy(
                limit=failed_auth_limit,
                period=_int_param(get_param, PARAM_FAILED_AUTH_PERIOD, DEFAULT_FAILED_AUTH_PERIOD),
                burst=failed_auth_limit,
            ),
            fail_open=_bool_param(get_param, PARAM_FAIL_OPEN, True),
        )


def _int_param(get_param, name, default):
    value = get_param(name)
    if value is False or value is None or str(value).strip() == "":
        return default
    try:
        return max(0, int(str(value).strip()))
    except ValueError:
        _logger.warning("Ignoring setting %s=%r (not an integer); using %s", name, value, default)
        return default


def _bool_param(get_param, name, default):
    value = get_param(name)
    if value is False or value is None:
        return default
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


def _whole_seconds(seconds):
    """Delta-seconds for headers: an integer, rounded up."""
    return max(0, int(-(-seconds // 1)))


# --- GCRA, pure ---------------------------------------------------------------------------------


def gcra_admit(policy, tat, now):
    """Decide one request arriving at ``now`` (µs) on a bucket at ``tat`` (µs, None for a new bucket).

    Returns ``(admitted, new_tat)``; a refused request leaves the bucket unchanged.
    ``SQL_ADMIT`` makes the same decision atomically in the database.
    """
    start = now if tat is None else max(tat, now)
    if start - now > policy.tolerance:
        return False, tat
    return True, start + policy.emission_interval


def gcra_charge(policy, tat, now):
    """Count one event (a failed authentication) unconditionally; returns the new ``tat``.

    Capped so that a client can never lock itself out for longer than it takes
    to refill a whole bucket. ``SQL_CHARGE`` does the same in the database.
    """
    start = now if tat is None else max(tat, now)
    return min(start + policy.emission_interval, now + policy.tolerance + policy.emission_interval)


def gcra_verdict(policy, tat, now, admitted=True):
    """The :class:`ThrottleVerdict` of a bucket at ``tat`` seen at ``now`` (both µs)."""
    backlog = 0 if tat is None else max(0, tat - now)
    remaining = min(policy.capacity, max(0, (policy.tolerance - backlog) // policy.emission_interval + 1))
    retry_after = 0 if admitted else max(0, backlog - policy.tolerance)
    return ThrottleVerdict(
        policy=policy,
        remaining=remaining,
        reset_after=backlog / MICROSECONDS,
        admitted=admitted,
        retry_after=retry_after / MICROSECONDS,
    )


def client_bucket(client_ip):
    """The failed-authentication bucket of a client address.

    IPv6 clients are grouped by /64 (one subscriber's usual allocation), so an
    attacker cannot sidestep the limit by rotating addresses inside it.
    """
    try:
        address = ipaddress.ip_address(client_ip or "")
    except ValueError:
        return "ip:unknown"
    if address.version == 6:
        if address.ipv4_mapped:
            return f"ip:{address.ipv4_mapped}"
        return f"ip:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"ip:{address}"


# --- GCRA, in SQL (one statement each; `now` is read once per statement) ------------------------

SQL_ADMIT = """WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now)
INSERT INTO rest_api_throttle AS bucket (bucket, tat)
SELECT %(bucket)s, clock.now + %(emission)s FROM clock
ON CONFLICT (bucket) DO UPDATE
   SET tat = greatest(bucket.tat, (SELECT now FROM clock)) + %(emission)s
 WHERE greatest(bucket.tat, (SELECT now FROM clock)) - (SELECT now FROM clock) <= %(tolerance)s
RETURNING bucket.tat, (SELECT now FROM clock)
"""

SQL_CHARGE = """WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now)
INSERT INTO rest_api_throttle AS bucket (bucket, tat)
SELECT %(bucket)s, clock.now + %(emission)s FROM clock
ON CONFLICT (bucket) DO UPDATE
   SET tat = least(greatest(bucket.tat, (SELECT now FROM clock)) + %(emission)s,
                   (SELECT now FROM clock) + %(tolerance)s + %(emission)s)
"""

SQL_PEEK = """WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now)
SELECT bucket.tat, clock.now FROM clock LEFT JOIN rest_api_throttle bucket ON bucket.bucket = %(bucket)s
"""

SQL_COUNT_USAGE = """
INSERT INTO rest_api_key_usage AS usage (api_key_id, request_count, last_used)
VALUES (%(api_key_id)s, 1, clock_timestamp() AT TIME ZONE 'UTC')
ON CONFLICT (api_key_id) DO UPDATE
   SET request_count = usage.request_count + 1, last_used = excluded.last_used
"""

SQL_USAGE = "SELECT api_key_id, last_used, request_count FROM rest_api_key_usage WHERE api_key_id = ANY(%(ids)s)"

SQL_FORGET_IDLE = """DELETE FROM rest_api_throttle
WHERE tat <= (extract(epoch FROM clock_timestamp()) * 1000000)::bigint"""


def _execute(cr, query, params=None):
    if isinstance(cr, sql_db.Cursor):
        cr.execute(query, params, log_exceptions=False)  # failures are handled (and logged once) by the caller
    else:
        cr.execute(query, params)


def _gcra_params(bucket, policy):
    return {"bucket": bucket, "emission": policy.emission_interval, "tolerance": policy.tolerance}


def sql_admit(cr, bucket, policy):
    """Decide one request for ``bucket`` in the database; returns ``(admitted, tat, now)`` (µs).

    The decision and the update are one atomic statement; a refused request
    writes nothing and reads the bucket again only to say when to retry.
    """
    _execute(cr, SQL_ADMIT, _gcra_params(bucket, policy))
    row = cr.fetchone()
    if row:
        return True, row[0], row[1]
    tat, now = sql_peek(cr, bucket)
    return False, tat, now


def sql_charge(cr, bucket, policy):
    _execute(cr, SQL_CHARGE, _gcra_params(bucket, policy))


def sql_peek(cr, bucket):
    """``(tat, now)`` of ``bucket`` (``tat`` None when the bucket is empty)."""
    _execute(cr, SQL_PEEK, {"bucket": bucket})
    return cr.fetchone()


# --- the store and the checks -------------------------------------------------------------------


class ThrottleStore:
    """The throttle tables of database ``dbname``, on short autocommit cursors of Odoo's pool."""

    def __init__(self, dbname):
        self.dbname = dbname

    @contextmanager
    def cursor(self):
        cr = sql_db.db_connect(self.dbname).cursor()  # primary, never the read replica
        try:
            cr._cnx.autocommit = True
            yield cr
        finally:
            cr.close()

    def admit(self, bucket, policy):
        with self.cursor() as cr:
            return sql_admit(cr, bucket, policy)

    def charge(self, bucket, policy):
        with self.cursor() as cr:
            sql_charge(cr, bucket, policy)

    def peek(self, bucket):
        with self.cursor() as cr:
            return sql_peek(cr, bucket)

    def count_usage(self, api_key_id):
        with self.cursor() as cr:
            _execute(cr, SQL_COUNT_USAGE, {"api_key_id": api_key_id})

    def usage(self, api_key_ids):
        with self.cursor() as cr:
            _execute(cr, SQL_USAGE, {"ids": list(api_key_ids)})
            return {api_key_id: (last_used, count) for api_key_id, last_used, count in cr.fetchall()}

    def forget_idle_buckets(self):
        """Delete buckets whose ``tat`` has passed: such a bucket behaves exactly like a missing one."""
        with self.cursor() as cr:
            _execute(cr, SQL_FORGET_IDLE)
            return cr.rowcount


_last_store_warning = {"at": 0.0, "suppressed": 0}


def _warn_store_unavailable(dbname, action, error, fail_open):
    """Log the first failure, then at most one warning per ``STORE_WARNING_INTERVAL`` per process."""
    now = time.monotonic()
    if now - _last_store_warning["at"] < STORE_WARNING_INTERVAL:
        _last_store_warning["suppressed"] += 1
        return
    outcome = "allowing the request (rest_api.throttle_fail_open)" if fail_open else "refusing the request (503)"
    _logger.warning(
        "Throttle store of database %s unavailable while %s, %s; %d similar failures not logged: %s",
        dbname,
        action,
        outcome,
        _last_store_warning["suppressed"],
        str(error).strip(),
    )
    _last_store_warning.update(at=now, suppressed=0)


class Throttle:
    """The throttling checks of one database, with its settings."""

    def __init__(self, store, settings):
        self.store = store
        self.settings = settings

    def _store_failed(self, action, error):
        """Fail open (warn, go on) or closed (503), as the settings say; never a 500."""
        _warn_store_unavailable(self.store.dbname, action, error, self.settings.fail_open)
        if not self.settings.fail_open:
            raise ServiceUnavailable("Request throttling is temporarily unavailable; retry later.") from error

    def check_client_ip(self, client_ip):
        policy = self.settings.failed_auth_policy
        if policy.unlimited:
            return
        try:
            tat, now = self.store.peek(client_bucket(client_ip))
        except psycopg2.Error as error:
            self._store_failed("checking failed authentications", error)
            return
        admitted, _tat = gcra_admit(policy, tat, now)
        if not admitted:
            verdict = gcra_verdict(policy, tat, now, admitted=False)
            raise Throttled(
                verdict.retry_after, "Too many failed authentication attempts from this address; retry later."
            )

    def record_auth_failure(self, client_ip):
        policy = self.settings.failed_auth_policy
        if policy.unlimited:
            return
        try:
            self.store.charge(client_bucket(client_ip), policy)
        except psycopg2.Error as error:
            _warn_store_unavailable(self.store.dbname, "counting a failed authentication", error, True)

    def check_key_rate(self, bucket, policy):
        if policy.unlimited:
            return None
        try:
            admitted, tat, now = self.store.admit(bucket, policy)
        except psycopg2.Error as error:
            self._store_failed("checking the request rate", error)
            return None
        verdict = gcra_verdict(policy, tat, now, admitted=admitted)
        if not admitted:
            raise Throttled(verdict.retry_after, headers=verdict.headers())
        return verdict

    def record_usage(self, api_key_id):
        try:
            self.store.count_usage(api_key_id)
        except psycopg2.Error as error:
            _warn_store_unavailable(self.store.dbname, "counting key usage", error, True)

    def usage_for(self, api_key_ids):
        ids = [api_key_id for api_key_id in api_key_ids if api_key_id]
        if not ids:
            return {}
        try:
            return self.store.usage(ids)
        except psycopg2.Error as error:
            _warn_store_unavailable(self.store.dbname, "reading key usage", error, True)
            return {}


def throttle_for(env):
    """The :class:`Throttle` of ``env``'s database (settings cached until a parameter changes)."""
    return Throttle(ThrottleStore(env.cr.dbname), env["rest.api.throttle"]._settings())


def default_rate_policy(env):
    """The rate policy of personal keys, and the initial policy of new REST API keys."""
    return env["rest.api.throttle"]._settings().default_policy


def check_client_ip(env, client_ip):
    """Before any key hash: raise ``Throttled`` when ``client_ip`` has failed authentication too often."""
    throttle_for(env).check_client_ip(client_ip)


def record_auth_failure(env, client_ip):
    """Count one failed authentication for ``client_ip``."""
    throttle_for(env).record_auth_failure(client_ip)


def check_key_rate(env, bucket, policy):
    """Admit one request for ``bucket`` (e.g. ``"key:12"``) under ``policy``.

    Returns a :class:`ThrottleVerdict` (``None`` when ``policy`` is unlimited);
    raises ``Throttled`` (429, with the verdict's headers) when over the rate.
    """
    return throttle_for(env).check_key_rate(bucket, policy)


def record_usage(env, api_key_id):
    """Note one request for ``rest.api.key`` ``api_key_id`` without writing the key row."""
    throttle_for(env).record_usage(api_key_id)


def usage_for(env, api_key_ids):
    """``{api_key_id: (last_used_datetime, request_count)}`` for the given keys."""
    return throttle_for(env).usage_for(api_key_ids)
