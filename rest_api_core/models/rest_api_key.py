from odoo import _, fields, models
from odoo.http import request

from .. import request_log


class RestApiKey(models.Model):
    _inherit = "rest.api.key"

    request_log_count = fields.Integer(string="Logged requests", compute="_compute_request_log_count")
    allow_metrics = fields.Boolean(
        string="Read Metrics",
        groups="rest_api_auth.group_rest_api_manager",
        help="The key may read GET /api/metrics: the request counters of the whole deployment "
        "(routes, methods, statuses, durations; never a key, a user or a path), whatever its scope.",
    )
    webhook_ids = fields.One2many("rest.api.webhook", "key_id", string="Webhooks")
    allow_webhooks = fields.Boolean(
        string="Manage Webhooks",
        groups="rest_api_auth.group_rest_api_manager",
        help="The key may list, create and delete its own webhooks through /api/webhooks; they read "
        "as the key does, within its scope.",
    )

    def _compute_request_log_count(self):
        counts = dict(
            self.env["rest.api.request.log"]._read_group([("key_id", "in", self.ids)], ["key_id"], ["__count"])
        )
        for key in self:
            key.request_log_count = counts.get(key, 0)

    def unlink(self):
        # the database cascades the key's webhooks, not their events (rest_api_webhook_event.UnkeyedMany2one)
        webhooks = self.sudo().with_context(active_test=False).webhook_ids
        self.env["rest.api.webhook.event"].sudo()._drop_events(webhooks.ids)
        return super().unlink()

    def _rest_api_verified_key(self, *args, **kwargs):
        """Remember the verified key on the request, so that its later refusal (429, 403) is logged with it."""
        verified = super()._rest_api_verified_key(*args, **kwargs)
        if request:
            request_log.remember_verified_key(request, verified)
        return verified

    def action_view_usage(self):
        """The key's requests per day (graph first), from the request log."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("rest_api_core.rest_api_usage_daily_action")
        action["domain"] = [("key_id", "=", self.id)]
        action["display_name"] = _("Usage of %s", self.display_name)
        return action

    def action_view_request_log(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("rest_api_core.rest_api_request_log_action")
        action["domain"] = [("key_id", "=", self.id)]
        return action
