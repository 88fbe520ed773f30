"""Webhook subscriptions: which changes of which model are posted where, for which API key."""

import ast
import logging
from datetime import timedelta

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL, sql

from odoo.addons.rest_api_auth.exceptions import PermissionDenied
from odoo.addons.rest_api_auth.scope import model_denied

from .. import settings, webhook_delivery, webhook_provisioning
from ..query import check_domain_size
from ..reach import check_reach, records_domain_reach

_logger = logging.getLogger(__name__)

SECRET_OVERLAP = timedelta(hours=24)  # a rotated secret still signs for this long
FAILURE_THRESHOLD = 5  # events failed in a row (every attempt spent) before the subscription is disabled
SYSTEM_GROUP = "base.group_system"


class RestApiWebhook(models.Model):
    """A subscription. Payloads are read as the owner key's user within the key's scope
    (``rest.api.webhook.event._payload``): a webhook never shows more than its key could read."""

    _name = "rest.api.webhook"
    _description = "REST API Webhook"
    _order = "name, id"

    name = fields.Char(required=True)
    key_id = fields.Many2one(
        "rest.api.key",
        string="API Key",
        required=True,
        index=True,
        ondelete="cascade",
        help="The payloads are read as this key's user, within its scope.",
    )
    user_id = fields.Many2one(related="key_id.user_id")
    url = fields.Char(string="Target URL", required=True, help="Where the events are posted (http or https).")
    model_id = fields.Many2one("ir.model", required=True, ondelete="cascade")
    model = fields.Char(related="model_id.model", store=True, index=True, string="Model Name")
    event_created = fields.Boolean(string="Created", default=True)
    event_updated = fields.Boolean(string="Updated", default=True)
    event_deleted = fields.Boolean(string="Deleted", default=True)
    domain = fields.Char(default="[]", help="Only the records matching this domain (when the event is sent).")
    field_names = fields.Char(
        string="Fields", help="Comma-separated fields of the payload; empty: every field the key may read but binaries."
    )
    # Must be read back to sign (Standard Webhooks is HMAC), so it is kept like Odoo's other
    # reusable secrets: readable by settings administrators only, shown once to its creator.
    secret = fields.Char(groups=SYSTEM_GROUP, copy=False, readonly=True)
    previous_secret = fields.Char(groups=SYSTEM_GROUP, copy=False, readonly=True)
    previous_secret_until = fields.Datetime(copy=False, readonly=True)
    secret_shown = fields.Boolean(copy=False, readonly=True)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        list(webhook_provisioning.STATES.items()),
        default="healthy",
        required=True,
        readonly=True,
        copy=False,
    )
    failure_count = fields.Integer(string="Failed events in a row", readonly=True, copy=False)
    last_error = fields.Char(readonly=True, copy=False)
    event_ids = fields.One2many("rest.api.webhook.event", "webhook_id", string="Events")
    pending_count = fields.Integer(compute="_compute_counts")

    # ------------------------------------------------------------------
    # The subscribed models, cached per registry (the capture's hot path)
    # ------------------------------------------------------------------

    @api.model
    @tools.ormcache()
    def _subscriptions(self):
        """``{model: {event: (webhook ids)}}`` of the subscriptions that capture events; cleared
        (in every worker) by any change to a subscription or an API key. Empty while the addon
        is being installed (its tables are created after its models)."""
        if not sql.table_exists(self.env.cr, self._table):
            return {}
        self.flush_model()  # a subscription just created has its stored related model pending
        self.env["rest.api.key"].flush_model(["active"])
        rows = self.env.execute_query(
            SQL(
                """SELECT w.id, w.model, w.event_created, w.event_updated, w.event_deleted
                     FROM rest_api_webhook w JOIN rest_api_key k ON k.id = w.key_id
                    WHERE w.active AND w.state != 'disabled' AND k.active
                    ORDER BY w.id"""
            )
        )
        subscriptions = {}
        for webhook_id, model, *flags in rows:
            events = subscriptions.setdefault(model, {})
            for event, flag in zip(webhook_provisioning.EVENTS, flags, strict=True):
                if flag:
                    events[event] = (*events.get(event, ()), webhook_id)
        return subscriptions

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("url")
    def _check_url(self):
        allow_private = settings.webhook_allow_private(self.env)
        for webhook in self:
            try:
                webhook_delivery.check_target(webhook.url, allow_private)
            except webhook_delivery.RefusedTarget as error:
                raise ValidationError(_("Webhook %(name)s: %(error)s.", name=webhook.name, error=error)) from None

    @api.constrains("model_id", "key_id", "domain", "field_names")
    def _check_subscription(self):
        for webhook in self:
            model_name = webhook.model
            model = self.env.get(model_name)
            if model is None or model._transient or model._abstract or model_denied(model_name):
                raise ValidationError(_("Model %s cannot be subscribed to.", model_name))
            scope = webhook.key_id.sudo()._rest_api_scope()
            if not scope.allows(model_name, "read"):
                raise ValidationError(
                    _("API key %(key)s may not read %(model)s.", key=webhook.key_id.name, model=model_name)
                )
            unknown = [name for name in webhook._field_list() if name not in model._fields]
            if unknown:
                raise ValidationError(_("Unknown field(s) of %(model)s: %(names)s", model=model_name, names=unknown))
            domain = webhook._domain_list()
            try:
                # as GET /api/<model>?domain= checks it: its size, and what display-name searches read
                check_domain_size(domain, settings.domain_limits(self.env))
                check_reach(scope, records_domain_reach(domain, model), "filtering on")
                model.sudo()._search(domain)
            except PermissionDenied as error:
                raise ValidationError(str(error)) from None
            except (ValueError, KeyError, TypeError, AssertionError) as error:
                raise ValidationError(
                    _("Invalid domain %(domain)s: %(error)s", domain=webhook.domain, error=error)
                ) from None

    def _domain_list(self):
        try:
            domain = ast.literal_eval(self.domain or "[]")
        except (ValueError, SyntaxError):
            raise ValidationError(_("The domain must be a list of conditions, not %s.", self.domain)) from None
        if not isinstance(domain, list | tuple):
            raise ValidationError(_("The domain must be a list of conditions, not %s.", self.domain))
        return list(domain)

    def _visible_ids(self, ids):
        """The records among ``ids`` (about to be deleted) that the key may read and the domain matches."""
        self.ensure_one()
        key = self.key_id
        user = key.user_id
        if not key._rest_api_scope().allows(self.model, "read") or user._is_superuser():
            return []
        records = self.env(user=user.id, su=False, context={"active_test": False})[self.model]
        if not records.has_access("read"):
            return []
        self.env.flush_all()  # the caller's pending changes fail, if they do, outside the savepoint
        try:
            with self.env.cr.savepoint(flush=False):
                return records.search([("id", "in", list(ids)), *self._domain_list()]).ids
        except Exception:  # a domain broken since (a field removed): the deletion goes on, unannounced
            _logger.warning("Webhook %s (id %s): its domain cannot be evaluated", self.name, self.id, exc_info=True)
            return []

    def _field_list(self):
        return webhook_provisioning.parse_field_names(self.field_names)

    # ------------------------------------------------------------------
    # CRUD: the owner of a key is who a webhook acts as
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        keys = self.env["rest.api.key"].browse({vals["key_id"] for vals in vals_list if vals.get("key_id")})
        keys._check_may_manage_keys()
        webhooks = super().create(vals_list)
        for webhook in webhooks:
            webhook.sudo().secret = webhook_delivery.new_secret()
        self.env.registry.clear_cache()
        return webhooks

    def write(self, vals):
        self.key_id._check_may_manage_keys()
        if vals.get("key_id"):
            self.key_id.browse(vals["key_id"])._check_may_manage_keys()
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        self.key_id._check_may_manage_keys()
        self.env["rest.api.webhook.event"].sudo()._drop_events(self.ids)
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    def _compute_counts(self):
        counts = dict(
            self.env["rest.api.webhook.event"]
            .sudo()
            ._read_group([("webhook_id", "in", self.ids), ("state", "=", "pending")], ["webhook_id"], ["__count"])
        )
        for webhook in self:
            webhook.pending_count = counts.get(webhook, 0)

    # ------------------------------------------------------------------
    # Provisioning API (plain data in and out; XML-RPC / JSON-RPC / code)
    # ------------------------------------------------------------------

    @api.model
    def generate_webhook(self, vals):
        """Create a subscription and return ``{"id", "secret"}``; the secret is returned only here.

        ``vals``: ``name``, ``key_id``, ``url``, ``model``, ``events`` (default all three),
        ``domain`` and ``fields`` (optional), as in docs/webhooks.md.
        """
        self.check_access("create")
        values = webhook_provisioning.webhook_values(vals)
        model_id = self.env["ir.model"].sudo()._get_id(values.pop("model_name"))
        if not model_id:
            raise ValidationError(_("Unknown model %s.", vals.get("model")))
        key = self.env["rest.api.key"].browse(values["key_id"]).exists()
        if not key:
            raise ValidationError(_("There is no API key with id %s.", values["key_id"]))
        webhook = self.create({**values, "model_id": model_id})
        return {"id": webhook.id, "secret": webhook._reveal_secret()}

    def _reveal_secret(self):
        """The secret, once: after that only a rotation shows one. Shown to whoever may manage the
        key's owner, as a rotation is (a secret signs deliveries in that user's name)."""
        self.ensure_one()
        self.check_access("write")
        self.key_id._check_may_manage_keys()
        webhook = self.sudo()
        if webhook.secret_shown:
            raise ValidationError(_("The secret of webhook %s was shown already; rotate it for a new one.", self.name))
        webhook.secret_shown = True
        return webhook.secret

    def _valid_secrets(self):
        """The secrets that sign a delivery: the current one, and the previous one during its overlap."""
        self.ensure_one()
        webhook = self.sudo()
        valid = [webhook.secret]
        if (
            webhook.previous_secret
            and webhook.previous_secret_until
            and webhook.previous_secret_until > fields.Datetime.now()
        ):
            valid.append(webhook.previous_secret)
        return valid

    # ------------------------------------------------------------------
    # UI actions
    # ------------------------------------------------------------------

    def _secret_dialog(self, secret):
        wizard = self.env["rest.api.webhook.secret"].sudo().create({"webhook_id": self.id, "secret": secret})
        return {
            "type": "ir.actions.act_window",
            "name": _("Webhook Secret"),
            "res_model": "rest.api.webhook.secret",
            "res_id": wizard.id,
            "views": [(False, "form")],
            "target": "new",
        }

    def action_show_secret(self):
        return self._secret_dialog(self._reveal_secret())

    def action_rotate_secret(self):
        """A new secret; the previous one keeps signing beside it for ``SECRET_OVERLAP``."""
        self.ensure_one()
        self.check_access("write")
        self.key_id._check_may_manage_keys()
        webhook = self.sudo()
        webhook.write(
            {
                "previous_secret": webhook.secret,
                "previous_secret_until": fields.Datetime.now() + SECRET_OVERLAP,
                "secret": webhook_delivery.new_secret(),
                "secret_shown": False,
            }
        )
        return self._secret_dialog(self._reveal_secret())

    def action_enable(self):
        """Deliver again after a disabling: the subscription is healthy until it fails again."""
        self.write({"state": "healthy", "failure_count": 0, "last_error": False, "active": True})
        self.env["rest.api.webhook.event"]._trigger_sender()

    def action_send_test(self):
        """Queue a ``<model>.test`` event (data: ``{"id": 0}``) and trigger the sender."""
        self.check_access("write")
        for webhook in self:
            self.env["rest.api.webhook.event"].sudo().create({"webhook_id": webhook.id, "event": "test", "res_id": 0})
        self.env["rest.api.webhook.event"]._trigger_sender()

    # ------------------------------------------------------------------
    # Delivery outcomes (called by the sender)
    # ------------------------------------------------------------------

    def _record_success(self):
        recovered = self.filtered(lambda webhook: webhook.state != "healthy" or webhook.failure_count)
        if recovered:
            recovered.sudo().write({"state": "healthy", "failure_count": 0, "last_error": False})

    def _record_gone(self):
        self.sudo().write({"state": "disabled", "last_error": _("The receiver answered 410 Gone.")})
        for webhook in self:
            webhook._notify_owner(_("The receiver of webhook %s answered 410 Gone: it is disabled.", webhook.name))

    def _record_failure(self, error):
        """An event failed after its last attempt: failing, and disabled after ``FAILURE_THRESHOLD`` in a row."""
        for webhook in self.sudo():
            count = webhook.failure_count + 1
            state = "disabled" if count >= FAILURE_THRESHOLD else "failing"
            webhook.write({"failure_count": count, "state": state, "last_error": error})
            if state == "disabled":
                webhook._notify_owner(
                    _(
                        "Webhook %(name)s is disabled: %(count)s events in a row could not be delivered (%(error)s).",
                        name=webhook.name,
                        count=count,
                        error=error,
                    )
                )

    def _notify_owner(self, message):
        """Tell the key's user (an Odoo notification when Discuss is installed; the server log always)."""
        _logger.warning("REST API webhook %s (id %s): %s", self.name, self.id, message)
        partner = self.key_id.user_id.partner_id.sudo()
        if hasattr(partner, "message_notify"):
            partner.message_notify(partner_ids=partner.ids, subject=_("REST API webhook disabled"), body=message)


class RestApiWebhookSecret(models.TransientModel):
    """The dialog that shows a webhook secret once."""

    _name = "rest.api.webhook.secret"
    _description = "REST API Webhook Secret"

    webhook_id = fields.Many2one("rest.api.webhook", required=True, ondelete="cascade")
    secret = fields.Char(readonly=True)
