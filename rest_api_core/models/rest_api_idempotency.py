"""The responses stored under an ``Idempotency-Key``, to replay them on a retry (see ``idempotency``)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .. import settings

# The two statements a keyed request adds (``idempotency.begin`` and ``store``), as functions: a
# plpgsql function keeps its statements' plans for the connection's life, where a statement sent
# as text is parsed and planned anew on every request (that planning was most of the key's cost in
# PostgreSQL, docs/performance.md). The look-up answers one jsonb value: a plain function call is
# cheaper to plan than a ``SELECT * FROM`` the function's columns.
CLAIM_FUNCTION = "rest_api_idempotency_claim"
STORE_FUNCTION = "rest_api_idempotency_store"
_FUNCTIONS = """
-- NULL while another transaction holds the key's lock, else its stored response ({} when none)
CREATE OR REPLACE FUNCTION %(claim)s(p_native_key_id integer, p_user_id integer, p_key varchar, p_lock bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(p_lock) THEN
        RETURN NULL;
    END IF;
    RETURN COALESCE((
        SELECT jsonb_build_object('fingerprint', i.fingerprint, 'status', i.status, 'headers', i.response_headers,
                                  'body', i.response_body, 'created_at', i.created_at)
          FROM rest_api_idempotency i
         WHERE i.native_key_id = p_native_key_id AND i.user_id = p_user_id AND i.idempotency_key = p_key
    ), '{}');
END $$;

CREATE OR REPLACE FUNCTION %(store)s(p_native_key_id integer, p_user_id integer, p_key varchar,
    p_fingerprint varchar, p_method varchar, p_path varchar, p_status integer, p_headers jsonb, p_body text,
    p_created_at timestamp, p_replace boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rest_api_idempotency (native_key_id, user_id, idempotency_key, fingerprint, method, path, status,
                                      response_headers, response_body, created_at)
    VALUES (p_native_key_id, p_user_id, p_key, p_fingerprint, p_method, p_path, p_status, p_headers, p_body,
            p_created_at)
    ON CONFLICT (native_key_id, user_id, idempotency_key) DO UPDATE SET
        fingerprint = EXCLUDED.fingerprint, method = EXCLUDED.method, path = EXCLUDED.path,
        status = EXCLUDED.status, response_headers = EXCLUDED.response_headers,
        response_body = EXCLUDED.response_body, created_at = EXCLUDED.created_at
    WHERE p_replace;  -- an expired row is replaced; any other (committed after this snapshot) fails
END $$;
"""


class RestApiIdempotency(models.Model):
    """One writing request's 2xx response, per API key, effective user and ``Idempotency-Key``.

    Inserted in the transaction of the request's effect (a rolled-back request leaves none),
    by the function ``init`` creates (``idempotency.store``); out of reach of the REST API (``rest_api_auth.scope``): it
    holds other clients' responses. Dropped after ``rest_api.idempotency_ttl`` hours by a cron.
    """

    _name = "rest.api.idempotency"
    _description = "REST API idempotent response"
    _order = "created_at desc, id desc"
    _log_access = False

    # Plain ids, no foreign keys: each insert's check would lock the key's and the user's rows
    # (FOR KEY SHARE, a WAL record; a multixact when requests of one key overlap). The ids of
    # deleted keys are never given again (a sequence), so their rows replay for nobody; the cron
    # drops them with the expired ones.
    native_key_id = fields.Integer(string="API Key", required=True, readonly=True)
    user_id = fields.Integer(required=True, readonly=True)
    idempotency_key = fields.Char(required=True, readonly=True)
    # SHA-256 of the method, path and query, X-Odoo-Company and body (see idempotency.fingerprint)
    fingerprint = fields.Char(required=True, readonly=True)
    method = fields.Char(required=True, readonly=True)
    path = fields.Char(required=True, readonly=True)
    status = fields.Integer(required=True, readonly=True)
    response_headers = fields.Json(readonly=True)
    response_body = fields.Text(readonly=True)
    # not indexed: the cron's clean-up reads the whole table anyway (the deleted keys' rows), and an
    # index costs every keyed request an entry
    created_at = fields.Datetime(required=True, readonly=True, default=lambda self: self.env.cr.now())

    _sql_constraints = [
        (
            "key_unique",
            "UNIQUE (native_key_id, user_id, idempotency_key)",
            "An Idempotency-Key is used once per API key and user.",
        )
    ]

    def init(self):
        # a database installed when these columns were Many2one fields keeps their keys otherwise
        for column in ("native_key_id", "user_id"):
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE rest_api_idempotency DROP CONSTRAINT IF EXISTS %s",
                    SQL.identifier(f"{self._table}_{column}_fkey"),
                )
            )
        self.env.cr.execute(SQL(_FUNCTIONS, **self._functions()))

    @api.model
    def _functions(self):
        return {"claim": SQL.identifier(CLAIM_FUNCTION), "store": SQL.identifier(STORE_FUNCTION)}

    @api.model
    def _drop_functions(self):
        """At uninstall: the table goes with the model, its functions do not."""
        self.env.cr.execute(SQL("DROP FUNCTION IF EXISTS %(claim)s, %(store)s", **self._functions()))

    @api.model
    def _gc_expired(self):
        """Drop the responses older than ``rest_api.idempotency_ttl`` and those of deleted API keys
        (a user's deletion deletes the user's keys): the hourly cron."""
        hours = settings.idempotency_ttl_hours(self.env)
        self.flush_model()
        self.env.execute_query(
            SQL(
                "DELETE FROM rest_api_idempotency i WHERE i.created_at < %s"
                " OR NOT EXISTS (SELECT 1 FROM res_users_apikeys k WHERE k.id = i.native_key_id)",
                fields.Datetime.now() - timedelta(hours=hours),
            )
        )
        self.invalidate_model()
