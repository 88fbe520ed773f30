"""Both bucket stores, PostgreSQL and Redis, against the pure GCRA and against each other:
generated arrival sequences, outages (fail open, fail closed, recovery without a restart),
and the key and policy changes an administrator makes. Needs a Redis server (fails without)."""

import random
import sys
import time
import uuid
from unittest.mock import patch

import psycopg2

from odoo import sql_db
from odoo.tools import config

from ..authentication import resolve
from ..exceptions import AuthenticationFailed, ServiceUnavailable, Throttled, TooManyFailedAuthentications
from ..throttling import base, redis_store
from ..throttling.gcra import (
    RatePolicy,
    ThrottleSettings,
    failed_auth_bucket,
    gcra_admit,
    gcra_charge,
    policy_bucket,
)
from ..throttling.store import ThrottleStore
from ..throttling.throttle import Throttle, bucket_store, check_key_rate, throttle_for
from .common import RestApiUsersMixin, make_api_key
from .redis_helpers import REDIS_URL, PrivateRedis, require_redis
from .test_throttling_store import PREFIX, ThrottleCase, unique_bucket

SEEDS = (1, 2, 3, 4, 5, 6)
# fast enough that the stores' clocks refill buckets between steps, slow enough to refuse too
POLICIES = (RatePolicy(1000, 1, 3), RatePolicy(500, 1, 1), RatePolicy(2000, 1, 8), RatePolicy(1, 3600, 2))


def arrivals(seed, steps=80):
    """A reproducible sequence of ``(mode, policy, pause seconds)``: bursts, pauses, policy changes."""
    chance = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    policy = chance.choice(POLICIES)
    for _step in range(steps):
        if chance.random() < 0.05:
            policy = chance.choice(POLICIES)
        mode = chance.choices(("admit", "charge", "peek"), weights=(8, 1, 1))[0]
        pause = chance.choice((0, 0, 0, 0.0005, 0.001, 0.003))
        yield mode, policy, pause


def backlog(tat, now):
    return max(0, (tat or now) - now)


class StoresCase(ThrottleCase):
    def setUp(self):
        super().setUp()
        require_redis()
        self.stores = {"postgresql": self.store, "redis": redis_store.RedisStore(REDIS_URL, self.env.cr.dbname)}

    def use_store(self, url):
        """This database's ``rest_api.throttle_store`` for the rest of the test."""
        self.env["ir.config_parameter"].sudo().set_param("rest_api.throttle_store", url)


class TestStoresAgreeWithPureGcra(StoresCase):
    def replay(self, store, seed):
        """Replay ``arrivals(seed)`` on ``store``, checking each answer against the pure function at
        the store's own clock; returns the admission verdicts."""
        bucket, tats, verdicts = unique_bucket(), {}, []
        for mode, policy, pause in arrivals(seed):
            time.sleep(pause)
            key = policy_bucket(bucket, policy)
            if mode == "admit":
                admitted, stored, now = store.admit(key, policy)
                self.assertEqual((admitted, stored), gcra_admit(policy, tats.get(key), now), f"seed {seed}")
                tats[key] = stored
                verdicts.append(admitted)
            elif mode == "charge":
                before, earliest = store.peek(key)
                store.charge(key, policy)
                after, latest = store.peek(key)
                low, high = gcra_charge(policy, before, earliest), gcra_charge(policy, before, latest)
                self.assertTrue(
                    backlog(low, latest) <= backlog(after, latest) <= backlog(high, latest),
                    f"seed {seed}: {after} not in [{low}, {high}] at {latest}",
                )
                tats[key] = after
            else:  # an expired Redis key and a PostgreSQL row whose tat has passed are the same bucket
                stored, now = store.peek(key)
                self.assertEqual(backlog(stored, now), backlog(tats.get(key), now), f"seed {seed}")
        return verdicts

    def test_sql_lua_and_the_pure_function_agree_on_every_verdict(self):
        verdicts = {name: [] for name in self.stores}
        for seed in SEEDS:
            for name, store in self.stores.items():
                with self.subTest(seed=seed, store=name):
                    verdicts[name] += self.replay(store, seed)
        for name, seen in verdicts.items():
            self.assertIn(True, seen, name)
            self.assertIn(False, seen, f"{name}: the sequences must be refused at times too")

    def test_the_same_verdicts_and_headers_from_either_store(self):
        policy = RatePolicy(limit=3, period=3600, burst=3)
        answers = {}
        for name in self.stores:
            self.use_store(REDIS_URL if name == "redis" else "postgresql")
            bucket, seen = unique_bucket("key"), []
            for _request in range(4):
                try:
                    seen.append(check_key_rate(self.env, bucket, policy).headers())
                except Throttled as error:
                    seen.append({**error.headers, "status": error.status})
            answers[name] = seen
        # the clocks moved on between the two runs; the windows are an hour long, so whole seconds agree
        self.assertEqual(answers["postgresql"], answers["redis"])
        self.assertEqual(answers["redis"][-1]["status"], 429)
        self.assertEqual(answers["redis"][0]["RateLimit"], '"default";r=2;t=1200')


