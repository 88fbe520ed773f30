"""Quota leases: requests of a busy bucket charged in the store ahead of use, admitted locally.

A rate-limited request otherwise costs one store round trip, which is most of what throttling
costs (docs/performance.md). With ``rest_api.throttle_lease`` on, a process asks the store for
several requests at once (:meth:`~.base.BucketStore.lease`) and admits the next ones of that
bucket from what it got, without a round trip:

* Never more than the rate: every request is charged in the store before it is admitted, so
  the admitted requests never exceed what the store granted (``burst + rate * T`` from a full
  bucket). A lease lives :data:`LEASE_LIFETIME` at most; what it still holds then is lost,
  never returned nor carried over. In a window that starts while leases are held, the
  requests they still admit come on top, at most ``rate * LEASE_LIFETIME`` and at most
  what those leases hold (each at most ``burst / 8``).
* Hardly less: the store grants a lease at most an eighth of what the bucket admits right now
  (:data:`~.gcra.LEASE_FRACTION`), so a bucket near its limit (under 16 left) grants one request
  at a time, exactly as without leases, and what lapsed leases lose cannot take a bucket below
  14 left: a key sending steadily within its rate is never refused for them; a burst right
  after lapses may find fewer requests left than without leases.
* Only for busy buckets: a process asks for half of what it admitted for the bucket in the
  last second (:data:`DEMAND_WINDOW`), at least one: a quiet key makes one round trip per
  request, with exact headers.
* The headers never say more than the store did: the bucket as the store returned it, less
  what the lease still holds (the bucket refills meanwhile; the headers do not count on it).

Leases are per process (after a fork, the child starts without any) and per bucket name,
which holds the policy (:func:`~.gcra.policy_bucket`) and is kept per store: a changed
policy or store starts afresh. Revocation, expiry and key changes are checked before the
throttle, on every request, leases or not.
"""

import os
import threading
import time

from .gcra import gcra_verdict

LEASE_LIFETIME = 1.0  # seconds a lease may admit requests after the store granted it
DEMAND_WINDOW = 1.0  # seconds over which a process counts a bucket's requests
MAX_BUCKETS = 4096  # buckets whose demand a process tracks; beyond, the idle ones are dropped


class _Bucket:
    """One bucket's lease and recent demand, in one process."""

    __slots__ = ("expires", "now", "previous", "requests", "tat", "tokens", "window_start")

    def __init__(self, at):
        self.tokens = 0  # requests the lease still admits
        self.tat = self.now = 0  # the store's answer to the lease (µs, the store's clock)
        self.expires = 0.0  # time.monotonic() after which the lease admits nothing
        self.window_start = at
        self.requests = 0  # requests of this window
        self.previous = 0  # requests of the previous window

    def count(self, at):
        """Count one request; returns the requests to ask the store for, when it must be asked."""
        elapsed = at - self.window_start
        if elapsed >= DEMAND_WINDOW:
            self.previous = self.requests if elapsed < 2 * DEMAND_WINDOW else 0
            self.requests = 0
            self.window_start = at
        self.requests += 1
        return max(1, max(self.previous, self.requests) // 2)


class LeaseTable:
    """This process's leases, shared by its threads."""

    def __init__(self):
        self.buckets = {}  # (store name, policy bucket) -> _Bucket
        self.lock = threading.Lock()

    def take(self, key, policy):
        """Admit one request of ``key`` from its lease: ``(verdict, None)``; or, when the lease
        is spent or lapsed, ``(None, count)``: ask the store for ``count`` requests."""
        at = time.monotonic()
        with self.lock:
            bucket = self.buckets.get(key)
            if bucket is None:
                if len(self.buckets) >= MAX_BUCKETS:
                    self._drop_idle(at)
                bucket = self.buckets[key] = _Bucket(at)
            wanted = bucket.count(at)
            if not bucket.tokens or at >= bucket.expires:
                bucket.tokens = 0
                return None, wanted
            bucket.tokens -= 1
            tat, now, held = bucket.tat, bucket.now, bucket.tokens
        return gcra_verdict(policy, tat - held * policy.emission_interval, now), None

    def keep(self, key, policy, granted, tat, now):
        """The store granted ``granted`` requests (one is being admitted): keep the others.
        Returns the verdict of the request being admitted."""
        held = granted - 1
        if held > 0:
            with self.lock:
                bucket = self.buckets.get(key)
                if bucket is not None:  # a lease another thread got meanwhile is dropped, not merged
                    bucket.tokens, bucket.tat, bucket.now = held, tat, now
                    bucket.expires = time.monotonic() + LEASE_LIFETIME
        return gcra_verdict(policy, tat - held * policy.emission_interval, now)

    def _drop_idle(self, at):
        idle = [
            key
            for key, bucket in self.buckets.items()
            if at - bucket.window_start >= 2 * DEMAND_WINDOW and at >= bucket.expires
        ]
        for key in idle:
            del self.buckets[key]
        if len(self.buckets) >= MAX_BUCKETS:  # all busy: start afresh (leases lost: stricter, never laxer)
            self.buckets.clear()


leases = LeaseTable()


def _forget_after_fork():
    """A forked child holds no lease: its parent goes on spending them."""
    global leases  # noqa: PLW0603 - a lock held by another thread at fork time stays held forever
    leases = LeaseTable()


os.register_at_fork(after_in_child=_forget_after_fork)
