"""The throttle store in real PostgreSQL: the SQL against the pure GCRA, the
checks through an Odoo environment, failed-authentication limits, usage
figures, and what happens when the store cannot be reached."""

import contextlib
import socket
import time
import uuid
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import fields, sql_db
from odoo.tests import TransactionCase

from ..exceptions import ServiceUnavailable, Throttled, TooManyFailedAuthentications
from ..hooks import uninstall_hook
from ..throttling import base, store, usage
from ..throttling.gcra import RatePolicy, ThrottleSettings, gcra_admit, gcra_charge, policy_bucket
from ..throttling.store import ThrottleStore
from ..throttling.throttle import (
    Throttle,
    check_failed_auth,
    check_key_rate,
    flush_usage,
    record_auth_failure,
    record_usage,
    throttle_for,
    usage_for,
)

HOUR_POLICY = RatePolicy(limit=1, period=3600, burst=3)  # slow enough that a test never sees a refill


PREFIX = "abcd1234"  # a key prefix (Odoo's 8-character index of API keys)


def reset_store_state():
    """Forget this process's store failures (circuit breaker, warning interval)."""
    base.breaker.failed_until.clear()
    base._last_store_warning.update(at=0.0, suppressed=0)


def unique_bucket(prefix="test"):
    return f"{prefix}:{uuid.uuid4().hex}"


class ThrottleCase(TransactionCase):
    def setUp(self):
        super().setUp()
        self.store = ThrottleStore(self.env.cr.dbname)
        # each test sees its first warning and a closed circuit breaker, and leaves them so
        reset_store_state()
        self.addCleanup(reset_store_state)

    def stored_tat(self, bucket, policy=None):
        return self.store.peek(policy_bucket(bucket, policy) if policy else bucket)[0]


class TestSqlMatchesPureGcra(ThrottleCase):
    def test_admissions_follow_the_pure_function_step_by_step(self):
        bucket, tat = unique_bucket(), None
        for _ in range(3):
            admitted, stored, now = self.store.admit(bucket, HOUR_POLICY)
            self.assertEqual((admitted, stored), gcra_admit(HOUR_POLICY, tat, now))
            tat = stored
        admitted, stored, now = self.store.admit(bucket, HOUR_POLICY)
        self.assertFalse(admitted)
        self.assertEqual(stored, tat, "a refused request leaves the bucket alone")
        self.assertEqual(gcra_admit(HOUR_POLICY, tat, now), (False, tat))

    def test_the_bucket_refills_on_the_database_clock(self):
        policy = RatePolicy(limit=20, period=1, burst=1)  # one request per 50 ms
        bucket = unique_bucket()
        self.assertTrue(self.store.admit(bucket, policy)[0])
        self.assertFalse(self.store.admit(bucket, policy)[0])
        time.sleep(0.06)
        admitted, stored, now = self.store.admit(bucket, policy)
        self.assertTrue(admitted)
        self.assertEqual(stored, now + policy.emission_interval)

    def test_many_steps_with_changing_policies_match(self):
        bucket, tat = unique_bucket(), None
        policies = [RatePolicy(1000, 1, 5), RatePolicy(10, 1, 2), RatePolicy(7, 60, 4), RatePolicy(1000, 1, 1)]
        decisions = []
        for step in range(60):
            policy = policies[step % len(policies)]
            admitted, stored, now = self.store.admit(bucket, policy)
            if admitted:  # the decision's own clock reading comes back with an admission
                self.assertEqual((True, stored), gcra_admit(policy, tat, now))
                tat = stored
            else:
                self.assertEqual(stored, tat)
            decisions.append(admitted)
        self.assertIn(True, decisions)
        self.assertIn(False, decisions)

    def test_charge_matches_the_pure_function(self):
        policy = RatePolicy(limit=3, period=60, burst=3)
        bucket = unique_bucket()
        for _ in range(10):
            before, _now = self.store.peek(bucket)
            self.store.charge(bucket, policy)
            after, now = self.store.peek(bucket)
            expected = gcra_charge(policy, before, now)
            self.assertLessEqual(abs(after - expected), 100_000, "same arithmetic, clock read a moment apart")
        self.assertLessEqual(after - now, 60_000_000)


class TestStoreConnections(ThrottleCase):
    def idle_connection(self):
        self.store.peek("warm-up")
        return store._pool_for(self.store.dbname).idle[-1]

    def test_a_connection_the_server_dropped_is_replaced_transparently(self):
        connection = self.idle_connection()
        self.env.cr.execute("SELECT pg_terminate_backend(%s)", [connection.connection.get_backend_pid()])
        time.sleep(0.1)
        bucket = unique_bucket()
        self.assertTrue(self.store.admit(bucket, HOUR_POLICY)[0])
        self.assertIsNotNone(self.stored_tat(bucket))

    def test_lost_prepared_statements_fall_back_to_plain_sql(self):
        connection = self.idle_connection()
        with connection.connection.cursor() as cr:
            cr.execute("DEALLOCATE ALL")  # what a pooler in transaction mode does to a session's statements
        bucket = unique_bucket()
        self.assertTrue(self.store.admit(bucket, HOUR_POLICY)[0])
        self.assertFalse(connection.prepared)
        self.assertEqual(self.store.admit(bucket, HOUR_POLICY)[:2], (True, self.stored_tat(bucket)))


