"""The PostgreSQL throttle store (the default): the GCRA buckets and, whichever store holds
the buckets, the key usage counters.

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
  statement decides, updates and, when refused, says when to retry), or none
  when a busy key's lease admits it (:mod:`.lease`); a request of an
  unlimited key costs none. Usage figures (request count, last
  use) are counted in the process (:mod:`.usage`).
* The store never makes a request hang: connections and statements have
  short timeouts, and after a failure the process leaves the store alone for
  :data:`~.base.STORE_RETRY_AFTER` seconds (a circuit breaker), failing open or
  closed as the settings say.
* Commits do not wait for the WAL flush (``synchronous_commit = off``): the
  tables are UNLOGGED, emptied by a crash anyway, so waiting for a flush of
  the commit record would buy nothing and cost every admission a disk write.
* Connections: besides Odoo's own pool, each process keeps up to
  ``StorePool.MAX_IDLE`` idle connections to the store (a prefork worker: one,
  plus one now and then for the usage counter; a threaded server: about one per
  busy thread). Count them in PostgreSQL's ``max_connections``.
"""

import functools
import logging
import os
import threading
import time
from dataclasses import dataclass

import psycopg2
import psycopg2.errors

from odoo import sql_db

from .base import (
    STORE_CONNECT_TIMEOUT,
    STORE_LOCK_TIMEOUT,
    STORE_STATEMENT_TIMEOUT,
    BucketStore,
    StoreUnavailable,
    breaker,
    warn_store_unavailable,
)
from .gcra import LEASE_FRACTION

_logger = logging.getLogger(__name__)

__all__ = ["StoreUnavailable", "ThrottleStore", "warn_store_unavailable"]


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

    @functools.cached_property  # one string per statement, not one per request
    def execute_sql(self):
        return (
            f"EXECUTE {self.name} ({', '.join('%s' for _param in self.params)})"
            if self.params
            else f"EXECUTE {self.name}"
        )

    def values(self, arguments):
        return tuple(arguments[param] for param, _type in self.params)


GCRA_PARAMS = (("bucket", "varchar"), ("emission", "bigint"), ("tolerance", "bigint"))
NOW = "(SELECT now FROM clock)"
START = f"greatest(bucket.tat, {NOW})"


def _granted(backlog):
    """SQL: how many of ``count`` requests a bucket with ``backlog`` (µs) grants (gcra.gcra_lease)."""
    available = f"((%(tolerance)s - ({backlog})) / %(emission)s + 1)"
    return f"least(%(count)s, greatest(1, {available} / {LEASE_FRACTION}))"


# RETURNING sees only the new row, so the count granted is written next to the tat it moved.
ADMIT = Statement(
    "rest_api_throttle_admit",
    f"""WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now),
admitted AS (
    INSERT INTO rest_api_throttle AS bucket (bucket, tat, granted)
    SELECT %(bucket)s, clock.now + fresh.granted * %(emission)s, fresh.granted
      FROM clock, (SELECT {_granted("0")} AS granted) fresh
    ON CONFLICT (bucket) DO UPDATE
       SET tat = {START} + {_granted(f"{START} - {NOW}")} * %(emission)s,
           granted = {_granted(f"{START} - {NOW}")}
     WHERE {START} - {NOW} <= %(tolerance)s
    RETURNING bucket.granted, bucket.tat
)
SELECT admitted.granted, admitted.tat, clock.now FROM admitted, clock
UNION ALL
SELECT 0, bucket.tat, clock.now FROM clock, rest_api_throttle bucket
 WHERE bucket.bucket = %(bucket)s AND NOT EXISTS (SELECT FROM admitted)""",  # noqa: S608 - constants; values are parameters
    (*GCRA_PARAMS, ("count", "integer")),
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
            options=(
                f"-c statement_timeout={STORE_STATEMENT_TIMEOUT} -c lock_timeout={STORE_LOCK_TIMEOUT}"
                " -c synchronous_commit=off"
            ),
        )
        self.connection.autocommit = True
        self.prepared = True
        self.last_used = time.monotonic()
        self.cursor = self.connection.cursor()  # one for the connection's life: a cursor per call costs too
        try:
            self.cursor.execute(";".join(statement.prepare_sql() for statement in PREPARED_STATEMENTS))
        except psycopg2.Error:
            self.connection.close()
            raise

    @property
    def broken(self):
        return bool(self.connection.closed)

    def run(self, statement, **arguments):
        """Execute ``statement``; returns ``(rows, rowcount)`` (no rows when it returns none)."""
        self.last_used = time.monotonic()
        cr = self.cursor
        if self.prepared and statement.prepared:
            try:
                cr.execute(statement.execute_sql, statement.values(arguments))
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


_pools = {}
_pools_lock = threading.Lock()


def _pool_for(dbname):
    with _pools_lock:
        pool = _pools.get(dbname)
        if pool is None:
            pool = _pools[dbname] = StorePool(dbname)
        return pool


class ThrottleStore(BucketStore):
    """The throttle tables of database ``dbname``, on this process's own autocommit connections.

    Not Odoo's cursor pool: resetting a pooled connection and re-planning the
    statements would triple the cost of a check.
    """

    def __init__(self, dbname):
        self.dbname = dbname
        self.name = dbname

    def run(self, statement, **arguments):
        """``(rows, rowcount)`` of ``statement``; raises :class:`StoreUnavailable`.

        Retried once on a fresh connection when a kept one was lost; any other
        failure opens the circuit breaker.
        """
        breaker.check(self.dbname)
        try:
            return self._run(statement, arguments)
        except psycopg2.Error as error:
            breaker.failed(self.dbname)
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

    def lease(self, bucket, policy, count):
        """Admit up to ``count`` requests of ``bucket``: ``(granted, tat, now)`` (µs, database clock).

        One atomic statement decides and updates; a refused request writes
        nothing and gets the bucket's ``tat`` back, to say when to retry.
        """
        rows, _count = self.run(ADMIT, count=count, **_gcra_arguments(bucket, policy))
        if rows:
            return rows[0]
        # Refused, on a bucket another process created after this statement's snapshot was taken.
        tat, now = self.peek(bucket)
        return 0, tat, now

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


def _forget_connections_after_fork():
    """In a forked child: drop the parent's connections without touching the parent's.

    Closing a copy of a connection would send the server a termination message
    on the socket the parent still uses; point the copy at /dev/null first.
    """
    global _pools_lock  # noqa: PLW0603 - locks held by another thread at fork time stay held forever
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


os.register_at_fork(after_in_child=_forget_connections_after_fork)
