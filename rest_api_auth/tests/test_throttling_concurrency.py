"""Exactness under contention: several OS processes, each on its own connections to the
store (like Odoo workers on several hosts), hammer one bucket, in PostgreSQL and in Redis."""

import itertools
import multiprocessing
import time
import uuid

from odoo.tests import BaseCase, TransactionCase

from ..throttling.gcra import MICROSECONDS, RatePolicy
from ..throttling.redis_store import _connections_for, redis_store
from ..throttling.store import PEEK, ThrottleStore, _pool_for
from ..throttling.throttle import bucket_store
from .redis_helpers import REDIS_URL, require_redis

PROCESSES = 4
DURATION = 3.0  # seconds
POLICY = RatePolicy(limit=100, period=1, burst=20)


def hammer(store, bucket, policy, window, results):
    """As many requests as one process can make in ``window`` (start, deadline: epoch seconds)."""
    start, deadline = window
    try:
        store = bucket_store(*store)  # (database, setting): the forked child opens connections of its own
        admitted_at, refused_at = [], []
        time.sleep(max(0.0, start - time.time()))
        while time.time() < deadline:
            admitted, _tat, now = store.admit(bucket, policy)
            (admitted_at if admitted else refused_at).append(now)
        results.put((admitted_at, refused_at, None))
    except Exception as error:  # reported to the parent, which fails the test
        results.put(([], [], repr(error)))


def excess_over_arrival_curve(times, rate_per_second, burst):
    """How far the admissions exceed ``burst + rate * T`` in their worst interval (<= 0 when exact)."""
    times = sorted(times)
    worst, best_start = float("-inf"), float("inf")
    for index, at in enumerate(times):
        elapsed = (at - times[0]) / MICROSECONDS
        best_start = min(best_start, index - rate_per_second * elapsed)
        worst = max(worst, (index - rate_per_second * elapsed - best_start + 1) - burst)
    return worst


def asked_seconds(times, rate_per_second):
    """How long requests kept coming: from first to last, less the gaps longer than one emission
    interval (a busy machine can pause every process at once; nothing is owed for such a gap)."""
    times = sorted(times)
    interval = MICROSECONDS / rate_per_second
    gaps = sum(later - earlier - interval for earlier, later in itertools.pairwise(times) if later - earlier > interval)
    return (times[-1] - times[0] - gaps) / MICROSECONDS


class TestArrivalCurveCheck(BaseCase):
    def test_the_checker_finds_a_violation(self):
        steady = [i * MICROSECONDS // 10 for i in range(50)]  # 10 per second
        self.assertLessEqual(excess_over_arrival_curve(steady, 10, 1), 1e-9)
        self.assertAlmostEqual(excess_over_arrival_curve([*steady, steady[-1]], 10, 1), 1)

    def test_asked_seconds_leaves_out_pauses(self):
        steady = [i * MICROSECONDS // 10 for i in range(11)]  # 1 s at 10 per second
        self.assertAlmostEqual(asked_seconds(steady, 10), 1.0)
        paused = [*steady, steady[-1] + 3 * MICROSECONDS]  # then nothing for 3 s, one more request
        self.assertAlmostEqual(asked_seconds(paused, 10), 1.1)


class TestConcurrentProcesses(TransactionCase):
    def test_admitted_requests_stay_within_burst_plus_rate_times_t_in_postgresql(self):
        bucket = f"test:{uuid.uuid4().hex}"
        ThrottleStore(self.env.cr.dbname).peek(bucket)  # this process holds store connections when it forks
        kept = list(_pool_for(self.env.cr.dbname).idle)
        self.hammer_and_check("postgresql", bucket)
        for connection in kept:  # the children did not end the sessions of the parent's connections
            self.assertIsNotNone(connection.run(PEEK, bucket=bucket)[0][0][0])

    def test_admitted_requests_stay_within_burst_plus_rate_times_t_in_redis(self):
        require_redis()
        bucket = f"test:{uuid.uuid4().hex}"
        store = redis_store(REDIS_URL, self.env.cr.dbname)
        store.peek(bucket)  # this process holds a connection to Redis when it forks
        kept = list(_connections_for(REDIS_URL).idle)
        self.hammer_and_check(REDIS_URL, bucket)
        store.peek(bucket)  # the children did not close the parent's connection: it is used again
        self.assertEqual(_connections_for(REDIS_URL).idle, kept)

    def hammer_and_check(self, store_setting, bucket):
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        start = time.time() + 1.0
        deadline = start + DURATION
        processes = [
            context.Process(
                target=hammer, args=((self.env.cr.dbname, store_setting), bucket, POLICY, (start, deadline), results)
            )
            for _ in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=DURATION + 60) for _ in processes]
        for process in processes:
            process.join(timeout=10)
        self.assertEqual([error for _admitted, _refused, error in outcomes], [None] * PROCESSES)

        admitted_at = [at for times, _refused, _error in outcomes for at in times]
        refused_at = [at for _times, refused, _error in outcomes for at in refused]
        rate = POLICY.limit / POLICY.period
        ceiling = POLICY.burst + rate * DURATION
        self.assertGreater(len(refused_at), len(admitted_at), "the processes must ask for more than the rate allows")
        self.assertTrue(all(times for times, _refused, _error in outcomes), "every process got some requests in")
        self.assertLessEqual(excess_over_arrival_curve(admitted_at, rate, POLICY.burst), 1e-6)
        asked = asked_seconds(admitted_at + refused_at, rate)
        owed = POLICY.burst + rate * asked  # what the rate owes the time requests really kept coming
        figures = (
            f"{len(admitted_at)} admitted, {len(refused_at)} refused, ceiling {ceiling:.0f}, "
            f"asked for {asked:.2f} s of {DURATION} s, owed {owed:.0f}"
        )
        self.assertLessEqual(len(admitted_at), ceiling, figures)
        self.assertGreater(asked, DURATION / 2, figures)
        self.assertGreaterEqual(len(admitted_at), 0.9 * owed, figures)
