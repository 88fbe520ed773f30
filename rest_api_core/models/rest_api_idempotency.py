"""The responses stored under an ``Idempotency-Key``, to replay them on a retry (see ``idempotency``)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .. import settings


class RestApiIdempotency(models.Model):
    """One writing request's 2xx response, per API key, effective user and ``Idempotency-Key``.

    Inserted in the transaction of the request's effect (a rolled-back request leaves none),
    by SQL (``idempotency.store``); out of reach of the REST API (``rest_api_auth.scope``): it
    holds other clients' responses. Dropped after ``rest_api.idempotency_ttl`` hours by a cron.
    """

    _name = "rest.api.idempotency"
    _description = "REST API idempotent response"
    _order = "created_at desc, id desc"
    _log_access = False

    native_key_id = fields.Many2one(
        "res.users.apikeys", string="API Key", required=True, readonly=True, ondelete="cascade"
    )
    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    idempotency_key = fields.Char(required=True, readonly=True)
    # SHA-256 of the method, path and query, X-Odoo-Company and body (see idempotency.fingerprint)
    fingerprint = fields.Char(required=True, readonly=True)
    method = fields.Char(required=True, readonly=True)
    path = fields.Char(required=True, readonly=True)
    status = fields.Integer(required=True, readonly=True)
    response_headers = fields.Json(readonly=True)
    response_body = fields.Text(readonly=True)
    created_at = fields.Datetime(required=True, readonly=True, index=True, default=lambda self: self.env.cr.now())

    _sql_constraints = [
        (
            "key_unique",
            "UNIQUE (native_key_id, user_id, idempotency_key)",
            "An Idempotency-Key is used once per API key and user.",
        )
    ]

    def init(self):
        # The ORM adds no foreign key towards an _auto=False model (res.users.apikeys): deleting
        # a key deletes the responses stored under it.
        self.pool.add_foreign_key(
            self._table, "native_key_id", "res_users_apikeys", "id", "cascade", self, "rest_api_core"
        )

    @api.model
    def _gc_expired(self):
        """Drop the responses older than ``rest_api.idempotency_ttl`` (the hourly cron)."""
        hours = settings.idempotency_ttl_hours(self.env)
        self.flush_model()
        self.env.execute_query(
            SQL(
                "DELETE FROM rest_api_idempotency WHERE created_at < %s",
                fields.Datetime.now() - timedelta(hours=hours),
            )
        )
        self.invalidate_model()
