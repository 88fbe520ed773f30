"""The change feed over HTTP: changes made through REST, XML-RPC and JSON-RPC, deletions, tokens, rights.

The in-flight transaction case needs transactions that really commit: livetests/test_live_sync.py.
"""

import datetime

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..change_feed import CHANGE, changes_query, feed_index_name, horizon, make_token
from .common import RestApiCase

FEED = "/api/res.partner/changes"


@tagged("post_install", "-at_install")
class TestChangeFeed(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        parameters = cls.env["ir.config_parameter"]
        parameters.set_param("rest_api.default_rate_limit", "0")
        parameters.set_param("rest_api.tracked_models", "res.partner")
        cls.partners = cls.env["res.partner"].create([{"name": f"Feed {i}", "ref": "FEED"} for i in range(5)])
        cls.domain = "[('ref', '=', 'FEED')]"

    def feed(self, since=None, key=None, **params):
        params = {"domain": self.domain, "fields": "['name', 'ref']", **params}
        if since is not None:
            params["since"] = since
        return self.assertJson(self.api("GET", FEED, params=params, key=key))

    def drain(self, since=None, **params):
        """Every page from ``since`` on: (changed ids in order, deleted ids, the last page's next token)."""
        changed, deleted = [], []
        while True:
            page = self.feed(since, **params)
            changed += [row["id"] for row in page["changes"]]
            deleted += page.get("deleted", [])
            if page["next"] == since or not (page["changes"] or page.get("deleted")):
                return changed, deleted, page["next"]
            since = page["next"]

    def rest_write(self, partner, name):
        response = self.api("PATCH", f"/api/res.partner/{partner.id}", body={"name": name})
        self.assertEqual(response.status_code, 200, response.text)

    def test_first_call_serves_everything_then_only_what_changed_once_with_its_latest_values(self):
        changed, deleted, token = self.drain(limit="2")
        self.assertEqual(changed, self.partners.ids)
        self.assertEqual(deleted, [])
        self.assertEqual(self.feed(token)["changes"], [])
        self.rest_write(self.partners[3], "Feed 3 first")
        self.rest_write(self.partners[1], "Feed 1")
        self.rest_write(self.partners[3], "Feed 3 latest")
        page = self.feed(token)
        self.assertEqual(
            [(row["id"], row["name"]) for row in page["changes"]],
            [
                (self.partners[1].id, "Feed 1"),
                (self.partners[3].id, "Feed 3 latest"),
            ],
        )

    def test_changes_through_xmlrpc_jsonrpc_and_rest_all_show(self):
        token = self.feed("now")["next"]
        admin = self.env.ref("base.user_admin")
        self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, admin.id, "admin", "res.partner", "write", [[self.partners[0].id], {"name": "XML"}]
        )
        created = self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, admin.id, "admin", "res.partner", "create", [{"name": "XML new", "ref": "FEED"}]
        )
        self.make_jsonrpc_request(
            "/jsonrpc",
            {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    self.env.cr.dbname,
                    admin.id,
                    "admin",
                    "res.partner",
                    "write",
                    [[self.partners[1].id], {"name": "JSON"}],
                ],
            },
        )
        self.rest_write(self.partners[2], "REST")
        response = self.api("POST", "/api/res.partner/create", body={"name": "REST new", "ref": "FEED"})
        rest_created = response.json()["id"]
        changed, _deleted, _token = self.drain(token)
        self.assertEqual(
            changed, [self.partners[0].id, created, self.partners[1].id, self.partners[2].id, rest_created]
        )

    def test_deletions_of_a_tracked_model_including_created_then_deleted(self):
        token = self.feed("now")["next"]
        created = self.api("POST", "/api/res.partner/create", body={"name": "Short-lived", "ref": "FEED"}).json()["id"]
        self.assertEqual(self.api("DELETE", f"/api/res.partner/{created}").status_code, 200)
        self.assertEqual(self.api("DELETE", f"/api/res.partner/{self.partners[4].id}").status_code, 200)
        changed, deleted, _token = self.drain(token)
        self.assertEqual(changed, [])
        self.assertEqual(deleted, [created, self.partners[4].id])

    def test_models_without_tracking_have_no_deleted_member(self):
        page = self.assertJson(self.api("GET", "/api/res.partner.category/changes"))
        self.assertNotIn("deleted", page)
        self.assertIn("next", page)

    def test_a_modified_or_foreign_token_is_a_400_and_an_old_one_a_410(self):
        token = self.feed("now")["next"]
        body, signature = token.split(".")
        forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
        for since in (forged, "nonsense", ""):
            with self.subTest(since=since):
                self.assertProblem(self.api("GET", FEED, params={"since": since}), 400, invalid_param="since")
        other = self.assertJson(self.api("GET", "/api/res.partner.category/changes", params={"since": "now"}))["next"]
        self.assertProblem(self.api("GET", FEED, params={"since": other}), 400, "another model")
        old = make_token(self.env, "res.partner", (datetime.datetime(2020, 1, 1), 0, CHANGE))
        problem = self.assertProblem(self.api("GET", FEED, params={"since": old}), 410)
        self.assertIn("from the beginning", problem["detail"])
        # an untracked model loses nothing with an old token
        old = make_token(self.env, "res.partner.category", (datetime.datetime(2020, 1, 1), 0, CHANGE))
        self.assertJson(self.api("GET", "/api/res.partner.category/changes", params={"since": old}))

    def test_record_rules_apply(self):
        hidden = self.partners[:2]
        self.env["ir.rule"].create(
            {
                "name": "feed test: not the first two",
                "model_id": self.env.ref("base.model_res_partner").id,
                "domain_force": f"[('id', 'not in', {hidden.ids})]",
                "perm_read": True,
            }
        )
        changed, _deleted, _token = self.drain()
        self.assertEqual(changed, self.partners[2:].ids)

    def test_a_model_without_write_dates_has_no_feed(self):
        """``_log_access = False`` (no write_date): a clear 400 naming the model, never a 500."""
        self.assertFalse(self.env.registry["ir.module.module.dependency"]._log_access)
        problem = self.assertProblem(
            self.api("GET", "/api/ir.module.module.dependency/changes", key=self.admin_key), 400, invalid_param="model"
        )
        self.assertIn("no change feed", str(problem))

    def test_the_tombstones_are_out_of_reach_of_the_api(self):
        for path in ("/api/rest.api.tombstone/search", "/api/rest.api.tombstone/changes"):
            with self.subTest(path=path):
                self.assertProblem(self.api("GET", path, key=self.admin_key), 403)

    def test_unlink_records_a_tombstone_in_its_transaction(self):
        partner = self.env["res.partner"].create({"name": "Gone soon"})
        with self.assertRaises(ValueError), self.env.cr.savepoint():
            partner.unlink()
            raise ValueError("roll back")
        self.assertFalse(self.env["rest.api.tombstone"].search([("res_id", "=", partner.id)]))
        partner.unlink()
        tombstone = self.env["rest.api.tombstone"].search([("model", "=", "res.partner"), ("res_id", "=", partner.id)])
        self.assertEqual(len(tombstone), 1)
        self.assertEqual(tombstone.company_id, 0)
        tombstone.deleted_at = datetime.datetime(2020, 1, 1)
        self.env["rest.api.tombstone"]._gc_tombstones()
        self.assertFalse(tombstone.exists())

    def test_the_per_model_toggle_edits_the_setting(self):
        model = self.env.ref("base.model_res_partner_category")
        model.rest_api_track_deletions = True
        self.assertEqual(
            self.env["ir.config_parameter"].get_param("rest_api.tracked_models"), "res.partner,res.partner.category"
        )
        model.rest_api_track_deletions = False
        self.assertEqual(self.env["ir.config_parameter"].get_param("rest_api.tracked_models"), "res.partner")

    def test_the_feed_index_switch_makes_the_index_the_feed_reads_by(self):
        model = self.env.ref("base.model_res_partner")
        partners = self.env["res.partner"]
        name = feed_index_name(partners)
        self.assertFalse(model.rest_api_feed_index)
        position = (datetime.datetime(2020, 1, 1), 7, CHANGE)
        query = changes_query(partners, [], position, bound=horizon(self.env.cr), limit=81)

        def plan():
            self.env.cr.execute("SET LOCAL enable_seqscan TO off")
            try:
                return "\n".join(row[0] for row in self.env.execute_query(SQL("EXPLAIN %s", query.select())))
            finally:
                self.env.cr.execute("SET LOCAL enable_seqscan TO on")

        self.assertNotIn(name, plan())
        model.rest_api_feed_index = True
        model.invalidate_recordset()
        self.assertTrue(model.rest_api_feed_index)
        (definition,) = self.env.execute_query(SQL("SELECT indexdef FROM pg_indexes WHERE indexname = %s", name))[0]
        self.assertIn("(write_date, id)", definition)
        self.assertIn(name, plan())  # the page is an index range scan, whatever the depth
        changed, _deleted, _token = self.drain(limit="2")  # and the feed reads the same
        self.assertEqual(changed, self.partners.ids)
        model.rest_api_feed_index = False
        model.invalidate_recordset()
        self.assertFalse(model.rest_api_feed_index)
        self.assertFalse(self.env.execute_query(SQL("SELECT 1 FROM pg_indexes WHERE indexname = %s", name)))
        # a model without write dates has no feed to index
        with self.assertRaises(UserError):
            self.env.ref("base.model_ir_module_module_dependency").rest_api_feed_index = True
