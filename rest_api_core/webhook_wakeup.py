"""Waking the webhook sender: the cron workers' notification, gathered per process.

A commit that captured events leaves a trigger row for the sender (in its own transaction) and
must be followed by a notification to the cron workers, as ``ir.cron._notifydb()`` sends it. Each
notification is a transaction of its own on the ``postgres`` database, and PostgreSQL commits the
transactions that notify one at a time (a global lock, an XID, a WAL flush each): one per write
made the writes of a subscribed model wait in line for each other. So a process sends at most one
notification per database every ``DELAY`` seconds; it leaves after every commit that asked for it
in the meantime (the flag is cleared before it is sent), so no trigger is left without a
notification after it.
"""

import logging
import threading

from odoo import sql_db
from odoo.tools import SQL

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION

_logger = logging.getLogger(__name__)

DELAY = 0.1  # seconds: the notifications of one process's capturing commits, gathered
_lock = threading.Lock()
_scheduled = set()  # the database names whose notification is on its way


def notify_soon(dbname):
    """After a commit that left a sender trigger in ``dbname``: notify the cron workers within ``DELAY``."""
    with _lock:
        if dbname in _scheduled:
            return
        _scheduled.add(dbname)
    # not a daemon: a worker that exits (recycled) sends it first
    threading.Timer(DELAY, _notify, args=(dbname,)).start()


def _notify(dbname):
    with _lock:
        _scheduled.discard(dbname)
    try:
        with sql_db.db_connect("postgres").cursor() as cr:
            cr.execute(SQL("SELECT %s('cron_trigger', %s)", SQL.identifier(ODOO_NOTIFY_FUNCTION), dbname))
    except Exception:  # the trigger is committed: the sender's own schedule picks the events up
        _logger.warning("Could not notify the cron workers of %s", dbname, exc_info=True)
