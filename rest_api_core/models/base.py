from odoo import api, models, tools
from odoo.tools import SQL

from .. import settings


class Base(models.AbstractModel):
    """Deletions of the models with change tracking on leave a tombstone, in the same transaction."""

    _inherit = "base"

    @api.model
    @tools.ormcache()
    def _rest_api_not_null_columns(self):
        """The columns of the model's table that PostgreSQL keeps NOT NULL (cursor pages, see
        ``pagination``); cached per worker, cleared with the registry's caches."""
        rows = self.env.execute_query(
            SQL(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnotnull AND NOT attisdropped",
                self._table,
            )
        )
        return frozenset(name for (name,) in rows)

    def unlink(self):
        if not self or self._transient or self._name not in settings.tracked_models(self.env):
            return super().unlink()
        companies = dict.fromkeys(self.ids)
        field = self._fields.get("company_id")
        if field is not None and field.store and field.type == "many2one" and field.comodel_name == "res.company":
            self.flush_recordset(["company_id"])
            rows = self.env.execute_query(
                SQL("SELECT id, company_id FROM %s WHERE id = ANY(%s)", SQL.identifier(self._table), self.ids)
            )
            companies.update(rows)
        model_name, ids = self._name, self.ids
        result = super().unlink()
        self.env["rest.api.tombstone"].sudo()._record(model_name, ids, companies)
        return result
