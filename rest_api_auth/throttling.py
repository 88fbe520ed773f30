"""Throttling: per-key GCRA and per-IP failed-authentication limits, in PostgreSQL.

Why PostgreSQL, and why not the request's cursor:

* Odoo runs several worker processes on several hosts, so any in-process
  counter would multiply the limit and reset on every worker recycle. The
  state is one row per bucket in an UNLOGGED table (``rest.api.throttle``
  creates it), shared by every process that reaches the database.
* Odoo runs requests at REPEATABLE READ and replays them on serialization
  failures; a counter written through the request cursor would be lost on
  errors, counted again on retries and would itself cause serialization
  failures. Every read and write here goes through an autocommit connection
  of its own (READ COMMITTED: ``INSERT ... ON CONFLICT DO UPDATE`` is atomic
  per row), on the primary even when the request is served by a replica
  (UNLOGGED tables are not replicated).
* Time is the database clock (``clock_timestamp()``), shared by every host.
* A request of a throttled key costs one round trip to the store (one
  statement decides, updates and, when refused, says when to retry); a
  request of an unlimited key costs none. Usage figures (request count, last
  use) are counted in the process and added to the store every
  :data:`USAGE_FLUSH_INTERVAL` seconds by a background thread.
* The store never makes a request hang: connections and statements have
  short timeouts, and after a failure the process leaves the store alone for
  :data:`STORE_RETRY_AFTER` seconds (a circuit breaker), failing open or
  closed as the settings say.
* Connections: besides Odoo's own pool, each process keeps up to
  ``StorePool.MAX_IDLE`` idle connections to the store (a prefork worker: one,
  plus one now and then for the usage counter; a threaded server: about one per
  busy thread). Count them in PostgreSQL's ``max_connections``.

The algorithm is GCRA (the "virtual scheduling" form of a token bucket): one
number per bucket, the theoretical arrival time ``tat``. A policy of ``limit``
requests per ``period`` seconds with ``burst`` spaces requests by the emission
interval ``period / limit`` and lets ``burst`` of them arrive at once, so that
the requests admitted in any interval of ``T`` seconds never exceed
``burst + limit / period * T``. Times are integer microseconds, so the SQL and
the pure Python functions below compute exactly the same thing.
"""

import atexit
import ipaddress
import logging
import os
import threading
import time
from dataclasses import dataclass

import psycopg2
import psycopg2.errors

from odoo import sql_db

from .exceptions import ServiceUnavailable, Throttled
from .settings import DEFAULTS, FAILED_AUTH_LIMIT, FAILED_AUTH_PERIOD, THROTTLE_FAIL_OPEN, parse_setting

_logger = logging.getLogger(__name__)

MICROSECONDS = 1_000_000
POLICY_NAME = "default"

STORE_WARNING_INTERVAL = 60  # seconds between two "store unavailable" warnings of one process
STORE_CONNECT_TIMEOUT = 2  # seconds to open a connection to the store
STORE_STATEMENT_TIMEOUT = 2000  # milliseconds a store statement may run
STORE_LOCK_TIMEOUT = 1000  # milliseconds a store statement may wait for a bucket's row lock
STORE_RETRY_AFTER = 10  # seconds a process leaves the store alone after a failure
USAGE_FLUSH_INTERVAL = 5  # seconds between two additions of a process's usage counts to the store


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


def failed_auth_rate(limit, period):
    """A client may fail ``limit`` times at once, then once per ``period / limit`` seconds."""
    return RatePolicy(limit=limit, period=period, burst=limit)


DEFAULT_FAILED_AUTH_RATE = failed_auth_rate(DEFAULTS[FAILED_AUTH_LIMIT], DEFAULTS[FAILED_AUTH_PERIOD])


@dataclass(frozen=True)
class ThrottleSettings:
    """The database's throttling settings (``ir.config_parameter``, see :mod:`.settings`)."""

    failed_auth_policy: RatePolicy = DEFAULT_FAILED_AUTH_RATE
    fail_open: bool = DEFAULTS[THROTTLE_FAIL_OPEN]

    @classmethod
    def from_params(cls, get_param):
        """Read the settings through ``get_param(name) -> str | False``."""

        def setting(name):
            return parse_setting(name, get_param(name))

        return cls(
            failed_auth_policy=failed_auth_rate(setting(FAILED_AUTH_LIMIT), setting(FAILED_AUTH_PERIOD)),
            fail_open=setting(THROTTLE_FAIL_OPEN),
        )