class TestKeyRate(ThrottleCase):
    def test_admitted_requests_get_a_verdict_with_ratelimit_headers(self):
        bucket = unique_bucket("key")
        verdict = check_key_rate(self.env, bucket, RatePolicy(limit=100, period=60, burst=10))
        self.assertEqual(verdict.remaining, 9)
        self.assertEqual(verdict.headers()["RateLimit-Policy"], '"default";q=100;w=60')
        self.assertEqual(verdict.headers()["RateLimit"], '"default";r=9;t=1')

    def test_over_the_rate_raises_429_with_retry_after_and_ratelimit_headers(self):
        bucket = unique_bucket("key")
        for remaining in (2, 1, 0):
            self.assertEqual(check_key_rate(self.env, bucket, HOUR_POLICY).remaining, remaining)
        with self.assertRaises(Throttled) as caught:
            check_key_rate(self.env, bucket, HOUR_POLICY)
        headers = caught.exception.headers
        retry_after = int(headers["Retry-After"])
        self.assertTrue(3590 <= retry_after <= 3600, retry_after)
        self.assertEqual(caught.exception.to_problem()["retry_after"], retry_after)
        self.assertEqual(headers["RateLimit-Policy"], '"default";q=1;w=3600')
        self.assertRegex(headers["RateLimit"], r'^"default";r=0;t=10[78]\d\d$')  # ~3 hours until full

    def test_unlimited_policies_are_not_stored(self):
        bucket = unique_bucket("key")
        unlimited = RatePolicy(limit=0, period=60, burst=10)
        self.assertIsNone(check_key_rate(self.env, bucket, unlimited))
        self.assertIsNone(self.stored_tat(bucket, unlimited))

    def test_a_changed_policy_starts_with_a_full_burst(self):
        bucket = unique_bucket("key")
        slow = RatePolicy(limit=1, period=3600, burst=1)
        check_key_rate(self.env, bucket, slow)
        with self.assertRaises(Throttled):
            check_key_rate(self.env, bucket, slow)
        self.assertEqual(check_key_rate(self.env, bucket, RatePolicy(limit=600, period=60, burst=60)).remaining, 59)

    def test_buckets_are_independent(self):
        first, second = unique_bucket("key"), unique_bucket("key")
        policy = RatePolicy(limit=1, period=3600, burst=1)
        check_key_rate(self.env, first, policy)
        with self.assertRaises(Throttled):
            check_key_rate(self.env, first, policy)
        self.assertEqual(check_key_rate(self.env, second, policy).remaining, 0)

    def test_the_request_transaction_is_not_used(self):
        bucket = unique_bucket("key")
        with contextlib.suppress(RuntimeError), self.env.cr.savepoint():
            check_key_rate(self.env, bucket, HOUR_POLICY)
            raise RuntimeError("the request fails and is rolled back")
        self.assertIsNotNone(self.stored_tat(bucket, HOUR_POLICY), "the admission is committed on its own connection")

    def test_idle_buckets_are_garbage_collected(self):
        idle, busy = unique_bucket(), unique_bucket()
        self.store.admit(idle, RatePolicy(limit=1000, period=1, burst=1))
        self.store.admit(busy, HOUR_POLICY)
        time.sleep(0.01)
        self.env["rest.api.throttle"]._gc_throttle_store()
        self.assertIsNone(self.stored_tat(idle))
        self.assertIsNotNone(self.stored_tat(busy))