class TestRedisStore(StoresCase):
    def test_a_key_lives_as_long_as_its_bucket_needs_to_refill(self):
        policy = RatePolicy(limit=10, period=60, burst=5)  # 6 s per request
        bucket = unique_bucket()
        for _request in range(3):
            self.stores["redis"].admit(bucket, policy)
        key = f"rest_api:{self.env.cr.dbname}:{bucket}"
        ttl = require_redis().pttl(key)
        self.assertTrue(15_000 < ttl <= 18_001, ttl)  # 3 x 6 s from the first admission (a slow host: less)

    def test_idle_buckets_expire_on_their_own(self):
        policy = RatePolicy(limit=1000, period=1, burst=1)
        bucket = unique_bucket()
        self.stores["redis"].admit(bucket, policy)
        time.sleep(0.01)
        self.assertEqual(self.stores["redis"].peek(bucket)[0], None)

    def test_a_server_that_lost_the_script_gets_it_again(self):
        server = PrivateRedis().start()
        self.addCleanup(server.stop)
        store, bucket = redis_store.RedisStore(server.url, self.env.cr.dbname), unique_bucket()
        self.assertTrue(store.admit(bucket, HOUR)[0])
        require_redis(server.url).script_flush()  # what a restart does to the script cache
        admitted, tat, now = store.admit(bucket, HOUR)
        self.assertTrue(admitted)
        self.assertEqual(require_redis(server.url).script_exists(redis_store.GCRA_SHA), [True])
        elapsed = 5 * 1_000_000  # at most, between the two admissions
        self.assertTrue(2 * HOUR.emission_interval - elapsed < tat - now <= 2 * HOUR.emission_interval)

    def test_the_failed_authentication_limit_lives_in_redis_too(self):
        self.use_store(REDIS_URL)
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("rest_api.failed_auth_limit", "2")
        address = f"2001:db8:{uuid.uuid4().int % 65536:x}::1"
        throttle = throttle_for(self.env)
        self.assertIsInstance(throttle.store, redis_store.RedisStore)
        for _failure in range(2):
            throttle.check_failed_auth(address, PREFIX)
            throttle.record_auth_failure(address, PREFIX)
        with self.assertRaises(TooManyFailedAuthentications):
            throttle.check_failed_auth(address, PREFIX)
        # this address's bucket only: the table keeps other tests' failed-authentication rows
        bucket = failed_auth_bucket(address, PREFIX)
        self.env.cr.execute("SELECT count(*) FROM rest_api_throttle WHERE bucket LIKE %s", [bucket + "%"])
        self.assertEqual(self.env.cr.fetchone()[0], 0, "nothing written to PostgreSQL")

    def test_the_server_configuration_file_wins_and_no_password_is_shown(self):
        self.use_store("postgresql")
        secret_url = f"redis://:s3cret-pw@127.0.0.1:{PrivateRedis().port}/0"  # nobody listens there
        with patch.dict(config.options, {"rest_api_throttle_store": secret_url}):
            self.env.registry.clear_cache()
            settings = self.env["rest.api.throttle"]._settings()
            self.assertEqual(settings.store, secret_url)
            self.assertNotIn("s3cret", repr(settings))
            throttle = throttle_for(self.env)
            self.assertNotIn("s3cret", throttle.store.name)
            with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING") as logs:
                self.assertIsNone(throttle.check_key_rate("key:1", HOUR), "fail open")
            self.assertNotIn("s3cret", "".join(logs.output))
            self.assertIn("redis://:***@127.0.0.1", logs.output[0])
        self.env.registry.clear_cache()

    def test_a_missing_redis_package_is_a_clear_store_failure(self):
        url = f"redis://127.0.0.1:6379/{1 + uuid.uuid4().int % 15}"  # a client this process has not made yet
        throttle = Throttle(bucket_store(self.env.cr.dbname, url), ThrottleSettings(fail_open=False), "db")
        with (
            patch.dict(sys.modules, {"redis": None}),
            self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING") as logs,
            self.assertRaises(ServiceUnavailable),
        ):
            throttle.check_key_rate("key:1", HOUR)
        self.assertIn("the Python package 'redis' is not installed", logs.output[0])

    def test_a_malformed_store_setting_fails_like_an_unreachable_store(self):
        throttle = Throttle(bucket_store(self.env.cr.dbname, "redis-ish:nonsense"), ThrottleSettings(), "db")
        with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING") as logs:
            self.assertIsNone(throttle.check_key_rate("key:1", HOUR))
        self.assertIn("redis-ish:nonsense", logs.output[0])


