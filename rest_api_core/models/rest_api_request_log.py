"""The request log's rows, as administrators browse them (written by ``request_log.py``)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .. import metrics, request_log, settings


class RestApiRequestLog(models.Model):
    """One ``/api`` request: who, what, how it ended, how long it took.

    The table is the model's own (``_auto = False``, created by :meth:`init`
    from the fields below): rows are inserted in batches from another
    connection than the request's (``request_log.insert_rows``), which stores
    no reference to a key or user deleted meanwhile. Its foreign keys are
    ``ON DELETE SET NULL``, so that a row outlives its key or user however they
    are deleted (a key revoked in the user's preferences is deleted by
    PostgreSQL's cascade, which no ORM override sees) and never points at a
    missing record, which the web client's views could not show.
    """

    _name = "rest.api.request.log"
    _description = "REST API request"
    _auto = False
    _table = request_log.TABLE
    _order = "date desc, id desc"
    _rec_name = "request_id"

    date = fields.Datetime(required=True, readonly=True, index=True)
    key_id = fields.Many2one("rest.api.key", string="API key", readonly=True, index=True)
    user_id = fields.Many2one("res.users", readonly=True, help="The user the request ran as.")
    method = fields.Char(readonly=True)
    route = fields.Char(readonly=True, help="The route template the path matched.")
    path = fields.Char(readonly=True)
    query = fields.Char(string="Query string", readonly=True, help="Credential-like parameters are redacted.")
    status = fields.Integer(readonly=True, aggregator=None)
    duration_ms = fields.Float(string="Duration (ms)", readonly=True, aggregator="avg", digits=(16, 1))
    request_id = fields.Char(string="Request ID", readonly=True, index=True)
    client_address = fields.Char(readonly=True)
    request_size = fields.Integer(string="Request size (bytes)", readonly=True, aggregator="sum")
    response_size = fields.Integer(string="Response size (bytes)", readonly=True, aggregator="sum")
    problem_type = fields.Char(readonly=True)
    request_body = fields.Text(
        readonly=True,
        help="The first 2 KB of an error's request body, with secret-looking members redacted; only when "
        "Settings > REST API > Capture error bodies is on.",
    )
    is_error = fields.Boolean(string="Error", compute="_compute_outcome", search="_search_is_error")
    is_throttled = fields.Boolean(string="Throttled", compute="_compute_outcome", search="_search_is_throttled")

    def init(self):
        """Create the table and any column a newer version added, from the fields' column types."""
        cr = self.env.cr
        table = SQL.identifier(self._table)
        cr.execute(SQL("CREATE TABLE IF NOT EXISTS %s (id SERIAL PRIMARY KEY)", table))
        for name, field in self._fields.items():
            if field.store and field.column_type and name != "id":
                column = SQL.identifier(name)
                column_type = SQL(field.column_type[1])  # the ORM's own type names
                cr.execute(SQL("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", table, column, column_type))
        for name in ("date", "key_id", "user_id", "request_id"):
            index = SQL.identifier(f"{self._table}_{name}_index")
            cr.execute(SQL("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", index, table, SQL.identifier(name)))
        for name in ("key_id", "user_id"):
            self._add_set_null_foreign_key(name)
        cr.execute(metrics.CREATE_TABLE)  # the request counters, flushed with the rows
        cr.execute(metrics.CREATE_EVENT_TABLE)

    def _add_set_null_foreign_key(self, name):
        """``name`` references its comodel's table, ``ON DELETE SET NULL`` (once; dangling references of
        rows stored before, which had none, are emptied first)."""
        cr = self.env.cr
        table = self._table
        constraint = f"{table}_{name}_fkey"
        cr.execute("SELECT 1 FROM pg_constraint WHERE conname = %s AND conrelid = %s::regclass", [constraint, table])
        if cr.rowcount:
            return
        target = self.env[self._fields[name].comodel_name]._table
        column, target_table = SQL.identifier(name), SQL.identifier(target)
        cr.execute(
            SQL(
                "UPDATE %s log SET %s = NULL WHERE %s IS NOT NULL AND NOT EXISTS (SELECT FROM %s WHERE id = log.%s)",
                SQL.identifier(table), column, column, target_table, column,
            )
        )  # fmt: skip
        cr.execute(
            SQL(
                "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (id) ON DELETE SET NULL",
                SQL.identifier(table), SQL.identifier(constraint), column, target_table,
            )
        )  # fmt: skip

    @api.depends("status")
    def _compute_outcome(self):
        for row in self:
            row.is_error = row.status >= 400
            row.is_throttled = row.status == 429

    def _search_is_error(self, operator, value):
        return [("status", ">=" if (operator == "=") == bool(value) else "<", 400)]

    def _search_is_throttled(self, operator, value):
        return [("status", "=" if (operator == "=") == bool(value) else "!=", 429)]

    @api.depends("method", "path", "status")
    def _compute_display_name(self):
        for row in self:
            row.display_name = f"{row.method} {row.path} {row.status}"

    @api.autovacuum
    def _gc_request_log(self):
        """Drop the rows older than the retention setting."""
        days = settings.request_log_retention_days(self.env)
        cr = self.env.cr
        cr.execute(f"DELETE FROM {self._table} WHERE date < %s", [fields.Datetime.now() - timedelta(days=days)])  # noqa: S608
        self.invalidate_model()
