"""Quota leases (throttling/lease.py): the stores grant several requests at once exactly as the
pure function says, a process admits a busy key's requests from its lease, and neither the
limit, the headers, revocation nor policy changes move. Real PostgreSQL and Redis."""

import multiprocessing
import random
import time
from unittest.mock import patch

from odoo.tests import BaseCase

from ..exceptions import Throttled
from ..throttling import lease
from ..throttling.base import BucketStore
from ..throttling.gcra import (
    LEASE_FRACTION,
    MICROSECONDS,
    RatePolicy,
    ThrottleSettings,
    gcra_admit,
    gcra_lease,
    policy_bucket,
)
from ..throttling.throttle import Throttle, bucket_store
from .common import RestApiUsersMixin, make_api_key
from .redis_helpers import REDIS_URL
from .test_throttling_concurrency import asked_seconds, excess_over_arrival_curve
from .test_throttling_store import unique_bucket
from .test_throttling_stores import POLICIES, SEEDS, StoresCase, key_request

T0 = 1_800_000_000 * MICROSECONDS
SLOW = RatePolicy(limit=100, period=3600, burst=100)  # 36 s per request: no refill during a test
# bursts large enough for leases; fast enough that the stores' clocks refill them between steps
LEASE_POLICIES = (RatePolicy(2000, 1, 200), RatePolicy(5000, 1, 64), RatePolicy(1, 3600, 40), RatePolicy(500, 1, 3))


class Counting(BucketStore):
    """A real store, its round trips counted (``grants``: (granted, now) of each)."""

    def __init__(self, store):
        self.store, self.name, self.grants = store, store.name, []

    def lease(self, bucket, policy, count):
        granted, tat, now = self.store.lease(bucket, policy, count)
        self.grants.append((granted, now))
        return granted, tat, now


