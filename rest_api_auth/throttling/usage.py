"""Key usage figures (request count, last use), counted in the process and added to the store."""

import atexit
import logging
import os
import threading
import time

from .store import StoreUnavailable, ThrottleStore, warn_store_unavailable

_logger = logging.getLogger(__name__)

USAGE_FLUSH_INTERVAL = 5  # seconds between two additions of a process's usage counts to the store


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
                warn_store_unavailable(dbname, "storing key usage", error, "kept for the next try")

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


def _forget_counts_after_fork():
    """In a forked child: the parent's pending counts are the parent's to store, and its
    thread (and the locks that thread may hold) do not exist in the child."""
    global _usage  # noqa: PLW0603
    atexit.unregister(_usage.flush_all)
    _usage = UsageCounter()
    atexit.register(_usage.flush_all)


os.register_at_fork(after_in_child=_forget_counts_after_fork)


def count(dbname, api_key_id):
    """Count one request of ``rest.api.key`` ``api_key_id`` (stored within seconds)."""
    _usage.count(dbname, api_key_id)


def flush(dbname):
    """Store this process's pending counts of ``dbname`` now."""
    _usage.flush(dbname)