def _whole_seconds(seconds):
    """Delta-seconds for headers: an integer, rounded up."""
    return max(0, int(-(-seconds // 1)))


# --- GCRA, pure ---------------------------------------------------------------------------------


def gcra_admit(policy, tat, now):
    """Decide one request arriving at ``now`` (µs) on a bucket at ``tat`` (µs, None for a new bucket).

    Returns ``(admitted, new_tat)``; a refused request leaves the bucket unchanged.
    :data:`ADMIT` makes the same decision atomically in the database.
    """
    start = now if tat is None else max(tat, now)
    if start - now > policy.tolerance:
        return False, tat
    return True, start + policy.emission_interval


def gcra_charge(policy, tat, now):
    """Count one event (a failed authentication) unconditionally; returns the new ``tat``.

    Capped so that a client can never lock itself out for longer than it takes
    to refill a whole bucket. :data:`CHARGE` does the same in the database.
    """
    start = now if tat is None else max(tat, now)
    return min(start + policy.emission_interval, now + policy.tolerance + policy.emission_interval)


def gcra_verdict(policy, tat, now, admitted=True):
    """The :class:`ThrottleVerdict` of a bucket at ``tat`` seen at ``now`` (both µs)."""
    backlog = 0 if tat is None else max(0, tat - now)
    remaining = min(policy.capacity, max(0, (policy.tolerance - backlog) // policy.emission_interval + 1))
    # A refused request waits at least a moment: its tat may be a snapshot taken
    # just before a concurrent admission moved the bucket on.
    retry_after = 0 if admitted else max(1, backlog - policy.tolerance)
    return ThrottleVerdict(
        policy=policy,
        remaining=remaining,
        reset_after=backlog / MICROSECONDS,
        admitted=admitted,
        retry_after=retry_after / MICROSECONDS,
    )


def policy_bucket(bucket, policy):
    """The stored bucket of ``bucket`` under ``policy``.

    A changed policy starts afresh (a full burst) instead of inheriting a
    backlog measured in another rate: after a key went from 5 to 600 requests
    per minute, its last requests at the old rate would otherwise keep it
    waiting for minutes.
    """
    return f"{bucket}@{policy.limit}/{policy.period}/{policy.burst}"


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


@dataclass(frozen=True)
class Statement:
    """A statement of the store, prepared once per connection (planning it costs as much as running it)."""

    name: str
    sql: str  # with %(param)s placeholders
    params: tuple = ()  # ((param, PostgreSQL type), ...) in the order of the prepared statement
    prepared: bool = True  # False for the rare ones (daily clean-up)

    def prepare_sql(self):
        sql = self.sql
        for index, (param, _type) in enumerate(self.params, 1):
            sql = sql.replace(f"%({param})s", f"${index}")
        types = f"({', '.join(kind for _param, kind in self.params)})" if self.params else ""
        return f"PREPARE {self.name} {types} AS {sql}"

    def execute_sql(self):
        return (
            f"EXECUTE {self.name} ({', '.join('%s' for _param in self.params)})"
            if self.params
            else f"EXECUTE {self.name}"
        )

    def values(self, arguments):
        return tuple(arguments[param] for param, _type in self.params)


GCRA_PARAMS = (("bucket", "varchar"), ("emission", "bigint"), ("tolerance", "bigint"))

ADMIT = Statement(
    "rest_api_throttle_admit",
    """WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now),
admitted AS (
    INSERT INTO rest_api_throttle AS bucket (bucket, tat)
    SELECT %(bucket)s, clock.now + %(emission)s FROM clock
    ON CONFLICT (bucket) DO UPDATE
       SET tat = greatest(bucket.tat, (SELECT now FROM clock)) + %(emission)s
     WHERE greatest(bucket.tat, (SELECT now FROM clock)) - (SELECT now FROM clock) <= %(tolerance)s
    RETURNING bucket.tat
)
SELECT true, admitted.tat, clock.now FROM admitted, clock
UNION ALL
SELECT false, bucket.tat, clock.now FROM clock, rest_api_throttle bucket
 WHERE bucket.bucket = %(bucket)s AND NOT EXISTS (SELECT FROM admitted)""",
    GCRA_PARAMS,
)

CHARGE = Statement(
    "rest_api_throttle_charge",
    """WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now)
INSERT INTO rest_api_throttle AS bucket (bucket, tat)
SELECT %(bucket)s, clock.now + %(emission)s FROM clock
ON CONFLICT (bucket) DO UPDATE
   SET tat = least(greatest(bucket.tat, (SELECT now FROM clock)) + %(emission)s,
                   (SELECT now FROM clock) + %(tolerance)s + %(emission)s)""",
    GCRA_PARAMS,
)

PEEK = Statement(
    "rest_api_throttle_peek",
    """WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now)
SELECT bucket.tat, clock.now FROM clock LEFT JOIN rest_api_throttle bucket ON bucket.bucket = %(bucket)s""",
    (("bucket", "varchar"),),
)

ADD_USAGE = Statement(
    "rest_api_throttle_add_usage",
    """INSERT INTO rest_api_key_usage AS usage (api_key_id, request_count, last_used)
SELECT api_key_id, requests, to_timestamp(last_used) AT TIME ZONE 'UTC'
  FROM unnest(%(ids)s::integer[], %(counts)s::bigint[], %(times)s::double precision[])
       AS counted (api_key_id, requests, last_used)
ON CONFLICT (api_key_id) DO UPDATE
   SET request_count = usage.request_count + excluded.request_count,
       last_used = greatest(usage.last_used, excluded.last_used)""",
    prepared=False,
)

USAGE = Statement(
    "rest_api_throttle_usage",
    "SELECT api_key_id, last_used, request_count FROM rest_api_key_usage WHERE api_key_id = ANY(%(ids)s)",
    (("ids", "integer[]"),),
)

FORGET_IDLE = Statement(
    "rest_api_throttle_forget_idle",
    "DELETE FROM rest_api_throttle WHERE tat <= (extract(epoch FROM clock_timestamp()) * 1000000)::bigint",
    prepared=False,
)

FORGET_DELETED_KEYS = Statement(
    "rest_api_throttle_forget_deleted_keys",
    """DELETE FROM rest_api_key_usage usage
WHERE NOT EXISTS (SELECT 1 FROM rest_api_key WHERE rest_api_key.id = usage.api_key_id)""",
    prepared=False,
)

PREPARED_STATEMENTS = (ADMIT, CHARGE, PEEK, USAGE)


class StoreUnavailable(Exception):
    """The store did not answer (or was not asked: it failed moments ago); the cause is chained."""


class StoreConnection:
    """One autocommit connection of this process to the store, with the statements prepared.

    Behind a pooler that does not keep sessions (PgBouncer in transaction
    mode), prepared statements vanish; the connection then runs plain SQL.
    Connecting and every statement have short timeouts; the statement and lock
    timeouts are startup ``options``, which PgBouncer refuses unless it lists
    ``options`` in ``ignore_startup_parameters`` (then only the connect timeout applies).
    """

    def __init__(self, dbname):
        connection_info = sql_db.connection_info_for(dbname)[1]  # Odoo's db_host, db_user, ... (the primary)
        self.connection = psycopg2.connect(
            **connection_info,
            connect_timeout=STORE_CONNECT_TIMEOUT,
            options=f"-c statement_timeout={STORE_STATEMENT_TIMEOUT} -c lock_timeout={STORE_LOCK_TIMEOUT}",
        )
        self.connection.autocommit = True
        self.prepared = True
        self.last_used = time.monotonic()
        try:
            with self.connection.cursor() as cr:
                cr.execute(";".join(statement.prepare_sql() for statement in PREPARED_STATEMENTS))
        except psycopg2.Error:
            self.connection.close()
            raise

    @property
    def broken(self):
        return bool(self.connection.closed)

    def run(self, statement, **arguments):
        """Execute ``statement``; returns ``(rows, rowcount)`` (no rows when it returns none)."""
        self.last_used = time.monotonic()
        with self.connection.cursor() as cr:
            if self.prepared and statement.prepared:
                try:
                    cr.execute(statement.execute_sql(), statement.values(arguments))
                except psycopg2.errors.InvalidSqlStatementName:
                    self.prepared = False
                    _logger.info("Throttle store: prepared statements are not kept (pooler?); using plain SQL")
            if not (self.prepared and statement.prepared):
                cr.execute(statement.sql, arguments)
            rows = cr.fetchall() if cr.description else []
            return rows, cr.rowcount

    def close(self):
        if not self.connection.closed:
            self.connection.close()


class StorePool:
    """The idle :class:`StoreConnection` s of this process to one database."""

    MAX_IDLE = 8
    IDLE_TIMEOUT = 600  # seconds, as Odoo's own pool

    def __init__(self, dbname):
        self.dbname = dbname
        self.idle = []
        self.lock = threading.Lock()

    def borrow(self):
        """An idle connection (``reused=True``) or a new one."""
        with self.lock:
            while self.idle:
                connection = self.idle.pop()
                if time.monotonic() - connection.last_used < self.IDLE_TIMEOUT and not connection.broken:
                    return connection, True
                connection.close()
        return StoreConnection(self.dbname), False

    def give_back(self, connection):
        if connection.broken:
            return
        with self.lock:
            if len(self.idle) < self.MAX_IDLE:
                self.idle.append(connection)
                return
        connection.close()


class CircuitBreaker:
    """Per process and database: after a store failure, the store is left alone for a while.

    While the store is down, every request would otherwise wait for a connection
    attempt (up to :data:`STORE_CONNECT_TIMEOUT`); for :data:`STORE_RETRY_AFTER`
    seconds after a failure requests go on at once (fail open) or get a 503
    (fail closed), then the next one tries the store again.
    """

    def __init__(self):
        self.failed_until = {}  # dbname -> time.monotonic() until which the store is skipped

    def check(self, dbname):
        until = self.failed_until.get(dbname)
        if until is not None:
            if time.monotonic() < until:
                raise StoreUnavailable(f"the store failed less than {STORE_RETRY_AFTER} s ago; not asked")
            self.failed_until.pop(dbname, None)

    def failed(self, dbname):
        self.failed_until[dbname] = time.monotonic() + STORE_RETRY_AFTER

    def reset(self):
        self.failed_until.clear()


_pools = {}
_pools_lock = threading.Lock()
_breaker = CircuitBreaker()


def _pool_for(dbname):
    with _pools_lock:
        pool = _pools.get(dbname)
        if pool is None:
            pool = _pools[dbname] = StorePool(dbname)
        return pool


# --- the store and the checks -------------------------------------------------------------------


class ThrottleStore:
    """The throttle tables of database ``dbname``, on this process's own autocommit connections.

    Not Odoo's cursor pool: resetting a pooled connection and re-planning the
    statements would triple the cost of a check.
    """

    def __init__(self, dbname):
        self.dbname = dbname

    def run(self, statement, **arguments):
        """``(rows, rowcount)`` of ``statement``; raises :class:`StoreUnavailable`.

        Retried once on a fresh connection when a kept one was lost; any other
        failure opens the circuit breaker.
        """
        _breaker.check(self.dbname)
        try:
            return self._run(statement, arguments)
        except psycopg2.Error as error:
            _breaker.failed(self.dbname)
            raise StoreUnavailable(str(error).strip()) from error

    def _run(self, statement, arguments):
        pool = _pool_for(self.dbname)
        connection, reused = pool.borrow()
        try:
            return connection.run(statement, **arguments)
        except psycopg2.Error:
            if not (reused and connection.broken):
                raise
            # The server closed an idle connection (restart, idle timeout). Worst case the lost
            # statement had counted: counting twice only makes the limit stricter.
            connection, reused = StoreConnection(self.dbname), False
            return connection.run(statement, **arguments)
        finally:
            pool.give_back(connection)

    def admit(self, bucket, policy):
        """Decide one request for ``bucket``; returns ``(admitted, tat, now)`` (µs, database clock).

        One atomic statement decides and updates; a refused request writes
        nothing and gets the bucket's ``tat`` back, to say when to retry.
        """
        rows, _count = self.run(ADMIT, **_gcra_arguments(bucket, policy))
        if rows:
            return rows[0]
        # Refused, on a bucket another process created after this statement's snapshot was taken.
        tat, now = self.peek(bucket)
        return False, tat, now

    def charge(self, bucket, policy):
        self.run(CHARGE, **_gcra_arguments(bucket, policy))

    def peek(self, bucket):
        """``(tat, now)`` of ``bucket`` (``tat`` None when the bucket is empty)."""
        rows, _count = self.run(PEEK, bucket=bucket)
        return rows[0]

    def add_usage(self, counts):
        """Add ``{api_key_id: (requests, last_used epoch seconds)}`` to the usage counters."""
        ids = list(counts)
        self.run(
            ADD_USAGE,
            ids=ids,
            counts=[counts[api_key_id][0] for api_key_id in ids],
            times=[counts[api_key_id][1] for api_key_id in ids],
        )

    def usage(self, api_key_ids):
        rows, _count = self.run(USAGE, ids=list(api_key_ids))
        return {api_key_id: (last_used, count) for api_key_id, last_used, count in rows}

    def forget_idle_buckets(self):
        """Delete buckets whose ``tat`` has passed: such a bucket behaves exactly like a missing one."""
        _rows, count = self.run(FORGET_IDLE)
        return count

    def forget_deleted_keys(self):
        """Delete the usage counters of keys that no longer exist."""
        _rows, count = self.run(FORGET_DELETED_KEYS)
        return count


def _gcra_arguments(bucket, policy):
    return {"bucket": bucket, "emission": policy.emission_interval, "tolerance": policy.tolerance}


class UsageCounter:
    """Requests per key counted in this process, added to the store in one statement per database
    every :data:`USAGE_FLUSH_INTERVAL` seconds by a background thread, and when the process exits.

    Counting costs a request no round trip. The figures shown lag by up to the
    interval (a process killed outright, e.g. past ``--limit-time-real``, loses
    its last interval); counts that could not be stored are kept for the next try.
    """

    def __init__(self):
        self.lock = threading.Lock()  # guards pending
        self.flush_lock = threading.Lock()  # one flush at a time: a reader's flush waits for the thread's
        self.pending = {}  # dbname -> {api_key_id: [requests, last_used (epoch seconds)]}
        self.wake = threading.Event()
        self.thread = None

    def count(self, dbname, api_key_id):
        now = time.time()
        with self.lock:
            counts = self.pending.setdefault(dbname, {})
            entry = counts.get(api_key_id)
            if entry is None:
                counts[api_key_id] = [1, now]
            else:
                entry[0] += 1
                entry[1] = now
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="rest_api usage counter", daemon=True)
                self.thread.start()

    def flush(self, dbname):
        """Add this process's counts of ``dbname`` to the store now (when this returns, they are stored)."""
        with self.flush_lock:
            with self.lock:
                counts = self.pending.pop(dbname, None)
            if not counts:
                return
            try:
                ThrottleStore(dbname).add_usage(counts)
            except StoreUnavailable as error:
                self._keep(dbname, counts)
                _warn_store_unavailable(dbname, "storing key usage", error, "kept for the next try")

    def flush_all(self):
        for dbname in list(self.pending):
            self.flush(dbname)

    def _keep(self, dbname, counts):
        with self.lock:
            pending = self.pending.setdefault(dbname, {})
            for api_key_id, (requests, last_used) in counts.items():
                entry = pending.setdefault(api_key_id, [0, last_used])
                entry[0] += requests
                entry[1] = max(entry[1], last_used)

    def _run(self):
        while True:
            self.wake.wait(USAGE_FLUSH_INTERVAL)
            self.wake.clear()
            try:
                self.flush_all()
            except Exception:  # the thread must survive anything; the counts stay pending
                _logger.exception("REST API usage counter: flush failed")


_usage = UsageCounter()
atexit.register(_usage.flush_all)


def _forget_connections_after_fork():
    """In a forked child: drop the parent's connections and counts without touching the parent's.

    Closing a copy of a connection would send the server a termination message
    on the socket the parent still uses; point the copy at /dev/null first. The
    parent's pending counts are the parent's to store, and its thread does not
    exist in the child.
    """
    global _pools_lock, _usage  # noqa: PLW0603 - locks held by another thread at fork time stay held forever
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for pool in _pools.values():
            for connection in pool.idle:
                if not connection.broken:
                    os.dup2(devnull, connection.connection.fileno())
                    connection.close()
    finally:
        os.close(devnull)
    _pools.clear()
    _pools_lock = threading.Lock()
    atexit.unregister(_usage.flush_all)
    _usage = UsageCounter()
    atexit.register(_usage.flush_all)


os.register_at_fork(after_in_child=_forget_connections_after_fork)


_last_store_warning = {"at": 0.0, "suppressed": 0}


def _warn_store_unavailable(dbname, action, error, outcome):
    """Log the first failure, then at most one warning per ``STORE_WARNING_INTERVAL`` per process."""
    now = time.monotonic()
    if now - _last_store_warning["at"] < STORE_WARNING_INTERVAL:
        _last_store_warning["suppressed"] += 1
        return
    _logger.warning(
        "Throttle store of database %s unavailable while %s, %s; %d similar failures not logged: %s",
        dbname,
        action,
        outcome,
        _last_store_warning["suppressed"],
        str(error).strip(),
    )
    _last_store_warning.update(at=now, suppressed=0)


def reset_store_state():
    """Forget this process's store failures (circuit breaker, warning interval); for tests."""
    _breaker.reset()
    _last_store_warning.update(at=0.0, suppressed=0)


class Throttle:
    """The throttling checks of one database, with its settings."""

    def __init__(self, store, settings):
        self.store = store
        self.settings = settings

    def _store_failed(self, action, error):
        """Fail open (warn, go on) or closed (503), as the settings say; never a 500."""
        fail_open = self.settings.fail_open
        outcome = "admitting the request (rest_api.throttle_fail_open)" if fail_open else "refusing it (503)"
        _warn_store_unavailable(self.store.dbname, action, error, outcome)
        if not fail_open:
            raise ServiceUnavailable(
                "Request throttling is temporarily unavailable; retry later.",
                headers={"Retry-After": str(STORE_RETRY_AFTER)},
                retry_after=STORE_RETRY_AFTER,
            ) from error

    def check_client_ip(self, client_ip):
        policy = self.settings.failed_auth_policy
        if policy.unlimited:
            return
        try:
            tat, now = self.store.peek(policy_bucket(client_bucket(client_ip), policy))
        except StoreUnavailable as error:
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
            self.store.charge(policy_bucket(client_bucket(client_ip), policy), policy)
        except StoreUnavailable as error:
            _warn_store_unavailable(self.store.dbname, "counting a failed authentication", error, "not counted")

    def check_key_rate(self, bucket, policy):
        if policy.unlimited:
            return None
        try:
            admitted, tat, now = self.store.admit(policy_bucket(bucket, policy), policy)
        except StoreUnavailable as error:
            self._store_failed("checking the request rate", error)
            return None
        verdict = gcra_verdict(policy, tat, now, admitted=admitted)
        if not admitted:
            raise Throttled(verdict.retry_after, headers=verdict.headers())
        return verdict

    def record_usage(self, api_key_id):
        _usage.count(self.store.dbname, api_key_id)

    def usage_for(self, api_key_ids):
        ids = [api_key_id for api_key_id in api_key_ids if api_key_id]
        if not ids:
            return {}
        _usage.flush(self.store.dbname)  # this process's own latest requests, at least
        try:
            return self.store.usage(ids)
        except StoreUnavailable as error:
            _warn_store_unavailable(self.store.dbname, "reading key usage", error, "shown as unused")
            return {}


def throttle_for(env):
    """The :class:`Throttle` of ``env``'s database (settings cached until a parameter changes)."""
    return Throttle(ThrottleStore(env.cr.dbname), env["rest.api.throttle"]._settings())


def check_client_ip(env, client_ip):
    """Before a key hash: raise ``Throttled`` when ``client_ip`` has failed authentication too often."""
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
    """Count one request for ``rest.api.key`` ``api_key_id`` (in the process; stored within seconds)."""
    _usage.count(env.cr.dbname, api_key_id)


def usage_for(env, api_key_ids):
    """``{api_key_id: (last_used_datetime, request_count)}`` for the given keys."""
    return throttle_for(env).usage_for(api_key_ids)


def flush_usage(env):
    """Store this process's pending usage counts of ``env``'s database now."""
    _usage.flush(env.cr.dbname)
