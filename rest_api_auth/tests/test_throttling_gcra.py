"""The GCRA arithmetic, the headers and the settings parsing, without a database."""

import random

from odoo.tests import BaseCase

from ..exceptions import Throttled
from ..throttling.gcra import (
    MICROSECONDS,
    RatePolicy,
    ThrottleSettings,
    client_bucket,
    failed_auth_bucket,
    gcra_admit,
    gcra_charge,
    gcra_verdict,
)

SECOND = MICROSECONDS
T0 = 1_800_000_000 * SECOND  # an arbitrary database clock reading


def max_in_any_window(times, rate_per_second):
    """max over i <= j of (j - i + 1) - rate * (t_j - t_i): the burst the times actually used."""
    times = sorted(times)
    worst, best_start = 0.0, float("inf")
    for index, at in enumerate(times):
        elapsed = (at - times[0]) / SECOND
        best_start = min(best_start, index - rate_per_second * elapsed)
        worst = max(worst, index - rate_per_second * elapsed - best_start + 1)
    return worst


class TestRatePolicy(BaseCase):
    def test_emission_interval_is_rounded_up_to_the_microsecond(self):
        self.assertEqual(RatePolicy(limit=100, period=60, burst=10).emission_interval, 600_000)
        self.assertEqual(RatePolicy(limit=7, period=60, burst=1).emission_interval, 8_571_429)  # 8.5714285... s

    def test_burst_is_the_number_admitted_at_once_and_at_least_one(self):
        self.assertEqual(RatePolicy(10, 1, 5).capacity, 5)
        self.assertEqual(RatePolicy(10, 1, 0).capacity, 1)
        self.assertEqual(RatePolicy(10, 1, 5).tolerance, 4 * 100_000)
        self.assertEqual(RatePolicy(10, 1, 0).tolerance, 0)

    def test_zero_limit_or_period_is_unlimited(self):
        self.assertTrue(RatePolicy(0, 60, 10).unlimited)
        self.assertTrue(RatePolicy(100, 0, 10).unlimited)
        self.assertFalse(RatePolicy(1, 1, 0).unlimited)


class TestGcra(BaseCase):
    def test_a_fresh_bucket_admits_burst_requests_at_once_then_refuses(self):
        policy = RatePolicy(limit=100, period=60, burst=10)
        tat = None
        for expected_remaining in range(9, -1, -1):
            admitted, tat = gcra_admit(policy, tat, T0)
            self.assertTrue(admitted)
            self.assertEqual(gcra_verdict(policy, tat, T0).remaining, expected_remaining)
        self.assertEqual(tat, T0 + 10 * 600_000)
        admitted, unchanged = gcra_admit(policy, tat, T0)
        self.assertFalse(admitted)
        self.assertEqual(unchanged, tat)
        refused = gcra_verdict(policy, tat, T0, admitted=False)
        self.assertEqual((refused.remaining, refused.retry_after, refused.reset_after), (0, 0.6, 6.0))

    def test_one_more_request_per_emission_interval(self):
        policy = RatePolicy(limit=10, period=1, burst=1)
        admitted, tat = gcra_admit(policy, None, T0)
        self.assertTrue(admitted)
        self.assertFalse(gcra_admit(policy, tat, T0 + 99_999)[0])
        self.assertTrue(gcra_admit(policy, tat, T0 + 100_000)[0])

    def test_an_idle_bucket_refills_to_burst_and_no_further(self):
        policy = RatePolicy(limit=10, period=1, burst=3)
        tat = None
        for _ in range(3):
            _admitted, tat = gcra_admit(policy, tat, T0)
        later = T0 + 3600 * SECOND
        self.assertEqual(gcra_verdict(policy, tat, later).remaining, 3)
        self.assertEqual(gcra_verdict(policy, tat, later).reset_after, 0)
        admitted = 0
        while gcra_admit(policy, tat, later)[0]:
            tat = gcra_admit(policy, tat, later)[1]
            admitted += 1
        self.assertEqual(admitted, 3)

    def test_random_arrivals_never_exceed_burst_plus_rate_times_t_in_any_window(self):
        chance = random.Random(5)  # noqa: S311 - reproducible arrivals, not secrets
        for limit, period, burst in [(100, 60, 10), (5, 1, 1), (50, 1, 20), (3, 7, 0), (1000, 1, 100)]:
            policy = RatePolicy(limit, period, burst)
            rate = limit / period
            now, tat, admitted_at = T0, None, []
            for _ in range(5000):
                now += int(chance.expovariate(20 * rate) * SECOND)  # twenty times faster than allowed
                admitted, tat = gcra_admit(policy, tat, now)
                if admitted:
                    admitted_at.append(now)
            with self.subTest(policy=policy):
                self.assertLessEqual(max_in_any_window(admitted_at, rate), policy.capacity + 1e-6)
                duration = (now - T0) / SECOND
                self.assertGreaterEqual(len(admitted_at), 0.9 * (policy.capacity + rate * duration))

    def test_charge_counts_every_event_but_caps_the_lockout_at_one_bucket(self):
        policy = RatePolicy(limit=20, period=60, burst=20)  # 3 s per failure, 20 at once
        tat = None
        for _ in range(20):
            self.assertTrue(gcra_admit(policy, tat, T0)[0])
            tat = gcra_charge(policy, tat, T0)
        self.assertFalse(gcra_admit(policy, tat, T0)[0])
        self.assertEqual(gcra_verdict(policy, tat, T0, admitted=False).retry_after, 3.0)
        for _ in range(100):
            tat = gcra_charge(policy, tat, T0)
        self.assertEqual(tat, T0 + 60 * SECOND)
        self.assertTrue(gcra_admit(policy, tat, T0 + 3 * SECOND)[0])


