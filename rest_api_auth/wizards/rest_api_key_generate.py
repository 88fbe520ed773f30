from odoo import _, api, fields, models

from odoo.addons.base.models.res_users import check_identity

from .. import provisioning
from ..settings import DEFAULT_RATE_BURST, DEFAULT_RATE_LIMIT, DEFAULT_RATE_PERIOD, get_setting


class RestApiKeyGenerate(models.TransientModel):
    """The "New API Key" dialog: the policy's essentials, then the secret shown once."""

    _name = "rest.api.key.generate"
    _description = "Generate a REST API Key"

    name = fields.Char(required=True)
    user_id = fields.Many2one(
        "res.users", required=True, default=lambda self: self.env.user, domain=[("active", "=", True)]
    )
    expiration_date = fields.Datetime(help="Empty: the key never expires.")
    scope_mode = fields.Selection(
        [("all", "All models"), ("specific", "Specific models")],
        string="Scope",
        required=True,
        default="all",
        help="Specific models: the key can do nothing until model access lines are added on the key.",
    )
    rate_limit = fields.Integer(default=lambda self: get_setting(self.env, DEFAULT_RATE_LIMIT))
    rate_period = fields.Integer(
        string="Rate Period (s)", default=lambda self: get_setting(self.env, DEFAULT_RATE_PERIOD)
    )
    rate_burst = fields.Integer(default=lambda self: get_setting(self.env, DEFAULT_RATE_BURST))
    allowed_ips = fields.Char(string="Allowed IPs")
    require_login_token = fields.Boolean()
    allow_token_generation = fields.Boolean()

    @api.onchange("rate_limit")
    def _onchange_rate_limit(self):
        """Lowering the limit below the burst lowers the burst with it."""
        if self.rate_limit > 0 and self.rate_burst > self.rate_limit:
            self.rate_burst = self.rate_limit

    @check_identity
    def action_generate(self):
        """Create the key (after Odoo's password check, as for its own keys) and show the secret once."""
        return self._generate_and_show()

    def _generate_and_show(self):
        self.ensure_one()
        keys = self.env["rest.api.key"]
        values = {
            "name": self.name,
            "user_id": self.user_id.id,
            "scope_mode": self.scope_mode,
            "rate_limit": self.rate_limit,
            "rate_period": self.rate_period,
            "rate_burst": self.rate_burst,
            "allowed_ips": self.allowed_ips,
            "require_login_token": self.require_login_token,
            "allow_token_generation": self.allow_token_generation,
        }
        expiration = provisioning.expiration(self.expiration_date, fields.Datetime.now())
        _key, secret = keys._create_with_native_key(values, expiration)
        self.unlink()
        return {
            "type": "ir.actions.act_window",
            "name": _("REST API Key Ready"),
            "res_model": "rest.api.key.show",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_key": secret},
        }


class RestApiKeyShow(models.AbstractModel):
    """Shows a new secret once; abstract, so it is never written to the database."""

    _name = "rest.api.key.show"
    _description = "Show a New REST API Key"

    id = fields.Id()  # the form's onchange needs it to return the default values
    key = fields.Char(readonly=True)