class TestFailedAuthentication(ThrottleCase):
    def setUp(self):
        super().setUp()
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("rest_api.failed_auth_limit", "3")
        parameters.set_param("rest_api.failed_auth_period", "60")
        # documentation addresses, made unique per test: the store outlives the test transaction
        self.address = f"2001:db8:{uuid.uuid4().int % 65536:x}:{uuid.uuid4().int % 65536:x}::1"

    def test_an_address_is_refused_after_limit_failures_until_one_interval_passes(self):
        for _ in range(3):
            check_failed_auth(self.env, self.address, PREFIX)
            record_auth_failure(self.env, self.address, PREFIX)
        with self.assertRaises(TooManyFailedAuthentications) as caught:
            check_failed_auth(self.env, self.address, PREFIX)
        self.assertEqual(caught.exception.headers["Retry-After"], "20")  # 60 s / 3 failures
        self.assertIn("failed authentication", caught.exception.detail)
        problem = caught.exception.to_problem()
        self.assertEqual(problem["type"], "urn:odoo-rest-api:problem:too-many-failed-authentications")
        self.assertEqual((problem["status"], problem["retry_after"]), (429, 20))
        self.assertNotEqual(problem["type"], Throttled(1).type_uri, "not the type of a key's rate limit")

    def test_other_prefixes_and_addresses_are_not_affected_but_the_same_slash_64_is(self):
        for _ in range(3):
            record_auth_failure(self.env, self.address, PREFIX)
        neighbour = self.address.replace("::1", "::beef")
        with self.assertRaises(Throttled):
            check_failed_auth(self.env, neighbour, PREFIX)
        check_failed_auth(self.env, self.address, "other123")  # another key, behind the same address
        check_failed_auth(self.env, "192.0.2.200", PREFIX)

    def test_the_prefix_is_not_stored_in_clear(self):
        record_auth_failure(self.env, self.address, PREFIX)
        self.env.cr.execute("SELECT count(*) FROM rest_api_throttle WHERE bucket LIKE %s", [f"%{PREFIX}%"])
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_zero_limit_disables_the_check(self):
        self.env["ir.config_parameter"].sudo().set_param("rest_api.failed_auth_limit", "0")
        for _ in range(10):
            record_auth_failure(self.env, self.address, PREFIX)
            check_failed_auth(self.env, self.address, PREFIX)

    def test_settings_changes_apply_at_once(self):
        self.assertEqual(throttle_for(self.env).settings.failed_auth_policy, RatePolicy(3, 60, 3))
        self.env["ir.config_parameter"].sudo().set_param("rest_api.failed_auth_limit", "7")
        self.assertEqual(throttle_for(self.env).settings.failed_auth_policy, RatePolicy(7, 60, 7))


class TestUsage(ThrottleCase):
    def test_usage_is_counted_outside_the_key_row(self):
        key_id = uuid.uuid4().int % 1_000_000_000 + 1_000_000
        for _ in range(3):
            record_usage(self.env, key_id)
        usage = usage_for(self.env, [key_id, key_id + 1])
        self.assertEqual(list(usage), [key_id])
        last_used, count = usage[key_id]
        self.assertEqual(count, 3)
        self.assertLess(abs(last_used - fields.Datetime.now()), timedelta(seconds=5))  # naive UTC, as Odoo

    def test_usage_of_deleted_keys_is_garbage_collected(self):
        key_id = self.env["rest.api.key"].search([], order="id desc", limit=1).id + 1_000_000  # no such key
        record_usage(self.env, key_id)
        self.assertIn(key_id, usage_for(self.env, [key_id]))
        self.env["rest.api.throttle"]._gc_throttle_store()
        self.assertEqual(usage_for(self.env, [key_id]), {})

    def test_no_ids_no_query(self):
        self.assertEqual(usage_for(self.env, []), {})

    def test_counts_reach_the_store_from_the_background_thread(self):
        key_id = uuid.uuid4().int % 1_000_000_000 + 1_000_000
        for _ in range(4):
            record_usage(self.env, key_id)
        self.assertEqual(self.store.usage([key_id]), {}, "counted in the process, no round trip")
        usage._usage.wake.set()  # as every USAGE_FLUSH_INTERVAL seconds
        deadline = time.monotonic() + 5
        while not self.store.usage([key_id]) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.store.usage([key_id])[key_id][1], 4)

    def test_counts_the_store_could_not_take_are_kept(self):
        key_id = uuid.uuid4().int % 1_000_000_000 + 1_000_000
        record_usage(self.env, key_id)
        base.breaker.failed(self.store.dbname)  # as after a store failure
        with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING") as logs:
            flush_usage(self.env)
        self.assertIn("kept for the next try", logs.output[0])
        record_usage(self.env, key_id)
        reset_store_state()
        _last_used, count = usage_for(self.env, [key_id])[key_id]
        self.assertEqual(count, 2)


class TestUninstall(ThrottleCase):
    def test_uninstall_drops_the_store_tables(self):
        uninstall_hook(self.env)  # inside the test transaction, rolled back afterwards
        self.env.cr.execute("SELECT to_regclass('rest_api_throttle'), to_regclass('rest_api_key_usage')")
        self.assertEqual(self.env.cr.fetchone(), (None, None))


