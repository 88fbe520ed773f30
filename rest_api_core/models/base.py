from odoo import api, models, tools
from odoo.tools import SQL

from .. import settings


class Base(models.AbstractModel):
    """What every model's changes leave for the REST API, in the same transaction: deletions of the
    models with change tracking on leave a tombstone; changes of the models a webhook subscribes
    to queue their events, which the transaction writes when it flushes (one statement).

    The subscribed models are cached per registry (``rest.api.webhook._subscriptions``): a model
    nobody subscribes to costs a dictionary lookup, no query.
    """

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

    def _rest_api_webhooks(self, event):
        """The ids of the subscriptions to ``event`` of this model (an empty tuple mostly)."""
        if self._transient or "rest.api.webhook" not in self.env.registry:
            return ()
        return self.env["rest.api.webhook"]._subscriptions().get(self._name, {}).get(event, ())

    def _rest_api_capture(self, event):
        """Queue ``event`` of these records for every subscription to it."""
        webhook_ids = self._rest_api_webhooks(event)
        if webhook_ids and self:
            self.env["rest.api.webhook.event"]._capture(
                event, [(webhook_id, record_id) for webhook_id in webhook_ids for record_id in self.ids]
            )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._rest_api_capture("created")
        return records

    def write(self, vals):
        result = super().write(vals)
        if vals:  # no value, no change to announce (Odoo writes {} to a company's contacts at each save)
            self._rest_api_capture("updated")
        return result

    def unlink(self):
        if not self:
            return super().unlink()
        events = self._rest_api_deletion_events()
        tombstone_companies = self._rest_api_tombstone_companies()
        model_name, ids = self._name, self.ids
        result = super().unlink()
        if tombstone_companies is not None:
            self.env["rest.api.tombstone"].sudo()._record(model_name, ids, tombstone_companies)
        if events:
            self.env["rest.api.webhook.event"]._capture("deleted", events)
        return result

    def _rest_api_deletion_events(self):
        """The (subscription, record) pairs of the "deleted" events, taken before the records go:
        a subscription only hears of the records its key could read."""
        webhook_ids = self._rest_api_webhooks("deleted")
        if not webhook_ids:
            return []
        webhooks = self.env["rest.api.webhook"].sudo().browse(webhook_ids)
        return [(webhook.id, record_id) for webhook in webhooks for record_id in webhook._visible_ids(self.ids)]

    def _rest_api_tombstone_companies(self):
        """``{id: company id}`` of the records to leave tombstones of (None when the model's
        changes are not tracked), read before the records go."""
        if self._transient or self._name not in settings.tracked_models(self.env):
            return None
        companies = dict.fromkeys(self.ids)
        field = self._fields.get("company_id")
        if field is not None and field.store and field.type == "many2one" and field.comodel_name == "res.company":
            self.flush_recordset(["company_id"])
            rows = self.env.execute_query(
                SQL("SELECT id, company_id FROM %s WHERE id = ANY(%s)", SQL.identifier(self._table), self.ids)
            )
            companies.update(rows)
        return companies
