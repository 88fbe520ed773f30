from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.base.models.res_users import check_identity

from ..exceptions import RestApiError
from ..tokens import DEFAULT_EXPIRATION_DAYS, MAX_EXPIRATION_DAYS


class RestApiTokenIssue(models.TransientModel):
    """Issue a login token for a user under one of the keys allowed to (from the user's form)."""

    _name = "rest.api.token.issue"
    _description = "Issue a REST API Login Token"

    user_id = fields.Many2one("res.users", required=True, domain=[("active", "=", True)])
    key_id = fields.Many2one(
        "rest.api.key",
        string="API Key",
        required=True,
        domain="[('id', 'in', allowed_key_ids)]",
        help="Active keys allowed to issue tokens for this user: the user's own, and those of system administrators.",
    )
    allowed_key_ids = fields.Many2many("rest.api.key", compute="_compute_allowed_key_ids")
    expiration_days = fields.Integer(
        string="Valid for (days)",
        required=True,
        default=DEFAULT_EXPIRATION_DAYS,
        help=f"From 1 to {MAX_EXPIRATION_DAYS} days.",
    )

    @api.depends("user_id")
    def _compute_allowed_key_ids(self):
        keys = self.env["rest.api.key"].search([("allow_token_generation", "=", True)])
        keys = keys.filtered(lambda key: keys._may_manage_owner(key.sudo().user_id))
        tokens = self.env["rest.api.token"]
        for wizard in self:
            user = wizard.user_id
            allowed = keys.filtered(lambda key, user=user: not tokens._issue_refusal(key, user))
            wizard.allowed_key_ids = allowed if keys._may_manage_owner(user) else keys.browse()

    @check_identity
    def action_issue(self):
        """Issue the token (after Odoo's password check) and show it once."""
        return self._issue_and_show()

    def _issue_and_show(self):
        self.ensure_one()
        key = self.key_id
        key.check_access("write")  # REST API managers only
        # A token acts as its user, under its key: the manager must be allowed to act as both.
        key._check_may_manage_owner(self.user_id)
        key._check_may_manage_keys()
        try:
            token, login_token = self.env["rest.api.token"]._issue_for(key, self.user_id, self.expiration_days)
        except RestApiError as refusal:  # the policy of /api/generate_token, shown as a dialog
            raise UserError(refusal.detail) from None
        self.unlink()
        return {
            "type": "ir.actions.act_window",
            "name": _("Login Token Ready"),
            "res_model": "rest.api.token.show",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_login_token": login_token,
                "default_expires_at": fields.Datetime.to_string(token.expires_at),
            },
        }


class RestApiTokenShow(models.AbstractModel):
    """Shows a new login token once; abstract, so it is never written to the database."""

    _name = "rest.api.token.show"
    _description = "Show a New REST API Login Token"

    id = fields.Id()
    login_token = fields.Char(readonly=True)
    expires_at = fields.Datetime(readonly=True)
