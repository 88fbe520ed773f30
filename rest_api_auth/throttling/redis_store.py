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
  process makes its own client (connection pool) on first use, so a prefork worker
  never uses a connection of its parent. Connecting and every command have the short
  timeouts of :mod:`.base`; failures open the circuit breaker like the PostgreSQL store's.
* Key usage figures stay in PostgreSQL (:mod:`.usage`: batched, not per request).
"""

import hashlib
import os
import threading

from .base import STORE_CONNECT_TIMEOUT, STORE_STATEMENT_TIMEOUT, BucketStore, StoreUnavailable, breaker, redacted_url

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

# KEYS[1]: the bucket. ARGV: mode (admit, charge or peek), emission interval, tolerance (µs).
# Returns {admitted or present (1/0), tat (0 when absent), now}. See gcra.gcra_admit/gcra_charge.
GCRA_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local stored = redis.call('GET', KEYS[1])
local tat = stored and tonumber(stored)
if ARGV[1] == 'peek' then
  if tat then return {1, tat, now} end
  return {0, 0, now}
end
local emission, tolerance = tonumber(ARGV[2]), tonumber(ARGV[3])
local start = now
if tat and tat > now then start = tat end
local new
if ARGV[1] == 'charge' then
  new = math.min(start + emission, now + tolerance + emission)
else
  if start - now > tolerance then return {0, tat, now} end
  new = start + emission
end
-- one millisecond more than the backlog: expiry counts from the whole millisecond of 'now'
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', math.ceil((new - now) / 1000) + 1)
return {1, new, now}
"""
GCRA_SHA = hashlib.sha1(GCRA_SCRIPT.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1


def is_redis_url(url):
    return url.startswith(REDIS_SCHEMES)


class RedisStore(BucketStore):
    """The buckets of database ``dbname`` in the Redis server at ``url``."""

    def __init__(self, url, dbname):
        self.url = url
        self.dbname = dbname
        self.name = f"{redacted_url(url)} (database {dbname})"
        self.prefix = f"rest_api:{dbname}:"

    def admit(self, bucket, policy):
        admitted, tat, now = self._run(bucket, "admit", policy.emission_interval, policy.tolerance)
        return bool(admitted), tat, now

    def charge(self, bucket, policy):
        self._run(bucket, "charge", policy.emission_interval, policy.tolerance)

    def peek(self, bucket):
        present, tat, now = self._run(bucket, "peek", 0, 0)
        return (tat if present else None), now

    def _run(self, bucket, *arguments):
        breaker.check(self.name)
        try:
            client, errors = _client_for(self.url)
            key = self.prefix + bucket
            try:
                return _script(client, errors, key, arguments)
            except errors.ConnectionError:
                # Redis closed an idle connection (restart, timeout): once more, on a new one. Worst
                # case the lost call had counted: counting twice only makes the limit stricter.
                return _script(client, errors, key, arguments)
        except StoreUnavailable:
            breaker.failed(self.name)
            raise
        except Exception as error:  # redis.RedisError, and what a bad URL raises (ValueError)
            breaker.failed(self.name)
            raise StoreUnavailable(f"{type(error).__name__}: {error}") from error


def _script(client, errors, key, arguments):
    try:
        return client.evalsha(GCRA_SHA, 1, key, *arguments)
    except errors.NoScriptError:
        return client.eval(GCRA_SCRIPT, 1, key, *arguments)


_clients = {}  # url -> (redis.Redis, redis.exceptions), this process's
_clients_lock = threading.Lock()


def _client_for(url):
    """This process's client of ``url`` (its own connection pool), made on first use."""
    client = _clients.get(url)
    if client is None:
        with _clients_lock:
            client = _clients.get(url) or _new_client(url)
            _clients[url] = client
    return client


def _new_client(url):
    try:
        import redis  # noqa: PLC0415 - an optional dependency, needed only with a Redis store
        import redis.backoff  # noqa: PLC0415
        import redis.exceptions  # noqa: PLC0415
        import redis.retry  # noqa: PLC0415
    except ImportError as error:
        raise StoreUnavailable(
            f"rest_api.throttle_store is {redacted_url(url)}, but the Python package 'redis' is not "
            "installed in Odoo's Python: pip install redis (docs/deployment.md)"
        ) from error
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=STORE_CONNECT_TIMEOUT,
        socket_timeout=STORE_STATEMENT_TIMEOUT / 1000,
        retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0),  # one retry of our own, never a backoff
        health_check_interval=0,
    )
    return client, redis.exceptions


def _forget_clients_after_fork():
    """In a forked child: its own clients, made on first use (the parent's sockets stay the parent's)."""
    global _clients_lock  # noqa: PLW0603 - a lock held by another thread at fork time stays held forever
    _clients.clear()
    _clients_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_clients_after_fork)


_stores = {}


def redis_store(url, dbname):
    """The :class:`RedisStore` of ``dbname`` at ``url`` (one object per process, made once)."""
    store = _stores.get((url, dbname))
    if store is None:
        store = _stores[(url, dbname)] = RedisStore(url, dbname)
    return store
