from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..settings import (
    DEFAULT_RATE_BURST,
    DEFAULT_RATE_LIMIT,
    DEFAULT_RATE_PERIOD,
    FAILED_AUTH_LIMIT,
    FAILED_AUTH_PERIOD,
    PERSONAL_KEYS_ENABLED,
    THROTTLE_FAIL_OPEN,
    THROTTLE_LEASE,
    format_setting,
    get_setting,
)

# settings field -> ir.config_parameter (see ..settings for why they are read and written here)
SETTING_FIELDS = {
    "rest_api_personal_keys_enabled": PERSONAL_KEYS_ENABLED,
    "rest_api_default_rate_limit": DEFAULT_RATE_LIMIT,
    "rest_api_default_rate_period": DEFAULT_RATE_PERIOD,
    "rest_api_default_rate_burst": DEFAULT_RATE_BURST,
    "rest_api_throttle_fail_open": THROTTLE_FAIL_OPEN,
    "rest_api_throttle_lease": THROTTLE_LEASE,
    "rest_api_failed_auth_limit": FAILED_AUTH_LIMIT,
    "rest_api_failed_auth_period": FAILED_AUTH_PERIOD,
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rest_api_personal_keys_enabled = fields.Boolean(
        string="Accept personal API keys",
        help="Users' own API keys (Preferences > Account Security) work on the REST API too, "
        "with the user's rights and the default rate limit.",
    )
    rest_api_default_rate_limit = fields.Integer(
        string="Default rate limit", help="Requests per period; 0 = unlimited."
    )
    rest_api_default_rate_period = fields.Integer(string="Default rate period (s)")
    rest_api_default_rate_burst = fields.Integer(string="Default burst")
    rest_api_throttle_fail_open = fields.Boolean(
        string="Admit requests when throttling is unavailable",
        help="When the throttle store cannot answer, admit requests (on) or refuse them with 503 (off).",
    )
    rest_api_throttle_lease = fields.Boolean(
        string="Quota leases",
        help="A process serving a busy rate-limited key charges several of its requests in the throttle store "
        "at once and admits them without a round trip for up to a second; the limit stays exact. "
        "Off: one store round trip per rate-limited request.",
    )
    rest_api_failed_auth_limit = fields.Integer(
        string="Failed authentications per client address and key prefix", help="Per period; 0 = unlimited."
    )
    rest_api_failed_auth_period = fields.Integer(string="Failed authentication period (s)")

    @api.model
    def get_values(self):
        values = super().get_values()
        for field_name, parameter in SETTING_FIELDS.items():
            values[field_name] = get_setting(self.env, parameter)
        return values

    def set_values(self):
        problem = self.env["rest.api.key"]._rate_problem(
            self.rest_api_default_rate_limit, self.rest_api_default_rate_period, self.rest_api_default_rate_burst
        )
        if problem:  # the default policy of new keys and of personal keys
            raise ValidationError(problem)
        result = super().set_values()
        parameters = self.env["ir.config_parameter"].sudo()
        for field_name, parameter in SETTING_FIELDS.items():
            value = format_setting(parameter, self[field_name])
            if parameters.get_param(parameter) != value:
                parameters.set_param(parameter, value)
        return result

    def action_rotate_rest_api_token_secret(self):
        self.env["rest.api.token"]._rotate_jwt_secret()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("New login token secret: every login token issued so far is revoked."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