HOUR = RatePolicy(limit=1, period=3600, burst=3)


class TestOutages(StoresCase):
    """Each store down, then back: fail open or closed as configured, and recovery without a restart."""

    def throttle(self, store, fail_open):
        return Throttle(store, ThrottleSettings(fail_open=fail_open), self.env.cr.dbname)

    def recover(self, throttle, bucket):
        """The breaker's pause shortened: the next request asks the store again."""
        with patch.object(base, "STORE_RETRY_AFTER", 0.05):
            base.breaker.failed(throttle.store.name)
            time.sleep(0.1)
            return throttle.check_key_rate(bucket, HOUR)

    def test_redis_on_a_closed_port(self):
        store = redis_store.RedisStore(f"redis://127.0.0.1:{PrivateRedis().port}/0", self.env.cr.dbname)
        with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING") as logs:
            self.assertIsNone(self.throttle(store, fail_open=True).check_key_rate("key:1", HOUR))
        self.assertIn("admitting the request", logs.output[0])
        reset_breaker()
        with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING"), self.assertRaises(ServiceUnavailable):
            self.throttle(store, fail_open=False).check_key_rate("key:1", HOUR)

    def test_redis_stopped_then_started_again(self):
        server = PrivateRedis().start()
        self.addCleanup(server.stop)
        store, bucket = redis_store.RedisStore(server.url, self.env.cr.dbname), unique_bucket("key")
        fail_open, fail_closed = self.throttle(store, True), self.throttle(store, False)
        self.assertEqual(fail_open.check_key_rate(bucket, HOUR).remaining, 2)
        self.assertEqual(fail_open.check_key_rate(bucket, HOUR).remaining, 1)

        server.stop()  # the pool's connection is now dead, and nothing listens
        with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING"):
            self.assertIsNone(fail_open.check_key_rate(bucket, HOUR))
            with self.assertRaises(ServiceUnavailable) as caught:
                fail_closed.check_key_rate(bucket, HOUR)
        self.assertEqual((caught.exception.status, caught.exception.headers["Retry-After"]), (503, "10"))

        server.start()
        # the same process, no restart: asked again once the breaker's pause is over, with a full
        # allowance (this server keeps nothing across a restart, as docs/deployment.md says)
        self.assertEqual(self.recover(fail_closed, bucket).remaining, 2)

    def test_postgresql_table_locked(self):
        bucket = unique_bucket("key")
        fail_open, fail_closed = self.throttle(self.store, True), self.throttle(self.store, False)
        self.assertEqual(fail_open.check_key_rate(bucket, HOUR).remaining, 2)
        blocker = psycopg2.connect(**sql_db.connection_info_for(self.store.dbname)[1])
        self.addCleanup(blocker.close)
        with blocker.cursor() as cr:
            cr.execute("LOCK TABLE rest_api_throttle IN ACCESS EXCLUSIVE MODE")
        with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING") as logs:
            self.assertIsNone(fail_open.check_key_rate(bucket, HOUR))
            with self.assertRaises(ServiceUnavailable):
                fail_closed.check_key_rate(bucket, HOUR)
        self.assertIn("lock timeout", logs.output[0])
        blocker.rollback()
        self.assertEqual(self.recover(fail_closed, bucket).remaining, 1, "the table kept its rows")