class TestUnreachableStore(ThrottleCase):
    """A database that does not exist, and one without the tables: real connection failures."""

    def throttle(self, dbname, fail_open):
        # counts noted for this store must not stay pending in this process once the test is over
        self.addCleanup(usage._usage.pending.pop, dbname, None)
        return Throttle(ThrottleStore(dbname), ThrottleSettings(fail_open=fail_open), dbname)

    def test_fail_open_allows_and_logs_a_warning_once(self):
        throttle = self.throttle(f"rest_api_missing_{uuid.uuid4().hex[:8]}", fail_open=True)
        with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING") as logs:
            self.assertIsNone(throttle.check_key_rate("key:1", HOUR_POLICY))
            throttle.check_failed_auth("192.0.2.1", PREFIX)
            throttle.record_auth_failure("192.0.2.1", PREFIX)
            usage.count(throttle.store.dbname, 1)
            self.assertEqual(throttle.usage_for([1]), {})
        self.assertEqual(len(logs.records), 1, "one warning per interval, not one per request")
        self.assertIn("admitting the request", logs.output[0])

    def test_fail_closed_answers_503(self):
        for dbname in (f"rest_api_missing_{uuid.uuid4().hex[:8]}", "postgres"):
            throttle = self.throttle(dbname, fail_open=False)
            with self.subTest(dbname=dbname), self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING"):
                reset_store_state()
                with self.assertRaises(ServiceUnavailable) as caught:
                    throttle.check_key_rate("key:1", HOUR_POLICY)
                self.assertEqual(caught.exception.status, 503)
                self.assertEqual(caught.exception.headers["Retry-After"], "10")
                with self.assertRaises(ServiceUnavailable):
                    throttle.check_failed_auth("192.0.2.1", PREFIX)
                usage.count(dbname, 1)  # statistics never fail a request

    def test_fail_open_is_a_setting(self):
        self.assertTrue(throttle_for(self.env).settings.fail_open)
        self.env["ir.config_parameter"].sudo().set_param("rest_api.throttle_fail_open", "False")
        self.assertFalse(throttle_for(self.env).settings.fail_open)


class TestStoreTimeoutsAndCircuitBreaker(ThrottleCase):
    """A store that hangs costs a request at most a short timeout, and then nothing for a while."""

    def fail_open(self, dbname=None):
        dbname = dbname or self.store.dbname
        return Throttle(ThrottleStore(dbname), ThrottleSettings(fail_open=True), dbname)

    def timed(self, function):
        started = time.monotonic()
        result = function()
        return result, time.monotonic() - started

    def test_a_locked_bucket_times_out_then_the_store_is_left_alone(self):
        policy = RatePolicy(limit=1000, period=1, burst=1000)
        bucket = unique_bucket("key")
        throttle = self.fail_open()
        self.assertTrue(throttle.check_key_rate(bucket, policy).admitted)
        blocker = psycopg2.connect(**sql_db.connection_info_for(self.store.dbname)[1])
        self.addCleanup(blocker.close)
        with blocker.cursor() as cr:  # another session holds the bucket's row (an open transaction)
            cr.execute("SELECT 1 FROM rest_api_throttle WHERE bucket = %s FOR UPDATE", [policy_bucket(bucket, policy)])

        with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING") as logs:
            verdict, waited = self.timed(lambda: throttle.check_key_rate(bucket, policy))
        self.assertIsNone(verdict, "admitted without a verdict (fail open)")
        self.assertIn("lock timeout", logs.output[0])
        self.assertTrue(0.9 <= waited < 1.9, f"waited {waited:.2f} s; the lock timeout is 1 s")
        # the breaker is open: the next requests do not wait at all
        for _attempt in range(3):
            verdict, waited = self.timed(lambda: throttle.check_key_rate(bucket, policy))
            self.assertIsNone(verdict)
            self.assertLess(waited, 0.05)

        blocker.rollback()
        with patch.object(base, "STORE_RETRY_AFTER", 0.1):
            base.breaker.failed(self.store.dbname)  # failed again just now, with a short pause
            time.sleep(0.15)
            self.assertTrue(throttle.check_key_rate(bucket, policy).admitted, "the store is asked again")

    def test_a_store_that_never_answers_costs_the_connect_timeout_once(self):
        silent = socket.socket()  # accepts TCP connections and never says a word, like a hung server
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        self.addCleanup(silent.close)
        dbname = f"postgresql://127.0.0.1:{silent.getsockname()[1]}/rest_api_silent"
        throttle = self.fail_open(dbname)

        with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING"):
            verdict, waited = self.timed(lambda: throttle.check_key_rate("key:1", HOUR_POLICY))
        self.assertIsNone(verdict)
        self.assertTrue(1.9 <= waited < 3.5, f"waited {waited:.2f} s; the connect timeout is 2 s")
        _verdict, waited = self.timed(lambda: throttle.check_key_rate("key:1", HOUR_POLICY))
        self.assertLess(waited, 0.05)
        # a failed-authentication check of the same store does not wait either
        _result, waited = self.timed(lambda: throttle.check_failed_auth("192.0.2.1", PREFIX))
        self.assertLess(waited, 0.05)
