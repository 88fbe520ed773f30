"""The webhook outbox and its sender.

Events are written by the change itself, in its transaction (``models/base.py``): a
rollback leaves none, a commit keeps them. The sender (``ir.cron``, triggered by each commit
that captured events, and by itself for retries) claims the oldest pending event of each
subscription with ``FOR UPDATE SKIP LOCKED``, so that senders of several workers and hosts never
post one event at once, nor a subscription's events out of order; it commits after each attempt.
"""

import functools
import logging
import threading
import time
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tools import SQL

from .. import change_feed, field_lists, request_log, serialization, settings, webhook_delivery, webhook_wakeup

_logger = logging.getLogger(__name__)

CRON_XMLID = webhook_wakeup.CRON_XMLID
TIME_BUDGET = 50  # seconds a sender run spends before it hands over to a new run
BATCH = 50  # events claimed at once (at most one per subscription)
TRIGGERED = "rest_api_core.webhook_triggered"  # cr.postcommit.data: this transaction wakes the sender
CAPTURED = "rest_api_core.webhook_captured"  # cr.precommit.data: {(webhook, record, change): event} to write
# seconds a run waits before handing over when due events could not be claimed (another sender
# holds them, or a transaction older than them is still running): no busy loop meanwhile
BLOCKED_PAUSE = 1


# The capture's insert, as a function: a plpgsql function keeps its statement's plan for the
# connection's life (unnest, the join, the ON CONFLICT arbiter's partial index: planning them was a
# good part of the statement's cost, sent as text it is planned anew at every commit). Answers the
# number of events written.
CAPTURE_FUNCTION = "rest_api_webhook_capture"
_CAPTURE = """
CREATE OR REPLACE FUNCTION %(capture)s(p_webhook_ids integer[], p_res_ids integer[], p_events varchar[], p_at timestamp)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    captured integer;
BEGIN
    INSERT INTO rest_api_webhook_event (webhook_id, event, res_id, txid, created_at, state, attempts, next_attempt)
    SELECT t.w, t.e, t.r, txid_current()::text, p_at, 'pending', 0, p_at
      FROM unnest(p_webhook_ids, p_res_ids, p_events) WITH ORDINALITY AS t(w, r, e, n)
      JOIN rest_api_webhook ON rest_api_webhook.id = t.w
     ORDER BY t.n
    ON CONFLICT (webhook_id, res_id, txid) WHERE state = 'pending' AND event IN ('created', 'updated') DO NOTHING;
    GET DIAGNOSTICS captured = ROW_COUNT;
    RETURN captured;
END $$;
"""


# The head event of each subscription that sends: its oldest pending one (events go in capture
# order; a later one waits for it). One look-up per subscription through the due index: the
# sender's work per claim does not grow with a subscription's backlog. The sender locks heads
# only, so a head another sender holds is skipped, never overtaken by the event behind it.
_HEAD_EVENTS = SQL(
    """SELECT head.id, head.created_at, head.next_attempt
         FROM rest_api_webhook w
        CROSS JOIN LATERAL (
              SELECT h.id, h.created_at, h.next_attempt FROM rest_api_webhook_event h
               WHERE h.webhook_id = w.id AND h.state = 'pending'
               ORDER BY h.created_at, h.id
               LIMIT 1) head
        WHERE w.active AND w.state != 'disabled'"""
)


# "due" on the clock the capture stamps new events with (the database's, to the microsecond): an
# application host whose clock runs behind would otherwise leave new events for the next check
_DATABASE_NOW = SQL("(clock_timestamp() AT TIME ZONE 'UTC')")


def _write_captured(cr):
    """Write the events ``_capture`` queued on ``cr``, in one statement, and wake a sender after
    the commit (``webhook_wakeup``: its trigger row and notification are gathered per process,
    not written by each capturing transaction). A subscription deleted since this worker cached
    it is skipped, never a failed write."""
    captured = cr.precommit.data.pop(CAPTURED, None)
    if not captured:
        return
    (webhook_ids, res_ids, _changes), events = zip(*captured, strict=True), list(captured.values())
    cr.execute(
        SQL(
            "SELECT %s(%s, %s, %s, %s)",
            SQL.identifier(CAPTURE_FUNCTION),
            list(webhook_ids),
            list(res_ids),
            events,
            cr.now(),
        )
    )
    if cr.fetchone()[0] and not cr.postcommit.data.get(TRIGGERED):
        cr.postcommit.data[TRIGGERED] = True
        cr.postcommit.add(functools.partial(webhook_wakeup.notify_soon, cr.dbname))


class Skipped(Exception):
    """An event with nothing the key may be shown (the record is gone or out of its reach)."""


