"""The webhook sender's wake-up (``webhook_wakeup``): its trigger, committed on a cursor of its own."""

from odoo import sql_db
from odoo.tests import TransactionCase, tagged

from .. import webhook_wakeup


@tagged("post_install", "-at_install")
class TestWakeUp(TransactionCase):
    """The trigger the gathered wake-up leaves, in a transaction of its own after the capturing commits."""

    def triggers(self):
        """The sender's trigger rows committed so far (read outside the test's transaction)."""
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(
                "SELECT t.id FROM ir_cron_trigger t"
                " JOIN ir_model_data d ON d.res_id = t.cron_id AND d.model = 'ir.cron'"
                " WHERE d.module = %s AND d.name = %s",
                webhook_wakeup.CRON_XMLID.split("."),
            )
            return {row[0] for row in cr.fetchall()}

    def test_leaves_one_trigger_due_now_for_the_sender(self):
        before = self.triggers()
        self.assertTrue(webhook_wakeup.leave_trigger(self.env.cr.dbname))
        added = self.triggers() - before
        self.addCleanup(self.drop_triggers, added)  # committed: not the test's to roll back
        self.assertEqual(len(added), 1)
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute("SELECT call_at <= now() AT TIME ZONE 'UTC' FROM ir_cron_trigger WHERE id IN %s", [tuple(added)])
            self.assertTrue(cr.fetchone()[0])

    def drop_triggers(self, ids):
        if ids:
            with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
                cr.execute("DELETE FROM ir_cron_trigger WHERE id IN %s", [tuple(ids)])
