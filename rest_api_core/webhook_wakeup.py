"""Waking the webhook sender after the commits that captured events, gathered per process.

The sender is woken as ``ir.cron._trigger()`` does it: a trigger row, then the cron workers'
notification. Per capturing transaction that cost a row written by the transaction itself (a
foreign key check and a key-share lock of the cron's row, which every concurrent writer shares: a
multixact each time) and a notification transaction on the ``postgres`` database (PostgreSQL
commits the transactions that notify one at a time: one per write made the writes of a
subscribed model wait in line for each other). So a process leaves at most one trigger and one
notification per database every ``DELAY`` seconds, in transactions of its own, after every commit
that asked for them in the meantime (the flag is cleared before they are written, so no commit
is left without a trigger after it).

A trigger committed after the events is enough: after a run, Odoo 18's cron deletes only the
triggers its snapshot from before the run could see, and the run read the outbox after that
snapshot, so it saw their events. A process that dies within ``DELAY`` of a capturing commit
leaves its events to the sender's schedule (``ir_cron_rest_api_webhook_send``, every 5 minutes).
"""

import logging
import threading

from odoo import sql_db
from odoo.tools import SQL

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION

_logger = logging.getLogger(__name__)

CRON_XMLID = "rest_api_core.ir_cron_rest_api_webhook_send"
# seconds: the wake-ups of one process's capturing commits, gathered. Each costs some 1-2 ms of CPU
# (two short transactions); at 0.1 s, a worker busy writing a subscribed model woke the sender 10
# times a second, 2-4 % of its writes' CPU (benchmarks/bench_webhooks.py); a quarter second is
# still well under what a receiver notices.
DELAY = 0.25
_lock = threading.Lock()
_scheduled = set()  # the database names whose wake-up is on its way


def notify_soon(dbname):
    """After a commit that captured events in ``dbname``: wake the sender within ``DELAY``."""
    with _lock:
        if dbname in _scheduled:
            return
        _scheduled.add(dbname)
    # not a daemon: a worker that exits (recycled) wakes it first
    threading.Timer(DELAY, _wake, args=(dbname,)).start()


def _wake(dbname):
    with _lock:
        _scheduled.discard(dbname)
    try:
        if leave_trigger(dbname):
            with sql_db.db_connect("postgres").cursor() as cr:
                cr.execute(SQL("SELECT %s('cron_trigger', %s)", SQL.identifier(ODOO_NOTIFY_FUNCTION), dbname))
    except Exception:  # the events are committed: the sender's own schedule picks them up
        _logger.warning("Could not wake the webhook sender of %s", dbname, exc_info=True)


def leave_trigger(dbname):
    """Commit a trigger row for the sender in ``dbname``, due now; False when the sender is archived."""
    module, name = CRON_XMLID.split(".")
    with sql_db.db_connect(dbname).cursor() as cr:
        # no user columns: each is a foreign key check of a user's row
        cr.execute(
            SQL(
                """INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date)
                   SELECT c.id, t.now, t.now, t.now
                     FROM (SELECT now() AT TIME ZONE 'UTC') AS t(now),
                          ir_cron c JOIN ir_model_data d ON d.res_id = c.id AND d.model = 'ir.cron'
                    WHERE d.module = %s AND d.name = %s AND c.active""",
                module,
                name,
            )
        )
        return bool(cr.rowcount)