class TestHeaders(BaseCase):
    def test_ratelimit_headers_follow_the_ietf_draft(self):
        policy = RatePolicy(limit=100, period=60, burst=10)
        verdict = gcra_verdict(policy, T0 + 1_500_000, T0)  # 1.5 s of backlog
        self.assertEqual(verdict.remaining, 7)  # 1.5 + 6 * 0.6 <= 9 * 0.6 (the tolerance) < 1.5 + 7 * 0.6
        self.assertEqual(
            verdict.headers(),
            {"RateLimit-Policy": '"default";q=100;w=60', "RateLimit": '"default";r=7;t=2'},
        )

    def test_throttled_carries_retry_after_in_whole_seconds_and_the_headers(self):
        policy = RatePolicy(limit=100, period=60, burst=1)
        verdict = gcra_verdict(policy, T0 + 600_000, T0 + 100_000, admitted=False)
        self.assertAlmostEqual(verdict.retry_after, 0.5)
        error = Throttled(verdict.retry_after, headers=verdict.headers())
        self.assertEqual(error.status, 429)
        self.assertEqual(error.headers["Retry-After"], "1")
        self.assertEqual(error.headers["RateLimit"], '"default";r=0;t=1')
        self.assertEqual(error.to_problem()["retry_after"], 1)


class TestClientBucket(BaseCase):
    def test_ipv4_addresses_have_their_own_bucket(self):
        self.assertEqual(client_bucket("192.0.2.7"), "ip:192.0.2.7")

    def test_ipv6_addresses_share_their_slash_64(self):
        self.assertEqual(client_bucket("2001:db8:1:2:aaaa::1"), "ip:2001:db8:1:2::/64")
        self.assertEqual(client_bucket("2001:db8:1:2:bbbb::9"), client_bucket("2001:db8:1:2::5"))
        self.assertNotEqual(client_bucket("2001:db8:1:3::5"), client_bucket("2001:db8:1:2::5"))

    def test_ipv4_mapped_addresses_count_as_ipv4(self):
        self.assertEqual(client_bucket("::ffff:192.0.2.7"), "ip:192.0.2.7")

    def test_missing_or_garbled_addresses_share_one_bucket(self):
        self.assertEqual(client_bucket(None), "ip:unknown")
        self.assertEqual(client_bucket("not an address"), "ip:unknown")

    def test_failed_authentications_count_per_address_and_key_prefix(self):
        bucket = failed_auth_bucket("192.0.2.7", "abcd1234")
        self.assertTrue(bucket.startswith("auth:ip:192.0.2.7:"))
        self.assertNotIn("abcd1234", bucket)
        self.assertEqual(bucket, failed_auth_bucket("192.0.2.7", "abcd1234"))
        self.assertNotEqual(bucket, failed_auth_bucket("192.0.2.7", "abcd1235"))
        self.assertNotEqual(bucket, failed_auth_bucket("192.0.2.8", "abcd1234"))


class TestSettings(BaseCase):
    def test_defaults_when_nothing_is_set(self):
        settings = ThrottleSettings.from_params(lambda name: False)
        self.assertEqual(settings, ThrottleSettings())
        self.assertEqual(settings.failed_auth_policy, RatePolicy(20, 60, 20))
        self.assertTrue(settings.fail_open)

    def test_values_are_read_and_zero_disables_failed_auth_limits(self):
        params = {
            "rest_api.failed_auth_limit": "5",
            "rest_api.failed_auth_period": "300",
            "rest_api.throttle_fail_open": "False",
        }
        settings = ThrottleSettings.from_params(lambda name: params.get(name, False))
        self.assertEqual(settings.failed_auth_policy, RatePolicy(5, 300, 5))
        self.assertFalse(settings.fail_open)
        params["rest_api.failed_auth_limit"] = "0"
        self.assertTrue(ThrottleSettings.from_params(lambda name: params.get(name, False)).failed_auth_policy.unlimited)
