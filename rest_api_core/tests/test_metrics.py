"""``GET /api/metrics``: counters shared by every process, the Prometheus text format, who may read them."""

import re

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, tagged

from odoo.addons.rest_api_auth.tests.common import RestApiHttpCase, make_api_key
from odoo.addons.rest_api_auth.throttling import base

from .. import metrics, request_log, settings
from .test_request_log import committed_rows

SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?P<labels>\{.*\})? (?P<value>\S+)$")
SEARCH_ROUTE = '{route="/api/<string:model>/search",method="GET"'


def parse(text):
    """``{'name{labels}': value}`` of a Prometheus text exposition (comments checked, then skipped)."""
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) rest_api_[a-z_]+ .+$", line), line
            continue
        match = SAMPLE.match(line)
        assert match, line
        samples[match["name"] + (match["labels"] or "")] = float(match["value"])
    return samples


@tagged("post_install", "-at_install")
class TestMetrics(RestApiHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        key, cls.admin_secret = make_api_key(cls.env, cls.admin, rate_limit=0)
        key.allow_metrics = True

    def get(self, path, secret=None, params=None):
        headers = {"api-key": secret} if secret else {}
        return self.opener.get(self.base_url() + path, params=params, headers=headers, timeout=30)

    def scrape(self):
        response = self.get("/api/metrics", self.admin_secret)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"], metrics.CONTENT_TYPE)
        return parse(response.text)

    def test_requests_by_route_and_status_durations_and_429s(self):
        _key, secret = make_api_key(self.env, self.user, rate_limit=0)
        _key, throttled_secret = make_api_key(self.env, self.user, rate_limit=1, rate_period=3600, rate_burst=1)
        before = self.scrape()
        statuses = [
            self.get("/api/res.partner/search", secret, {"limit": 1}).status_code,
            self.get("/api/res.partner/search", secret, {"limit": 1}).status_code,
            self.get("/api/res.partner/999999999", secret).status_code,
            self.get("/api/res.partner/search", throttled_secret).status_code,
            self.get("/api/res.partner/search", throttled_secret).status_code,
        ]
        self.assertEqual(statuses, [200, 200, 404, 200, 429])
        after = self.scrape()

        def delta(sample):
            return after.get(sample, 0) - before.get(sample, 0)

        self.assertEqual(delta(f'rest_api_requests_total{SEARCH_ROUTE},status="200"}}'), 3)
        self.assertEqual(delta(f'rest_api_requests_total{SEARCH_ROUTE},status="429"}}'), 1)
        record = '{route="/api/<string:model>/<int:record_id>",method="GET"'
        self.assertEqual(delta(f'rest_api_requests_total{record},status="404"}}'), 1)
        self.assertEqual(delta(f"rest_api_throttled_requests_total{SEARCH_ROUTE}}}"), 1)
        self.assertEqual(delta(f"rest_api_request_duration_seconds_count{SEARCH_ROUTE}}}"), 4)
        self.assertGreater(delta(f"rest_api_request_duration_seconds_sum{SEARCH_ROUTE}}}"), 0)
        buckets = [after[f'rest_api_request_duration_seconds_bucket{SEARCH_ROUTE},le="{le}"}}'] for le in LES]
        self.assertEqual(buckets, sorted(buckets))  # cumulative
        self.assertEqual(buckets[-1], after[f"rest_api_request_duration_seconds_count{SEARCH_ROUTE}}}"])
        # the scrape itself was counted
        self.assertGreaterEqual(delta('rest_api_requests_total{route="/api/metrics",method="GET",status="200"}'), 1)

    def test_only_keys_with_the_metrics_permission_or_loopback_by_setting(self):
        self.assertEqual(self.get("/api/metrics").status_code, 401)
        self.assertEqual(self.get("/api/metrics", "not-a-key-" + "x" * 30).status_code, 401)
        _key, user_secret = make_api_key(self.env, self.user, rate_limit=0)
        self.assertEqual(self.get("/api/metrics", user_secret).status_code, 403)
        _key, manager_secret = make_api_key(self.env, self.manager, rate_limit=0)
        response = self.get("/api/metrics", manager_secret)
        self.assertEqual(response.status_code, 403, "scope all of a manager is not the permission")
        self.assertEqual(response.headers["Content-Type"], "application/problem+json")
        self.assertIn("Read Metrics", response.json()["detail"])
        # a monitoring key: a user with no rights of note, a scope without models, the permission
        scraper, scraper_secret = make_api_key(
            self.env, self.user, rate_limit=0, scope_mode="specific", access=[{"model": "res.partner", "read": True}]
        )
        scraper.allow_metrics = True
        response = self.get("/api/metrics", scraper_secret)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertNotIn(scraper_secret, response.text)
        scraper.allow_metrics = False  # taken back: refused at once, in every worker
        self.assertEqual(self.get("/api/metrics", scraper_secret).status_code, 403)

        self.env["ir.config_parameter"].sudo().set_param(settings.METRICS_LOOPBACK_PARAM, "True")
        self.assertEqual(self.get("/api/metrics").status_code, 200)  # the test client is on 127.0.0.1

    def test_only_managers_see_and_set_the_permission(self):
        key, _secret = make_api_key(self.env, self.user, rate_limit=0)
        with self.assertRaises(AccessError):
            key.with_user(self.user).read(["allow_metrics"])
        with self.assertRaises(AccessError):
            key.with_user(self.user).write({"allow_metrics": True})
        key.with_user(self.manager).write({"allow_metrics": True})
        self.assertTrue(key.allow_metrics)

    def test_throttle_store_failures_are_counted_by_outcome(self):
        _key, secret = make_api_key(self.env, self.user, rate_limit=100, rate_period=60, rate_burst=100)
        before = self.scrape()
        dbname = self.env.cr.dbname
        self.addCleanup(base.breaker.failed_until.clear)
        parameters = self.env["ir.config_parameter"].sudo()
        for fail_open, status in (("True", 200), ("False", 503)):
            parameters.set_param("rest_api.throttle_fail_open", fail_open)
            # the key verified and cached first: the failing request then asks the store only its rate
            self.assertEqual(self.get("/api/res.partner/search", secret, {"limit": 1}).status_code, 200)
            base.breaker.failed(dbname)  # as after a store failure: the next checks fail at once
            with self.assertLogs("odoo.addons.rest_api_auth.throttling", "WARNING"):
                base._last_store_warning.update(at=0.0)
                self.assertEqual(self.get("/api/res.partner/search", secret, {"limit": 1}).status_code, status)
            base.breaker.failed_until.clear()
        after = self.scrape()
        for outcome in ("fail_open", "fail_closed"):
            sample = f'rest_api_throttle_store_errors_total{{outcome="{outcome}"}}'
            self.assertEqual(after.get(sample, 0) - before.get(sample, 0), 1, sample)

    def test_answers_given_outside_the_endpoints_are_counted_and_logged(self):
        """A form body over the limit: Odoo refuses it (413) while parsing it, before any endpoint runs."""
        self.env["ir.config_parameter"].sudo().set_param(settings.MAX_BODY_SIZE_PARAM, "2000")
        before = self.scrape()
        request_id = "outside-" + self.admin_secret[-6:] + "-413"
        response = self.opener.post(
            self.base_url() + "/api/res.partner/create",
            data={"name": "x" * 3000},
            headers={"X-Request-ID": request_id},
            timeout=30,
        )
        self.assertEqual(response.status_code, 413, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/problem+json")
        after = self.scrape()
        sample = 'rest_api_requests_total{route="/api/<string:model>/create",method="POST",status="413"}'
        self.assertEqual(after.get(sample, 0) - before.get(sample, 0), 1)
        row = committed_rows(self.env.cr.dbname, [request_id])[request_id]
        self.assertEqual((row["status"], row["path"], row["method"]), (413, "/api/res.partner/create", "POST"))
        request_log.flush(self.env.cr.dbname)


LES = [*(repr(bound / 1000) for bound in metrics.BUCKETS_MS), "+Inf"]


class TestMetricsFormat(BaseCase):
    def test_buckets(self):
        self.assertEqual(metrics.bucket_index(0.4), 0)
        self.assertEqual(metrics.bucket_index(5), 0)  # "le": a bound includes its value
        self.assertEqual(metrics.bucket_index(5.1), 1)
        self.assertEqual(metrics.bucket_index(60000), len(metrics.BUCKETS_MS))

    def test_render(self):
        buckets = [1] + [0] * (len(metrics.BUCKETS_MS) - 1) + [1]
        text = metrics.render([('/api/"odd"\\', "GET", 429, 2, 30001.0, buckets)])
        samples = parse(text)
        labels = '{route="/api/\\"odd\\"\\\\",method="GET"'
        self.assertEqual(samples[f'rest_api_requests_total{labels},status="429"}}'], 2)
        self.assertEqual(samples[f'rest_api_request_duration_seconds_bucket{labels},le="0.005"}}'], 1)
        self.assertEqual(samples[f'rest_api_request_duration_seconds_bucket{labels},le="10.0"}}'], 1)
        self.assertEqual(samples[f'rest_api_request_duration_seconds_bucket{labels},le="+Inf"}}'], 2)
        self.assertEqual(samples[f"rest_api_request_duration_seconds_sum{labels}}}"], 30.001)
        self.assertEqual(samples[f"rest_api_throttled_requests_total{labels}}}"], 2)
        self.assertTrue(text.endswith("\n"))
