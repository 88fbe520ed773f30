"""The webhook outbox's cost and upkeep: no query for unsubscribed models, one statement per
transaction for subscribed ones, the events that go with their subscription, the sender's
claim of each subscription's head event, and a record it cannot read for the moment."""

from datetime import timedelta

from odoo import fields, sql_db

from .test_webhooks import WebhookCase


class TestHotPath(WebhookCase):
    def write_queries(self, partner):
        partner.invalidate_recordset()
        before = self.env.cr.sql_log_count
        partner.write({"name": partner.name + "."})
        self.env.cr.flush()  # the ORM's writes, then the precommit hooks (the outbox's)
        return self.env.cr.sql_log_count - before

    def test_unsubscribed_models_cost_no_query(self):
        self.env["rest.api.webhook"].search([]).unlink()
        partner = self.partner
        self.write_queries(partner)  # warm the caches
        without = self.write_queries(partner)
        self.subscribe(model="res.partner", events=["deleted"])  # another event of the model
        other_key = self.env["rest.api.key"].generate_api_key({"name": "country key", "user_id": self.manager.id})
        self.subscribe(key_id=other_key["id"], model="res.country")  # another model
        self.write_queries(partner)
        with self.assertQueryCount(0):
            self.assertEqual(partner._rest_api_webhooks("updated"), ())
        self.assertEqual(self.write_queries(partner), without)
        self.subscribe(model="res.partner", events=["updated"])
        self.write_queries(partner)
        self.assertEqual(self.write_queries(partner), without + 1)  # the outbox INSERT

    def test_a_transactions_events_are_written_by_one_statement(self):
        """However many changes a transaction captures, its events cost one statement, at its flush."""
        partners = self.env["res.partner"].create([{"name": f"Batch {n}"} for n in range(3)])

        def queries():
            before = self.env.cr.sql_log_count
            for partner in partners:
                partner.write({"name": partner.name + "."})
            self.env.cr.flush()
            return self.env.cr.sql_log_count - before

        self.env["rest.api.webhook"].search([]).unlink()
        queries()  # warm the caches
        without = queries()
        webhook, _secret = self.subscribe(events=["updated"])
        queries()
        self.assertEqual(queries(), without + 1)
        self.assertEqual(self.events(webhook).mapped("res_id"), partners.ids)

    def test_a_subscription_deleted_since_it_was_cached_never_fails_a_write(self):
        """Another worker's cache may still name a subscription deleted meanwhile: its event is skipped."""
        webhook, _secret = self.subscribe(events=["updated"])
        gone = webhook.id
        webhook.unlink()
        self.env["rest.api.webhook.event"]._capture("updated", [(gone, self.partner.id)])
        self.assertFalse(self.env["rest.api.webhook.event"].search([("webhook_id", "=", gone)]))


class TestCleanUp(WebhookCase):
    """The outbox names its subscription without a foreign key: the events go with the subscription."""

    def test_events_deleted_with_their_subscription_or_key(self):
        Event = self.env["rest.api.webhook.event"]
        webhook, _secret = self.subscribe(events=["updated"])
        kept, _secret = self.subscribe(events=["updated"])
        self.partner.write({"name": "Twice hooked"})
        Event.create({"webhook_id": webhook.id, "event": "test", "res_id": 0})
        self.env["rest.api.webhook.attempt"].create({"event_id": self.events(webhook)[0].id, "status": 503})
        gone = webhook.id
        webhook.unlink()
        self.assertFalse(Event.search([("webhook_id", "=", gone)]))
        self.assertEqual(len(self.events(kept)), 1)
        key = self.env["rest.api.key"].generate_api_key({"name": "short-lived", "user_id": self.manager.id})
        doomed, _secret = self.subscribe(key_id=key["id"], events=["updated"])
        doomed.active = False  # an archived one too
        Event.create({"webhook_id": doomed.id, "event": "test", "res_id": 0})
        gone = doomed.id
        self.env["rest.api.key"].browse(key["id"]).unlink()
        self.assertFalse(Event.with_context(active_test=False).search([("webhook_id", "=", gone)]))

    def test_events_left_by_a_database_cascade_are_never_claimed_and_cleaned_up(self):
        Event = self.env["rest.api.webhook.event"]
        webhook, _secret = self.subscribe(events=["updated"])
        self.partner.write({"name": "Orphaned"})
        gone = webhook.id
        Event.flush_model()
        self.env.cr.execute("DELETE FROM rest_api_webhook WHERE id = %s", [gone])  # as a cascade does
        self.assertEqual(self.send(), 0)
        Event._gc_webhook_events()
        self.env.cr.execute("SELECT count(*) FROM rest_api_webhook_event WHERE webhook_id = %s", [gone])
        self.assertEqual(self.env.cr.fetchone()[0], 0)


class TestClaim(WebhookCase):
    """The sender claims the head event of each subscription, never an event behind it."""

    def test_the_head_of_each_subscription_and_nothing_behind_it(self):
        self.env["rest.api.webhook"].search([]).unlink()
        first, _secret = self.subscribe(events=["updated"])
        second, _secret = self.subscribe(events=["updated"])
        partners = self.env["res.partner"].create([{"name": f"Claimed {n}"} for n in range(3)])
        outbox = self.env["rest.api.webhook.event"]
        outbox._capture("updated", [(first.id, partner.id) for partner in partners])
        outbox._capture("updated", [(second.id, partners[0].id)])
        first_events, second_events = self.events(first), self.events(second)
        self.assertEqual(len(first_events), 3)

        self.assertEqual(outbox.browse(outbox._claim(50)), first_events[0] | second_events)
        self.assertEqual(outbox.browse(outbox._claim(1)), first_events[0], "the oldest head first")
        # a head waiting for its retry holds its subscription's later events back
        first_events[0].next_attempt = fields.Datetime.now() + timedelta(hours=1)
        self.assertEqual(outbox.browse(outbox._claim(50)), second_events)
        # once it is delivered, the event behind it is the head
        first_events[0].state = "delivered"
        second_events.state = "delivered"
        self.assertEqual(outbox.browse(outbox._claim(50)), first_events[1])
        # a paused subscription sends nothing
        first.active = False
        self.assertFalse(outbox._claim(50))


class TestTransientErrors(WebhookCase):
    def test_a_record_that_cannot_be_read_now_is_retried_not_failed(self):
        """A lock or statement timeout while the payload is read is a failed attempt (retried with
        back-off), not the end of the event. Another connection locks the table of a committed
        record, which this test's transaction has not touched (so the lock can be granted)."""
        self.env.cr.execute(
            "SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'res_partner_industry_A'"
        )
        industry_id = self.env.cr.fetchone()[0]
        access = [{"model": "res.partner.industry", "read": True}]
        key = self.env["rest.api.key"].generate_api_key(
            {"name": "industry key", "user_id": self.manager.id, "scope_mode": "specific", "access": access}
        )
        webhook, _secret = self.subscribe(key_id=key["id"], model="res.partner.industry", events=["updated"])
        self.env["rest.api.webhook.event"]._capture("updated", [(webhook.id, industry_id)])
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("LOCK TABLE res_partner_industry IN ACCESS EXCLUSIVE MODE NOWAIT")
            self.env.cr.execute("SET LOCAL lock_timeout = '200ms'")
            self.send()
        event = self.events(webhook)
        self.assertEqual((event.state, event.attempts), ("pending", 1))
        self.assertIn("could not be read now", event.last_error)
        self.assertGreater(event.next_attempt, fields.Datetime.now())
        self.assertFalse(self.receiver.received)
