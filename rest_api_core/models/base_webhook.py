from odoo import api, models


class Base(models.AbstractModel):
    """Changes of the models a webhook subscribes to write their events, in the same transaction.

    The subscribed models are cached per registry (``rest.api.webhook._subscriptions``): a model
    nobody subscribes to costs a dictionary lookup, no query.
    """

    _inherit = "base"

    def _rest_api_webhooks(self, event):
        """The ids of the subscriptions to ``event`` of this model (an empty tuple mostly)."""
        if self._transient or "rest.api.webhook" not in self.env.registry:
            return ()
        return self.env["rest.api.webhook"]._subscriptions().get(self._name, {}).get(event, ())

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        webhook_ids = records._rest_api_webhooks("created")
        if webhook_ids and records:
            records.env["rest.api.webhook.event"]._capture(
                "created", [(webhook_id, record_id) for webhook_id in webhook_ids for record_id in records.ids]
            )
        return records

    def write(self, vals):
        result = super().write(vals)
        webhook_ids = self._rest_api_webhooks("updated")
        if webhook_ids and self:
            self.env["rest.api.webhook.event"]._capture(
                "updated", [(webhook_id, record_id) for webhook_id in webhook_ids for record_id in self.ids]
            )
        return result

    def unlink(self):
        webhook_ids = self._rest_api_webhooks("deleted")
        pairs = []
        if webhook_ids and self:
            webhooks = self.env["rest.api.webhook"].sudo().browse(webhook_ids)
            pairs = [(webhook.id, record_id) for webhook in webhooks for record_id in webhook._visible_ids(self.ids)]
        result = super().unlink()
        self.env["rest.api.webhook.event"]._capture("deleted", pairs)
        return result