class TestPureLease(BaseCase):
    def test_one_request_is_exactly_gcra_admit(self):
        chance = random.Random(7)  # noqa: S311 - reproducible arrivals, not secrets
        for policy in POLICIES:
            now, tat = T0, None
            for _ in range(2000):
                now += int(chance.expovariate(2 * policy.limit / policy.period) * MICROSECONDS)
                granted, new_tat = gcra_lease(policy, tat, now, 1)
                self.assertEqual((bool(granted), new_tat), gcra_admit(policy, tat, now))
                tat = new_tat

    def test_large_far_from_the_limit_single_near_it_none_beyond(self):
        policy = RatePolicy(limit=1000, period=3600, burst=160)
        self.assertEqual(gcra_lease(policy, None, T0, 1000)[0], 160 // LEASE_FRACTION)  # 20 of 160
        self.assertEqual(gcra_lease(policy, None, T0, 5)[0], 5, "never more than asked")
        granted, tat, grants = 0, None, []
        while True:
            granted, tat_after = gcra_lease(policy, tat, T0, 1000)
            if not granted:
                break
            grants.append(granted)
            tat = tat_after
        self.assertEqual(sum(grants), 160, "exactly the burst, however it is leased")
        self.assertEqual(grants[:3], [20, 17, 15])
        self.assertEqual(grants[-15:], [2] + [1] * 14, "the last ones one by one, as without leases")
        self.assertEqual(tat_after, tat, "a refusal leaves the bucket alone")

    def test_leases_never_exceed_burst_plus_rate_times_t(self):
        chance = random.Random(11)  # noqa: S311
        for policy in (RatePolicy(100, 1, 40), RatePolicy(1000, 1, 400), RatePolicy(50, 1, 8)):
            rate, now, tat, charged = policy.limit / policy.period, T0, None, []
            for _ in range(3000):
                now += int(chance.expovariate(2 * rate) * MICROSECONDS)  # more than the rate asks
                granted, tat = gcra_lease(policy, tat, now, chance.randint(1, 60))
                charged += [now] * granted
            with self.subTest(policy=policy):
                self.assertLessEqual(excess_over_arrival_curve(charged, rate, policy.capacity), 1e-6)
                owed = policy.capacity + rate * (now - T0) / MICROSECONDS
                self.assertGreaterEqual(len(charged), 0.9 * owed)


class TestStoresLease(StoresCase):
    def test_sql_lua_and_the_pure_function_agree_on_every_grant(self):
        for seed in SEEDS:
            chance = random.Random(seed)  # noqa: S311
            for name, store in self.stores.items():
                bucket, tats, grants = unique_bucket(), {}, []
                policy = chance.choice(LEASE_POLICIES)
                for _step in range(60):
                    if chance.random() < 0.05:
                        policy = chance.choice(LEASE_POLICIES)
                    count = chance.choice((1, 1, 2, 5, 40, 1000))
                    time.sleep(chance.choice((0, 0, 0.0005, 0.002)))
                    key = policy_bucket(bucket, policy)
                    granted, stored, now = store.lease(key, policy, count)
                    with self.subTest(seed=seed, store=name):
                        self.assertEqual((granted, stored), gcra_lease(policy, tats.get(key), now, count))
                    if granted:
                        tats[key] = stored
                    grants.append(granted)
                self.assertTrue(any(granted > 1 for granted in grants), f"{name}, seed {seed}: no lease")

    def test_grants_near_and_far_from_the_limit_in_both_stores(self):
        for name, store in self.stores.items():
            with self.subTest(store=name):
                bucket = unique_bucket()
                grants = [store.lease(bucket, SLOW, 50)[0] for _ in range(40)]
                far = [12, 11, 9, 8, 7, 6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 2]  # 100 // 8, 88 // 8, 77 // 8, ...
                self.assertEqual(grants, far + [1] * 15 + [0] * 9, "one at a time near the limit, then none")
                self.assertEqual(store.lease(bucket, SLOW, 1)[0], 0)


class LeaseCase(StoresCase):
    def throttles(self, lease_on=True):
        """``(store name, Throttle on a counting store)`` of each store, leases on or off."""
        settings = ThrottleSettings(lease=lease_on)
        for name, store in self.stores.items():
            yield name, Throttle(Counting(store), settings, self.env.cr.dbname)


class TestLocalLeases(LeaseCase):
    def test_a_busy_key_pays_a_round_trip_per_lease_and_exact_headers(self):
        for name, throttle in self.throttles():
            with self.subTest(store=name):
                bucket = unique_bucket("key")
                remaining = [throttle.check_key_rate(bucket, SLOW).remaining for _ in range(40)]
                self.assertEqual(remaining, list(range(99, 59, -1)), "as without leases: no refill in 36 s")
                grants = [granted for granted, _now in throttle.store.grants]
                self.assertLess(len(grants), 15, grants)
                self.assertEqual(grants[:3], [1, 1, 1], "a quiet key asks for one request at a time")
                self.assertGreaterEqual(sum(grants), 40)
                # the store never said more than the last header: it counts the lease's unspent requests
                stored, now = throttle.store.store.peek(policy_bucket(bucket, SLOW))
                self.assertGreater(stored - now, (40 - 1) * SLOW.emission_interval)

    def test_without_leases_every_request_is_a_round_trip(self):
        for name, throttle in self.throttles(lease_on=False):
            with self.subTest(store=name):
                bucket = unique_bucket("key")
                for _request in range(20):
                    throttle.check_key_rate(bucket, SLOW)
                self.assertEqual([granted for granted, _now in throttle.store.grants], [1] * 20)

    def test_near_the_limit_every_request_asks_the_store_and_the_limit_holds(self):
        policy = RatePolicy(limit=30, period=3600, burst=30)
        for name, throttle in self.throttles():
            with self.subTest(store=name):
                bucket, admitted = unique_bucket("key"), 0
                for _request in range(40):
                    try:
                        throttle.check_key_rate(bucket, policy)
                        admitted += 1
                    except Throttled as error:
                        self.assertEqual(error.headers["RateLimit"].split(";")[1], "r=0")
                self.assertEqual(admitted, 30)
                grants = [granted for granted, _now in throttle.store.grants]
                self.assertEqual(grants[-10:], [0] * 10, "refused: asked every time")
                self.assertEqual(max(grants), 30 // LEASE_FRACTION)

    def test_a_lapsed_lease_admits_nothing_more(self):
        for name, throttle in self.throttles():
            with self.subTest(store=name), patch.object(lease, "LEASE_LIFETIME", 0.2):
                bucket = unique_bucket("key")
                for _request in range(10):  # the last lease (4, from the 9th) holds 2 more
                    throttle.check_key_rate(bucket, SLOW)
                held = lease.leases.buckets[(throttle.store.name, policy_bucket(bucket, SLOW))].tokens
                self.assertGreater(held, 0, "a lease is held")
                trips = len(throttle.store.grants)
                time.sleep(0.25)
                throttle.check_key_rate(bucket, SLOW)
                self.assertEqual(len(throttle.store.grants), trips + 1, "asked the store again")
                charged = sum(granted for granted, _now in throttle.store.grants)
                self.assertGreaterEqual(charged - 11, held, "what the lapsed lease held stays charged")
                stored, now = throttle.store.store.peek(policy_bucket(bucket, SLOW))
                self.assertGreater(stored - now, (charged - 1) * SLOW.emission_interval)

    def test_a_changed_policy_or_store_does_not_spend_an_old_lease(self):
        faster = RatePolicy(limit=200, period=3600, burst=200)
        for name, throttle in self.throttles():
            with self.subTest(store=name):
                bucket = unique_bucket("key")
                for _request in range(12):
                    throttle.check_key_rate(bucket, SLOW)
                trips = len(throttle.store.grants)
                self.assertEqual(throttle.check_key_rate(bucket, faster).remaining, 199, "a fresh bucket")
                self.assertEqual(len(throttle.store.grants), trips + 1)


def hammer(store_setting, bucket, policy, window, results):
    """Requests as fast as one process can send them through its leases, in ``window``."""
    start, deadline = window
    try:
        store = Counting(bucket_store(*store_setting))  # the child's own connections
        throttle = Throttle(store, ThrottleSettings(lease=True), store_setting[0])
        admitted_at, refused_at = [], []
        time.sleep(max(0.0, start - time.time()))
        while time.time() < deadline:
            try:
                throttle.check_key_rate(bucket, policy)
                admitted_at.append(time.time())
            except Throttled:
                refused_at.append(time.time())
        results.put((admitted_at, refused_at, store.grants, None))
    except Exception as error:  # reported to the parent, which fails the test
        results.put(([], [], [], repr(error)))


class TestLeasesUnderConcurrency(LeaseCase):
    PROCESSES = 4
    DURATION = 3.0
    POLICY = RatePolicy(limit=200, period=1, burst=200)  # leases of up to 25 at first

    def test_leasing_processes_stay_exact_in_both_stores(self):
        for url in ("postgresql", REDIS_URL):
            with self.subTest(store=url):
                self.hammer_and_check(url)

    def hammer_and_check(self, url):
        context, bucket = multiprocessing.get_context("fork"), unique_bucket("key")
        results, start = context.Queue(), time.time() + 1.0
        window = (start, start + self.DURATION)
        arguments = ((self.env.cr.dbname, url), bucket, self.POLICY, window, results)
        processes = [context.Process(target=hammer, args=arguments) for _ in range(self.PROCESSES)]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=self.DURATION + 60) for _ in processes]
        for process in processes:
            process.join(timeout=10)
        self.assertEqual([outcome[3] for outcome in outcomes], [None] * self.PROCESSES)
        admitted = sorted(at for outcome in outcomes for at in outcome[0])
        refused = [at for outcome in outcomes for at in outcome[1]]
        grants = [grant for outcome in outcomes for grant in outcome[2]]
        charged = [now for granted, now in grants for _token in range(granted)]
        rate = self.POLICY.limit / self.POLICY.period
        # every admitted request was charged in the store first, and the charges follow GCRA
        self.assertLessEqual(len(admitted), len(charged))
        self.assertLessEqual(excess_over_arrival_curve(charged, rate, self.POLICY.burst), 1e-6)
        self.assertGreater(max(granted for granted, _now in grants), 1, "leases were granted")
        self.assertGreater(len(refused), len(admitted), "the processes asked for more than the rate")
        asked = asked_seconds([int(at * MICROSECONDS) for at in admitted + refused], rate)
        owed = self.POLICY.burst + rate * asked
        self.assertGreater(asked, self.DURATION / 2)
        self.assertGreaterEqual(len(admitted), 0.9 * owed, f"{len(admitted)} admitted of {owed:.0f} owed")


class TestLeasesAndKeyChanges(RestApiUsersMixin, LeaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()

    def request(self, secret):
        return key_request(self.env, secret)

    def test_a_revoked_key_is_refused_at_once_whatever_its_lease_holds(self):
        for url in ("postgresql", REDIS_URL):
            with self.subTest(store=url):
                self.use_store(url)
                key, secret = make_api_key(self.env, self.user, rate_limit=100, rate_period=3600, rate_burst=100)
                answers = [self.request(secret) for _ in range(20)]
                self.assertEqual([status for status, _header in answers], [200] * 20)
                self.assertEqual(answers[-1][1], '"default";r=80;t=720')
                buckets = lease.leases.buckets.items()
                held = [entry.tokens for name, entry in buckets if name[1].startswith(f"key:{key.id}@")]
                self.assertGreater(sum(held), 0, "a lease is held")
                key.write({"active": False})
                self.assertEqual(self.request(secret)[0], 401)
                key.write({"active": True, "rate_limit": 100, "rate_burst": 10})  # a policy change
                self.assertEqual(self.request(secret), (200, '"default";r=9;t=36'), "a fresh bucket")