def reset_breaker():
    base.breaker.failed_until.clear()
    base._last_store_warning.update(at=0.0, suppressed=0)


def key_request(env, secret):
    """``(status, RateLimit header)`` of one authentication of ``secret`` (a partner read)."""
    try:
        context = resolve(env, {"api-key": secret}, "192.0.2.10", "read", model="res.partner")
        return 200, context.response_headers.get("RateLimit")
    except Throttled:
        return 429, None
    except AuthenticationFailed:
        return 401, None


class TestKeyChangesWithEitherStore(RestApiUsersMixin, StoresCase):
    """What an administrator does to a key takes effect the same way whichever store holds its bucket."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()

    def request(self, secret):
        return key_request(self.env, secret)

    def each_store(self):
        for url in ("postgresql", REDIS_URL):
            with self.subTest(store=url):
                self.use_store(url)
                yield url

    def test_a_changed_rate_starts_afresh_and_a_deactivated_key_is_refused(self):
        for _url in self.each_store():
            key, secret = make_api_key(self.env, self.user, rate_limit=2, rate_period=3600, rate_burst=2)
            self.assertEqual([self.request(secret)[0] for _ in range(3)], [200, 200, 429])
            key.write({"rate_limit": 4, "rate_burst": 4})  # a policy change: a full burst at the new rate
            self.assertEqual(self.request(secret), (200, '"default";r=3;t=900'))
            key.write({"active": False})  # revocation: refused before any throttle
            self.assertEqual(self.request(secret)[0], 401)
            key.write({"active": True, "rate_limit": 0})  # unlimited: no bucket at all
            self.assertEqual(self.request(secret), (200, None))

    def test_a_new_key_has_its_own_allowance(self):
        for _url in self.each_store():
            _old, old_secret = make_api_key(self.env, self.user, rate_limit=1, rate_period=3600, rate_burst=1)
            self.assertEqual([self.request(old_secret)[0] for _ in range(2)], [200, 429])
            _new, new_secret = make_api_key(self.env, self.user, rate_limit=1, rate_period=3600, rate_burst=1)
            self.assertEqual(self.request(new_secret)[0], 200)

    def test_the_default_policy_of_personal_keys_applies_with_either_store(self):
        for url in self.each_store():
            parameters = self.env["ir.config_parameter"].sudo()
            parameters.set_param("rest_api.default_rate_limit", "2")
            parameters.set_param("rest_api.default_rate_burst", "2")
            parameters.set_param("rest_api.default_rate_period", "7200" if url == "postgresql" else "3600")
            secret = self.env["res.users.apikeys"].with_user(self.user).sudo()._generate(None, "personal", None)
            self.assertEqual([self.request(secret)[0] for _ in range(3)], [200, 200, 429])


class TestStoreSelection(StoresCase):
    def test_postgresql_by_default_and_redis_when_set(self):
        self.assertIsInstance(throttle_for(self.env).store, ThrottleStore)
        self.use_store(REDIS_URL)
        store = throttle_for(self.env).store
        self.assertIsInstance(store, redis_store.RedisStore)
        self.assertIs(store, throttle_for(self.env).store, "one store object per process")
        self.use_store("postgresql")
        self.assertIsInstance(throttle_for(self.env).store, ThrottleStore)
