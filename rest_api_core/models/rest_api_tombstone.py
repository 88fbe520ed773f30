"""Deletions of the models with change tracking on, for the change feed's ``deleted``."""

import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .. import settings


class RestApiTombstone(models.Model):
    """One deleted record: written in the transaction that deletes it (``base.unlink``), so
    that a rolled-back deletion leaves none. Out of reach of the REST API (see
    ``rest_api_auth.scope``); read by the change feed only, for a model the client may read."""

    _name = "rest.api.tombstone"
    _description = "REST API deleted record"
    _order = "deleted_at, res_id"
    _log_access = False

    model = fields.Char(required=True, readonly=True)
    res_id = fields.Integer(string="Record ID", required=True, readonly=True)
    # the deleted record's company, if it had one: the feed shows a deletion to the users of that company only
    company_id = fields.Integer(string="Company ID", readonly=True)
    # the deleting transaction's start, like write_date (the feed's horizon relies on it)
    deleted_at = fields.Datetime(required=True, readonly=True, default=lambda self: self.env.cr.now())

    _sql_constraints = [("model_res_id_unique", "UNIQUE (model, res_id)", "A record is deleted only once.")]

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS rest_api_tombstone_feed_idx ON rest_api_tombstone (model, deleted_at, res_id)"
        )

    @api.model
    def _record(self, model_name, ids, companies):
        """Record the deletion of records ``ids`` of ``model_name`` (``companies``: id -> company id or None)."""
        self.env.execute_query(
            SQL(
                "INSERT INTO rest_api_tombstone (model, res_id, company_id, deleted_at)"
                " SELECT %s, id, (%s::jsonb ->> id::text)::int, %s FROM unnest(%s) AS id"
                " ON CONFLICT (model, res_id) DO NOTHING",
                model_name,
                json.dumps({str(key): value for key, value in companies.items()}),
                self.env.cr.now(),
                list(ids),
            )
        )

    @api.autovacuum
    def _gc_tombstones(self):
        """Drop the deletions older than ``rest_api.tombstone_days`` (Odoo's daily autovacuum cron)."""
        days = settings.tombstone_days(self.env)
        self.flush_model()
        self.env.execute_query(
            SQL("DELETE FROM rest_api_tombstone WHERE deleted_at < %s", fields.Datetime.now() - timedelta(days=days))
        )
        self.invalidate_model()
