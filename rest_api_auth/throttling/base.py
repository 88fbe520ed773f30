"""What every throttle store shares: the interface the checks call, timeouts, the circuit
breaker, and the rate-limited warning of an unavailable store.

Two stores implement :class:`BucketStore`: PostgreSQL (:mod:`.store`, the default, no
setup) and Redis/Valkey (:mod:`.redis_store`, ``rest_api.throttle_store = redis://...``).
Both decide with the same GCRA arithmetic (:mod:`.gcra`) on their server's clock, in one
atomic round trip, so the verdicts, headers and failure handling do not depend on the store.
"""

import logging
import time
import urllib.parse

_logger = logging.getLogger(__name__)

STORE_WARNING_INTERVAL = 60  # seconds between two "store unavailable" warnings of one process
STORE_CONNECT_TIMEOUT = 2  # seconds to open a connection to the store
STORE_STATEMENT_TIMEOUT = 2000  # milliseconds a store statement (or Redis command) may run
STORE_LOCK_TIMEOUT = 1000  # milliseconds a PostgreSQL statement may wait for a bucket's row lock
STORE_RETRY_AFTER = 10  # seconds a process leaves the store alone after a failure


class StoreUnavailable(Exception):
    """The store did not answer (or was not asked: it failed moments ago); the cause is chained."""


class BucketStore:
    """The GCRA buckets of one database: ``lease`` (``admit``), ``charge`` and ``peek``, each one atomic
    round trip on the store's own clock (integer microseconds), raising :class:`StoreUnavailable`.

    ``name`` identifies the store in warnings and for the circuit breaker (never a password).
    """

    name = ""

    def lease(self, bucket, policy, count):
        """Admit up to ``count`` requests at once (:func:`~.gcra.gcra_lease`): ``(granted, tat,
        now)``, ``granted`` 0 when refused. A refused request changes nothing."""
        raise NotImplementedError

    def admit(self, bucket, policy):
        """Decide one request; ``(admitted, tat, now)``."""
        granted, tat, now = self.lease(bucket, policy, 1)
        return bool(granted), tat, now

    def charge(self, bucket, policy):
        """Count one event (a failed authentication) unconditionally."""
        raise NotImplementedError

    def peek(self, bucket):
        """``(tat, now)`` of ``bucket`` (``tat`` None when the bucket is empty)."""
        raise NotImplementedError


class CircuitBreaker:
    """Per process and store: after a store failure, the store is left alone for a while.

    While the store is down, every request would otherwise wait for a connection
    attempt (up to :data:`STORE_CONNECT_TIMEOUT`); for :data:`STORE_RETRY_AFTER`
    seconds after a failure requests go on at once (fail open) or get a 503
    (fail closed), then the next one tries the store again.
    """

    def __init__(self):
        self.failed_until = {}  # store name -> time.monotonic() until which the store is skipped

    def check(self, name):
        until = self.failed_until.get(name)
        if until is not None:
            if time.monotonic() < until:
                raise StoreUnavailable(f"the store failed less than {STORE_RETRY_AFTER} s ago; not asked")
            self.failed_until.pop(name, None)

    def failed(self, name):
        self.failed_until[name] = time.monotonic() + STORE_RETRY_AFTER


breaker = CircuitBreaker()


def redacted_url(url):
    """``url`` without its password, for logs and store names."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is None:
            return url
        user = f"{parts.username}:" if parts.username else ":"
        host = parts.netloc.rpartition("@")[2]
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}***@{host}"))
    except ValueError:
        return "<unparsable URL>"


_last_store_warning = {"at": 0.0, "suppressed": 0}


def warn_store_unavailable(store_name, action, error, outcome):
    """Log the first failure, then at most one warning per ``STORE_WARNING_INTERVAL`` per process."""
    now = time.monotonic()
    if now - _last_store_warning["at"] < STORE_WARNING_INTERVAL:
        _last_store_warning["suppressed"] += 1
        return
    _logger.warning(
        "Throttle store %s unavailable while %s, %s; %d similar failures not logged: %s",
        store_name,
        action,
        outcome,
        _last_store_warning["suppressed"],
        str(error).strip(),
    )
    _last_store_warning.update(at=now, suppressed=0)
