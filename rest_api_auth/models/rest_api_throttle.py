from odoo import api, models, tools
from odoo.tools import config

from ..throttling.gcra import ThrottleSettings
from ..throttling.store import ThrottleStore


class RestApiThrottle(models.AbstractModel):
    """Owner of the throttle store: two UNLOGGED tables read and written only by
    ``rest_api_auth.throttling``, on autocommit connections of its own, never the ORM.

    UNLOGGED: no WAL per request; the tables are emptied after a PostgreSQL
    crash (not on a clean restart), which resets rate allowances and usage
    counters, a fair price for not writing WAL on every request.
    """

    _name = "rest.api.throttle"
    _description = "REST API throttle store"

    def init(self):
        # fillfactor leaves room on each page so that the per-request updates stay HOT.
        self.env.cr.execute("""
            CREATE UNLOGGED TABLE IF NOT EXISTS rest_api_throttle (
                bucket varchar PRIMARY KEY,
                tat bigint NOT NULL,
                granted integer NOT NULL DEFAULT 1
            ) WITH (fillfactor = 50);
            -- requests the last admission granted at once (quota leasing, throttling/lease.py)
            ALTER TABLE rest_api_throttle ADD COLUMN IF NOT EXISTS granted integer NOT NULL DEFAULT 1;
            COMMENT ON TABLE rest_api_throttle IS
                'REST API GCRA buckets: theoretical arrival time, microseconds since the epoch (database clock)';
            CREATE UNLOGGED TABLE IF NOT EXISTS rest_api_key_usage (
                api_key_id integer PRIMARY KEY,
                request_count bigint NOT NULL,
                last_used timestamp without time zone NOT NULL
            ) WITH (fillfactor = 50);
            COMMENT ON TABLE rest_api_key_usage IS 'REST API key usage: requests admitted and last one (UTC)';
        """)

    @api.model
    @tools.ormcache()
    def _settings(self):
        """The throttling settings; Odoo clears this cache whenever a system parameter changes.
        The store may also be set in the server configuration file (``rest_api_throttle_store``),
        which wins: a Redis password then stays out of the database."""
        return ThrottleSettings.from_params(
            self.env["ir.config_parameter"].sudo().get_param, server_store=config.get("rest_api_throttle_store")
        )

    @api.autovacuum
    def _gc_throttle_store(self):
        """Drop the buckets that are full again (indistinguishable from missing ones) and the
        usage counters of deleted keys; on the store's own connection, like every write to it."""
        store = ThrottleStore(self.env.cr.dbname)
        store.forget_idle_buckets()
        store.forget_deleted_keys()

    def _drop_store(self):
        """At uninstall: Odoo drops the tables of its models, not those of an abstract one."""
        self.env.cr.execute("DROP TABLE IF EXISTS rest_api_throttle, rest_api_key_usage")
