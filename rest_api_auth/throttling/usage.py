"""Key usage figures (request count, last use), counted in the process and added to the store."""

import time

from ..batching import BatchWriter
from .store import ThrottleStore, warn_store_unavailable

USAGE_FLUSH_INTERVAL = 5  # seconds between two additions of a process's usage counts to the store


class UsageCounter(BatchWriter):
    """Requests per key counted in this process, added to the store in one statement per database
    every :data:`USAGE_FLUSH_INTERVAL` seconds by a background thread, and when the process exits.

    Counting costs a request no round trip. The figures shown lag by up to the
    interval (a process killed outright, e.g. past ``--limit-time-real``, loses
    its last interval); counts that could not be stored are kept for the next try.
    ``pending``: ``{dbname: {api_key_id: [requests, last_used (epoch seconds)]}}``.
    """

    interval = USAGE_FLUSH_INTERVAL
    thread_name = "rest_api usage counter"

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
            self._ensure_thread()

    def _store(self, dbname, counts):
        ThrottleStore(dbname).add_usage(counts)

    def _keep(self, dbname, counts, error):
        with self.lock:
            pending = self.pending.setdefault(dbname, {})
            for api_key_id, (requests, last_used) in counts.items():
                entry = pending.setdefault(api_key_id, [0, last_used])
                entry[0] += requests
                entry[1] = max(entry[1], last_used)
        warn_store_unavailable(dbname, "storing key usage", error, "kept for the next try")


_usage = UsageCounter()


def count(dbname, api_key_id):
    """Count one request of ``rest.api.key`` ``api_key_id`` (stored within seconds)."""
    _usage.count(dbname, api_key_id)


def flush(dbname):
    """Store this process's pending counts of ``dbname`` now."""
    _usage.flush(dbname)