class UnkeyedMany2one(fields.Many2one):
    """A Many2one without a foreign key in the database. The outbox's reference to its
    subscription: a foreign key check per event row is a query, and a ``FOR KEY SHARE`` lock
    of the subscription row that every write on the model takes (a WAL record per capturing
    transaction, ``benchmarks/bench_webhooks_wal.py``). The
    events of a deleted subscription are deleted with it (``rest.api.webhook.unlink``); those a
    database cascade (from the key or the model) or a capture committed during the deletion
    leaves are never claimed (the claim joins the subscriptions) and go with the clean-up."""

    def update_db_foreign_key(self, model, column):
        pass


class RestApiWebhookEvent(models.Model):
    _name = "rest.api.webhook.event"
    _description = "REST API Webhook Event"
    _order = "id desc"
    _log_access = False

    webhook_id = UnkeyedMany2one("rest.api.webhook", required=True, index=True, readonly=True)
    event = fields.Selection(
        [("created", "Created"), ("updated", "Updated"), ("deleted", "Deleted"), ("test", "Test")],
        required=True,
        readonly=True,
    )
    res_id = fields.Integer(string="Record ID", readonly=True)
    # the capturing transaction (txid_current()): the writes of one transaction to a record make one event
    txid = fields.Char(readonly=True)
    created_at = fields.Datetime(required=True, readonly=True, default=lambda self: self.env.cr.now())
    state = fields.Selection(
        [("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failed"), ("skipped", "Skipped")],
        default="pending",
        required=True,
        readonly=True,
    )
    attempts = fields.Integer(string="Attempts Made", readonly=True)
    next_attempt = fields.Datetime(readonly=True, default=fields.Datetime.now)
    delivered_at = fields.Datetime(readonly=True)
    last_status = fields.Integer(readonly=True)
    last_error = fields.Char(readonly=True)
    attempt_ids = fields.One2many("rest.api.webhook.attempt", "event_id", string="Attempts", readonly=True)

    def init(self):
        self.env.cr.execute(
            "ALTER TABLE rest_api_webhook_event DROP CONSTRAINT IF EXISTS rest_api_webhook_event_webhook_id_fkey"
        )
        # one pending event per record and subscription in a transaction: the capture's ON CONFLICT
        # (a NOT EXISTS look-up instead let the planner anti-join the whole outbox: PostgreSQL's CPU
        # per subscribed write grew with the backlog, benchmarks/bench_webhooks.py)
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS rest_api_webhook_event_coalesce_idx
                   ON rest_api_webhook_event (webhook_id, res_id, txid)
                WHERE state = 'pending' AND event IN ('created', 'updated')"""
        )
        self.env.cr.execute("DROP INDEX IF EXISTS rest_api_webhook_event_capture_idx")
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS rest_api_webhook_event_due_idx
                   ON rest_api_webhook_event (webhook_id, created_at, id) WHERE state = 'pending'"""
        )
        self.env.cr.execute(SQL(_CAPTURE, capture=SQL.identifier(CAPTURE_FUNCTION)))

    @api.model
    def _drop_functions(self):
        """At uninstall: the table goes with the model, its function does not."""
        self.env.cr.execute(SQL("DROP FUNCTION IF EXISTS %s", SQL.identifier(CAPTURE_FUNCTION)))

    @api.depends("webhook_id.model", "event", "res_id")
    def _compute_display_name(self):
        for event in self:
            event.display_name = f"{event.webhook_id.model}.{event.event} #{event.res_id}"

    # ------------------------------------------------------------------
    # Capture (in the changing transaction)
    # ------------------------------------------------------------------

    @api.model
    def _capture(self, event, pairs):
        """Queue ``event`` for ``pairs`` of (webhook id, record id), written with the transaction:
        the events of every change a transaction makes are written by one statement, when it
        flushes (``_write_captured``, a precommit hook): one statement per capturing call cost a
        round trip each, and one save makes several calls (``benchmarks/bench_webhooks.py``).
        A rollback, to the start or to a (flushing)
        savepoint, drops them with the change; a record created or updated again in the same
        transaction keeps its one pending event."""
        if not pairs:
            return
        precommit = self.env.cr.precommit
        captured = precommit.data.get(CAPTURED)
        if captured is None:
            captured = precommit.data[CAPTURED] = {}
            precommit.add(functools.partial(_write_captured, self.env.cr))
        change = "deleted" if event == "deleted" else "changed"  # an update after a creation: one event
        for webhook_id, res_id in pairs:
            captured.setdefault((webhook_id, res_id, change), event)

    def flush_model(self, fnames=None):
        """The outbox read through the ORM shows this transaction's captured events too."""
        _write_captured(self.env.cr)
        return super().flush_model(fnames)

    @api.model
    def _drop_events(self, webhook_ids):
        """Delete the events (and their attempts) of the subscriptions ``webhook_ids``, being deleted."""
        self.flush_model()
        self.env.cr.execute(SQL("DELETE FROM rest_api_webhook_event WHERE webhook_id = ANY(%s)", list(webhook_ids)))
        self.invalidate_model()

    @api.model
    def _trigger_sender(self, at=None):
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at)

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    @api.model
    def _cron_send(self):
        testing = self.env.registry.in_test_mode() or getattr(threading.current_thread(), "testing", False)
        self._send_due(auto_commit=not testing)

    @api.model
    def _send_due(self, auto_commit=True, time_budget=TIME_BUDGET):
        """Send the due events for up to ``time_budget`` seconds; schedule the sender for the next retry."""
        started = time.monotonic()
        sent = 0
        while time.monotonic() - started < time_budget:
            events = self.browse(self._claim(BATCH, fresh_snapshot=auto_commit))
            if not events:
                break
            for index, event in enumerate(events):
                # each commit released the claim's locks: another sender may have taken the rest
                if index and auto_commit and not event._lock_again():
                    continue
                event._attempt()
                sent += 1
                if auto_commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        else:  # out of time: another run goes on
            self._trigger_sender()
            return sent
        self._schedule_next(auto_commit)
        return sent

    @api.model
    def _schedule_next(self, auto_commit):
        """Trigger the sender when the next head event is due: later for a retry; now, after a
        pause, for one due but not claimable (another sender holds it, or an older transaction
        is still running): a future trigger would wait for the cron worker's next check (a minute)."""
        self._flush_heads()
        self.env.cr.execute(SQL("SELECT MIN(heads.next_attempt), %s FROM (%s) heads", _DATABASE_NOW, _HEAD_EVENTS))
        next_attempt, now = self.env.cr.fetchone()
        if next_attempt is None:
            return
        if next_attempt > now:
            self._trigger_sender(next_attempt)
            return
        if auto_commit:
            time.sleep(BLOCKED_PAUSE)
        self._trigger_sender()

    @api.model
    def _flush_heads(self):
        """What ``_HEAD_EVENTS`` reads, as this transaction changed it (a subscription the last
        attempt disabled sends nothing more)."""
        self.flush_model()
        self.env["rest.api.webhook"].flush_model(["active", "state"])

    @api.model
    def _claim(self, limit, fresh_snapshot=False):
        """Lock the due head event of up to ``limit`` subscriptions (in capture order, skipping those
        another sender holds). Only events stamped before every running transaction began are
        claimed: an older one can then no longer commit behind them (``change_feed.horizon``).
        ``fresh_snapshot``: commit between reading the horizon and claiming, so that the claim sees
        every transaction the horizon no longer waits for (one that ended in between would be
        invisible to a snapshot taken before, and its events overtaken)."""
        self._flush_heads()
        moment = change_feed.horizon(self.env.cr)
        if fresh_snapshot:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env.cr.execute(
            SQL(
                """WITH heads AS (%s)
                   SELECT e.id FROM heads JOIN rest_api_webhook_event e ON e.id = heads.id
                    WHERE heads.next_attempt <= %s AND heads.created_at < %s
                    ORDER BY heads.created_at, heads.id
                    LIMIT %s
                    FOR UPDATE OF e SKIP LOCKED""",
                _HEAD_EVENTS,
                _DATABASE_NOW,
                moment,
                limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _lock_again(self):
        """Whether this claimed event is still this sender's to send, locked again after a commit
        released the claim (another sender may have sent it, or holds it now)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM rest_api_webhook_event WHERE id = %s AND state = 'pending' AND next_attempt <= %s"
                " FOR UPDATE SKIP LOCKED",
                self.id,
                _DATABASE_NOW,
            )
        )
        return bool(self.env.cr.fetchone())

    def _attempt(self):
        """One delivery attempt of this event, recorded in its log."""
        self.ensure_one()
        event = self.sudo()
        webhook = event.webhook_id
        try:
            with self.env.cr.savepoint():
                data = event._payload_data()
        except Skipped as skipped:
            event.write({"state": "skipped", "last_error": str(skipped)})
            return
        except psycopg2.OperationalError as error:  # a lock or statement timeout: the next attempt reads again
            outcome = webhook_delivery.Outcome(error=f"the record could not be read now: {error}"[:500])
        except Exception as error:  # a bug or a broken model must not block the subscription's later events
            _logger.exception("REST API webhook event %s: its payload cannot be read", event.id)
            event.write({"state": "failed", "last_error": f"{type(error).__name__}: {error}"[:500]})
            return
        else:
            outcome = event._post(data)
        attempts = event.attempts + 1
        error = outcome.error or ("" if outcome.delivered else f"HTTP {outcome.status}")
        self.env["rest.api.webhook.attempt"].sudo().create(
            {
                "event_id": event.id,
                "status": outcome.status,
                "latency_ms": outcome.latency_ms,
                "response": outcome.excerpt,
                "error": error or False,
            }
        )
        values = {"attempts": attempts, "last_status": outcome.status, "last_error": error or False}
        if outcome.delivered:
            event.write({**values, "state": "delivered", "delivered_at": fields.Datetime.now()})
            webhook._record_success()
            counted = "delivered"
        elif outcome.gone:
            event.write({**values, "state": "failed"})
            webhook._record_gone()
            counted = "gone"
        else:
            delay = webhook_delivery.retry_delay(attempts)
            if delay is None:
                event.write({**values, "state": "failed"})
                webhook._record_failure(error)
                counted = "failed"
            else:
                event.write({**values, "next_attempt": fields.Datetime.now() + timedelta(seconds=delay)})
                counted = "retried"
        request_log.count_webhook_delivery(self.env.cr.dbname, counted)

    def _post(self, data):
        """Post the event with ``data`` to its subscription's URL: the attempt's outcome."""
        webhook = self.webhook_id.sudo()
        body = serialization.dumps(
            {
                "type": f"{webhook.model}.{self.event}",
                "timestamp": self.created_at.isoformat(timespec="seconds") + "Z",
                "data": data,
            }
        )
        request_headers = webhook_delivery.headers(self._message_id(), int(time.time()), body, webhook._valid_secrets())
        return webhook_delivery.post(webhook.url, body, request_headers, settings.webhook_allow_private(self.env))

    def _message_id(self):
        """``webhook-id``: stable per event (every attempt and redelivery), unique across databases."""
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")[:8]
        return f"msg_{database}_{self.id}"

    def _payload_data(self):
        """The event's ``data``, read now as the key's user within the key's scope: what
        ``GET /api/<model>/<id>?fields=...`` would answer that key, or :class:`Skipped`."""
        webhook = self.webhook_id.sudo()
        if self.event == "test":
            return {"id": 0}
        key = webhook.key_id.with_context(active_test=False)
        user = key.user_id
        if not key.active or not user.active or (key.expiration_date and key.expiration_date < fields.Datetime.now()):
            raise Skipped(_("The API key or its user is deactivated or expired."))
        if not key._rest_api_scope().allows(webhook.model, "read") or user._is_superuser():
            raise Skipped(_("The API key may not read %s.", webhook.model))
        env = self.env(user=user.id, su=False, context={"active_test": False, "lang": user.lang, "tz": user.tz})
        records = env[webhook.model]
        if not records.has_access("read"):
            raise Skipped(_("The key's user may not read %s.", webhook.model))
        if self.event == "deleted":
            return {"id": self.res_id}
        try:
            found = records.search([("id", "=", self.res_id), *webhook._domain_list()], limit=1)
            if not found:
                raise Skipped(_("The record no longer exists, or is outside the key's reach or the domain."))
            names = webhook._field_list() or field_lists.default_fields(records)
            names = [name for name in names if name in records._fields and records._fields[name].is_accessible(env)]
            return found.read(names)[0]
        except (AccessError, MissingError, UserError) as error:
            raise Skipped(str(error)) from None

    # ------------------------------------------------------------------
    # UI, retention
    # ------------------------------------------------------------------

    def action_redeliver(self):
        """Send again (with the same ``webhook-id``), as a fresh event with every attempt left."""
        self.check_access("write")
        self.sudo().write(
            {"state": "pending", "attempts": 0, "next_attempt": fields.Datetime.now(), "last_error": False}
        )
        self._trigger_sender()

    @api.autovacuum
    def _gc_webhook_events(self):
        """Drop the delivered, failed and skipped events older than ``rest_api.webhook_retention_days``,
        and those of subscriptions deleted without ``unlink`` (see :class:`UnkeyedMany2one`)."""
        days = settings.webhook_retention_days(self.env)
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """DELETE FROM rest_api_webhook_event e
                    WHERE (e.state != 'pending' AND e.created_at < %s)
                       OR NOT EXISTS (SELECT FROM rest_api_webhook w WHERE w.id = e.webhook_id)""",
                fields.Datetime.now() - timedelta(days=days),
            )
        )
        self.invalidate_model()


class RestApiWebhookAttempt(models.Model):
    _name = "rest.api.webhook.attempt"
    _description = "REST API Webhook Delivery Attempt"
    _order = "id desc"
    _log_access = False

    event_id = fields.Many2one("rest.api.webhook.event", required=True, index=True, ondelete="cascade", readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    status = fields.Integer(readonly=True, help="The HTTP status of the answer; 0 when none came.")
    latency_ms = fields.Integer(string="Latency (ms)", readonly=True)
    response = fields.Text(string="Response excerpt", readonly=True, help="The first 1 KB of the answer.")
    error = fields.Char(readonly=True)
