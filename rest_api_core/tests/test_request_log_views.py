"""The administrators' views of the request log, the usage figures, the settings and who sees which rows."""

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.rest_api_auth.tests.common import make_api_key

from .. import settings


@tagged("post_install", "-at_install")
class TestRequestLogViews(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = new_test_user(cls.env, login="rest_log_owner", groups="base.group_user")
        cls.manager = new_test_user(
            cls.env, login="rest_log_manager", groups="base.group_user,rest_api_auth.group_rest_api_manager"
        )
        cls.key, _secret = make_api_key(cls.env, cls.owner)
        cls.other_key, _secret = make_api_key(cls.env, cls.owner)
        log = cls.env["rest.api.request.log"]
        day = fields.Datetime.to_datetime("2026-11-30 10:00:00")
        # 20 requests of 1..20 ms: p50 10.5, p95 19.05; 2 errors, one of them a 429
        cls.rows = log.create(
            [
                {
                    "date": day,
                    "key_id": cls.key.id,
                    "user_id": cls.owner.id,
                    "method": "GET",
                    "route": "/api/<string:model>/search",
                    "path": "/api/res.partner/search",
                    "status": {19: 404, 20: 429}.get(ms, 200),
                    "duration_ms": ms,
                    "request_id": f"view-test-{ms}",
                }
                for ms in range(1, 21)
            ]
        )
        cls.keyless = log.create({"date": day, "method": "GET", "path": "/api/x", "status": 401})

    def test_views_load_and_graph_and_pivot_render(self):
        for model, view_types in (
            ("rest.api.request.log", ("list", "form", "search", "graph", "pivot")),
            ("rest.api.usage.daily", ("list", "search", "graph", "pivot")),
        ):
            with self.subTest(model=model):
                views = self.env[model].with_user(self.manager).get_views([(False, kind) for kind in view_types])
                self.assertEqual(set(views["views"]), set(view_types))
        pivot = self.env["rest.api.usage.daily"].get_views([(False, "pivot")])["views"]["pivot"]["arch"]
        self.assertIn("duration_p95", pivot)
        key_form = self.env["rest.api.key"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("action_view_request_log", key_form)

    def test_usage_per_key_and_day_with_percentiles(self):
        usage = self.env["rest.api.usage.daily"].search([("key_id", "=", self.key.id)])
        self.assertEqual(len(usage), 1)
        self.assertEqual(str(usage.day), "2026-11-30")
        self.assertEqual((usage.request_count, usage.error_count, usage.throttled_count), (20, 2, 1))
        self.assertAlmostEqual(usage.duration_p50, 10.5)
        self.assertAlmostEqual(usage.duration_p95, 19.05)
        self.assertAlmostEqual(usage.duration_avg, 10.5)
        self.assertEqual(usage.duration_max, 20)
        # what the pivot computes over several rows: sums, and the largest daily p95
        [group] = self.env["rest.api.usage.daily"].read_group(
            [("key_id", "=", self.key.id)], ["request_count:sum", "duration_p95:max"], ["key_id"]
        )
        self.assertEqual((group["request_count"], group["duration_p95"]), (20, 19.05))

    def test_key_form_counts_and_opens_its_requests(self):
        self.assertEqual(self.key.request_log_count, 20)
        self.assertEqual(self.other_key.request_log_count, 0)
        action = self.key.action_view_request_log()
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]), self.rows)

    def test_filters(self):
        log = self.env["rest.api.request.log"]
        self.assertEqual(len(log.search([("is_error", "=", True), ("key_id", "=", self.key.id)])), 2)
        self.assertEqual(log.search([("is_throttled", "=", True), ("key_id", "=", self.key.id)]).status, 429)
        self.assertEqual(log.search([("request_id", "=", "view-test-3")]).duration_ms, 3)

    def test_managers_see_the_rows_of_keys_they_see_administrators_all(self):
        log = self.env["rest.api.request.log"]
        own = self.rows | self.keyless
        self.assertEqual(log.with_user(self.manager).search([("id", "in", own.ids)]), self.rows)
        self.assertEqual(log.with_user(self.env.ref("base.user_admin")).search([("id", "in", own.ids)]), own)
        usage = self.env["rest.api.usage.daily"].with_user(self.manager).search([("day", "=", "2026-11-30")])
        self.assertEqual(usage.key_id, self.key)
        with self.assertRaises(AccessError):
            log.with_user(self.owner).search([])
        with self.assertRaises(AccessError):
            self.rows[0].with_user(self.manager).write({"status": 200})

    def test_settings_save_every_mode(self):
        parameters = self.env["ir.config_parameter"].sudo()
        for mode, _label in settings.LOG_MODES:
            with self.subTest(mode=mode):
                self.env["res.config.settings"].create(
                    {"rest_api_request_log_mode": mode, "rest_api_request_log_sample_percent": 25}
                ).execute()
                self.assertEqual(parameters.get_param(settings.LOG_MODE_PARAM), mode)
                self.assertEqual(settings.request_log_mode(self.env)[0], mode)
        self.assertEqual(settings.request_log_mode(self.env), ("all", 25))
