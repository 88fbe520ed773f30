"""What requests note in a process (usage counts, request log rows), stored in batches by a thread.

Why: storing on the request's own transaction would lose what a failed request
noted (it is rolled back), and one statement per request would cost every
request a database round trip. A :class:`BatchWriter` keeps per database what
requests add, and a daemon thread stores it, one batch per database, every
``interval`` seconds, sooner when woken, and when the process exits.

Fork safety: a forked child (Odoo's prefork workers) starts empty, with new
locks and no thread: the parent's pending items are the parent's to store, and
a lock its thread held at fork time would stay held forever in the child.

What the database refuses as data (``psycopg2.DataError``, e.g. a character
PostgreSQL text cannot hold) would fail every retry: it is dropped, anything
else is kept for the next try.
"""

import atexit
import logging
import os
import threading
import weakref

import psycopg2

_logger = logging.getLogger(__name__)


def refused_as_data(error):
    """Whether ``error`` (or the error it was raised from) is PostgreSQL refusing the values."""
    return isinstance(error, psycopg2.DataError) or isinstance(error.__cause__, psycopg2.DataError)


class BatchWriter:
    """Subclasses add to ``self.pending`` (``{dbname: batch}``) under ``self.lock`` and call
    :meth:`_ensure_thread` there; they define :meth:`_store` and :meth:`_keep`."""

    interval = 5  # seconds between two flushes of the thread
    thread_name = "rest_api batch writer"
    _instances = weakref.WeakSet()

    def __init__(self):
        self._reset()
        BatchWriter._instances.add(self)
        atexit.register(self.flush_all)

    def _reset(self):
        """A process's fresh state (also in a forked child, see the module's docstring)."""
        self.lock = threading.Lock()  # guards pending and the subclass's own state
        self.flush_lock = threading.Lock()  # one flush at a time: a reader's flush waits for the thread's
        self.pending = {}
        self.wake = threading.Event()
        self.thread = None

    def _ensure_thread(self):
        """Start the background thread if it is not running yet (call with ``self.lock`` held)."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self.thread.start()

    def flush(self, dbname):
        """Store what is pending for ``dbname`` now (when this returns, it is stored, kept or dropped)."""
        with self.flush_lock:
            with self.lock:
                batch = self._take(dbname)
            if not batch:
                return
            try:
                self._store(dbname, batch)
            except Exception as error:
                if refused_as_data(error):
                    self._drop(dbname, batch, error)
                else:
                    self._keep(dbname, batch, error)

    def flush_all(self):
        for dbname in self._databases():
            self.flush(dbname)

    def _databases(self):
        with self.lock:
            return list(self.pending)

    def _take(self, dbname):
        """The batch of ``dbname``, removed from ``pending`` (called with ``self.lock`` held)."""
        return self.pending.pop(dbname, None)

    def _store(self, dbname, batch):
        raise NotImplementedError

    def _keep(self, dbname, batch, error):
        """Put back a ``batch`` that could not be stored, for the next try."""
        raise NotImplementedError

    def _drop(self, dbname, batch, error):
        """Forget a ``batch`` PostgreSQL refused as data."""
        _logger.warning("%s: a batch of database %s dropped, refused as data: %s", self.thread_name, dbname, error)

    def _run(self):
        while True:
            self.wake.wait(self.interval)
            self.wake.clear()
            try:
                self.flush_all()
            except Exception:  # the thread must survive anything
                _logger.exception("%s: flush failed", self.thread_name)


def _reset_after_fork():
    for writer in list(BatchWriter._instances):
        writer._reset()


os.register_at_fork(after_in_child=_reset_after_fork)
