"""The Redis/Valkey throttle store (``rest_api.throttle_store = redis://host:port/db``).

* One Lua script decides, updates and answers in one round trip, atomically (Redis runs
  a script alone), on the Redis server's clock (``TIME``), shared by every Odoo host. It
  is the GCRA of :mod:`.gcra` line for line: integer microseconds (exact in Lua's
  doubles until the year 2255), the same verdicts as the PostgreSQL statement.
* Called by its digest (``EVALSHA``); a server that does not know it yet (restarted,
  ``SCRIPT FLUSH``) answers ``NOSCRIPT`` and gets the whole script once (``EVAL``).
* A bucket's key expires when the bucket is full again (TTL = its reset time, plus
  the millisecond Redis rounds expiry times to): an
  expired key and a full bucket admit exactly the same requests, so nothing needs
  cleaning up, and Redis holds one small key per bucket in use.
* Keys are ``rest_api:<database>:<bucket>``: several databases can share one Redis.
* The ``redis`` package is imported only when a Redis store is configured; each
  process makes its own connections on first use, so a prefork worker never uses a
  connection of its parent. Connecting and every command have the short
  timeouts of :mod:`.base`; failures open the circuit breaker like the PostgreSQL store's.
* Key usage figures stay in PostgreSQL (:mod:`.usage`: batched, not per request).
"""

import hashlib
import os
import threading

from .base import STORE_CONNECT_TIMEOUT, STORE_STATEMENT_TIMEOUT, BucketStore, StoreUnavailable, breaker, redacted_url
from .gcra import LEASE_FRACTION

# KEYS[1]: the bucket. ARGV: mode (admit, charge or peek), emission interval, tolerance (µs),
# and for admit the requests asked for at once. Returns {granted (admit: 0 when refused) or
# present (1/0), tat (0 when absent), now}. See gcra.gcra_lease/gcra_charge.
GCRA_SCRIPT = f"""
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local stored = redis.call('GET', KEYS[1])
local tat = stored and tonumber(stored)
if ARGV[1] == 'peek' then
  if tat then return {{1, tat, now}} end
  return {{0, 0, now}}
end
local emission, tolerance = tonumber(ARGV[2]), tonumber(ARGV[3])
local start = now
if tat and tat > now then start = tat end
local new, granted = 0, 1
if ARGV[1] == 'charge' then
  new = math.min(start + emission, now + tolerance + emission)
else
  if start - now > tolerance then return {{0, tat, now}} end
  -- integer division, exact (a double quotient may round up to the next integer)
  local room = tolerance - (start - now)
  local available = math.floor(room / emission)
  if available * emission > room then available = available - 1 end
  available = available + 1
  granted = math.min(tonumber(ARGV[4]), math.max(1, math.floor(available / {LEASE_FRACTION})))
  new = start + granted * emission
end
-- one millisecond more than the backlog: expiry counts from the whole millisecond of 'now'
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', math.ceil((new - now) / 1000) + 1)
return {{granted, new, now}}
"""
GCRA_SHA = hashlib.sha1(GCRA_SCRIPT.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1


class RedisStore(BucketStore):
    """The buckets of database ``dbname`` in the Redis server at ``url``."""

    def __init__(self, url, dbname):
        self.url = url
        self.dbname = dbname
        self.name = f"{redacted_url(url)} (database {dbname})"
        self.prefix = f"rest_api:{dbname}:"

    def lease(self, bucket, policy, count):
        return tuple(self._run(bucket, "admit", policy.emission_interval, policy.tolerance, count))

    def charge(self, bucket, policy):
        self._run(bucket, "charge", policy.emission_interval, policy.tolerance, 1)

    def peek(self, bucket):
        present, tat, now = self._run(bucket, "peek", 0, 0)
        return (tat if present else None), now

    def _run(self, bucket, *arguments):
        breaker.check(self.name)
        try:
            connections = _connections_for(self.url)
            command = (self.prefix + bucket, *arguments)
            try:
                return connections.script(command)
            except connections.errors.ConnectionError:
                # Redis closed an idle connection (restart, timeout): once more, on a new one. Worst
                # case the lost call had counted: counting twice only makes the limit stricter.
                return connections.script(command)
        except StoreUnavailable:
            breaker.failed(self.name)
            raise
        except Exception as error:  # redis.RedisError, and what a bad URL raises (ValueError)
            breaker.failed(self.name)
            raise StoreUnavailable(f"{type(error).__name__}: {error}") from error


class RedisConnections:
    """This process's idle connections to one Redis server.

    redis-py's connections (made by its pool from the URL: TCP, TLS or a Unix socket, password,
    database number), driven one command at a time: the client's command layer (connection
    pool checks, retries, observability hooks) costs more CPU than the round trip itself.
    """

    MAX_IDLE = 8

    def __init__(self, url):
        try:
            import redis  # noqa: PLC0415 - an optional dependency, needed only with a Redis store
            import redis.exceptions  # noqa: PLC0415
        except ImportError as error:
            raise StoreUnavailable(
                f"rest_api.throttle_store is {redacted_url(url)}, but the Python package 'redis' is not "
                "installed in Odoo's Python: pip install redis (docs/deployment.md)"
            ) from error
        self.errors = redis.exceptions
        self.factory = redis.ConnectionPool.from_url(
            url,
            socket_connect_timeout=STORE_CONNECT_TIMEOUT,
            socket_timeout=STORE_STATEMENT_TIMEOUT / 1000,
            health_check_interval=0,
        )
        self.idle = []  # list.pop and list.append are atomic: no lock needed

    def script(self, command):
        """The GCRA script's answer to ``command`` (key, mode, emission, tolerance)."""
        try:
            connection = self.idle.pop()
        except IndexError:
            connection = self.factory.make_connection()
        try:
            try:
                return self._call(connection, "EVALSHA", GCRA_SHA, 1, *command)
            except self.errors.NoScriptError:
                return self._call(connection, "EVAL", GCRA_SCRIPT, 1, *command)
        except BaseException:
            connection.disconnect()  # a timeout leaves an answer on the way: never read it as the next one's
            raise
        finally:
            if len(self.idle) < self.MAX_IDLE:
                self.idle.append(connection)  # a disconnected one connects again when next used
            else:
                connection.disconnect()

    @staticmethod
    def _call(connection, *arguments):
        connection.send_command(*arguments, check_health=False)
        return connection.read_response()


_connections = {}  # url -> RedisConnections, this process's
_connections_lock = threading.Lock()


def _connections_for(url):
    """This process's :class:`RedisConnections` of ``url``, made on first use."""
    connections = _connections.get(url)
    if connections is None:
        with _connections_lock:
            connections = _connections.get(url) or RedisConnections(url)
            _connections[url] = connections
    return connections


def _forget_connections_after_fork():
    """In a forked child: connections of its own, made on first use. The parent's are dropped
    unclosed (redis-py closes a socket only in the process that opened it; the parent goes on)."""
    global _connections_lock  # noqa: PLW0603 - a lock held by another thread at fork time stays held forever
    _connections.clear()
    _connections_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_connections_after_fork)


_stores = {}


def redis_store(url, dbname):
    """The :class:`RedisStore` of ``dbname`` at ``url`` (one object per process, made once)."""
    store = _stores.get((url, dbname))
    if store is None:
        store = _stores[(url, dbname)] = RedisStore(url, dbname)
    return store
