"""The background batching writer of the usage counts and the request log, against real PostgreSQL:
batches stored by the thread, kept when the database is unreachable, dropped when PostgreSQL
refuses them as data, a forked child starting empty."""

import os
import time
import uuid

from odoo import sql_db
from odoo.tests import BaseCase, TransactionCase

from ..batching import BatchWriter


class IntegerWriter(BatchWriter):
    """Stores text values as PostgreSQL integers: a non-number is refused as data (22P02)."""

    thread_name = "rest_api test writer"

    def __init__(self):
        super().__init__()
        self.stored, self.kept, self.dropped = [], [], []

    def add(self, dbname, value):
        with self.lock:
            self.pending.setdefault(dbname, []).append(value)
            self._ensure_thread()

    def _store(self, dbname, values):
        with sql_db.db_connect(dbname).cursor() as cr:
            cr.execute("SELECT v::integer FROM unnest(%s::text[]) AS v", [values])
            self.stored += [number for (number,) in cr.fetchall()]

    def _keep(self, dbname, values, error):
        with self.lock:
            self.pending.setdefault(dbname, [])[:0] = values
        self.kept.append(str(error))

    def _drop(self, dbname, values, error):
        self.dropped += values
        return super()._drop(dbname, values, error)


class TestBatchWriter(TransactionCase):
    def test_the_thread_stores_the_batch_within_its_interval_or_when_woken(self):
        writer = IntegerWriter()
        writer.add(self.env.cr.dbname, "1")
        writer.add(self.env.cr.dbname, "2")
        self.assertEqual(writer.stored, [], "noted in the process, no round trip")
        writer.wake.set()
        deadline = time.monotonic() + 10
        while not writer.stored and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(writer.stored, [1, 2])
        self.assertEqual(writer.pending, {})

    def test_an_unreachable_database_keeps_the_batch_and_a_refusal_as_data_drops_it(self):
        missing = f"rest_api_missing_{uuid.uuid4().hex[:8]}"
        writer = IntegerWriter()
        writer.add(missing, "1")
        writer.flush(missing)
        self.assertEqual((writer.pending, len(writer.kept)), ({missing: ["1"]}, 1))
        dbname = self.env.cr.dbname
        writer.add(dbname, "not a number")
        with self.assertLogs("odoo.addons.rest_api_auth.batching", "WARNING"):
            writer.flush(dbname)
        self.assertEqual((writer.dropped, writer.stored), (["not a number"], []))
        self.assertNotIn(dbname, writer.pending, "never retried")
        writer.add(dbname, "3")
        writer.flush_all()
        self.assertEqual(writer.stored, [3])
        self.assertEqual(writer.pending, {missing: ["1"]}, "still kept for the next try")


class TestFork(BaseCase):
    def test_a_forked_child_starts_empty_with_free_locks(self):
        writer = IntegerWriter()
        writer.add("parent_db", "1")
        read_end, write_end = os.pipe()
        with writer.lock:  # held by the parent at fork time: the child must not inherit it held
            pid = os.fork()
            if pid == 0:  # the child: report and leave at once, without the parent's atexit handlers
                ok = writer.lock.acquire(timeout=1) and writer.pending == {} and writer.thread is None
                os.write(write_end, b"1" if ok else b"0")
                os._exit(0)
        os.close(write_end)
        _pid, status = os.waitpid(pid, 0)
        answer = os.read(read_end, 1)
        os.close(read_end)
        self.assertEqual((os.waitstatus_to_exitcode(status), answer), (0, b"1"))
        self.assertEqual(writer.pending, {"parent_db": ["1"]}, "the parent's batch stays the parent's")
