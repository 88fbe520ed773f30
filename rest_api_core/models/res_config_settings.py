from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..settings import (
    CORS_ORIGINS_PARAM,
    DEFAULT_LIMIT,
    DEFAULT_LIMIT_PARAM,
    LOG_BODIES_PARAM,
    LOG_MODE,
    LOG_MODE_PARAM,
    LOG_MODES,
    LOG_RETENTION_DAYS,
    LOG_RETENTION_PARAM,
    LOG_SAMPLE_PARAM,
    LOG_SAMPLE_PERCENT,
    MAX_LIMIT,
    MAX_LIMIT_PARAM,
    TOMBSTONE_DAYS,
    TOMBSTONE_DAYS_PARAM,
    TRACKED_MODELS_PARAM,
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rest_api_default_limit = fields.Integer(
        string="Default page size",
        config_parameter=DEFAULT_LIMIT_PARAM,
        default=DEFAULT_LIMIT,
        help="Records returned by /api/<model>/search when the request gives no limit.",
    )
    rest_api_max_limit = fields.Integer(
        string="Maximum page size",
        config_parameter=MAX_LIMIT_PARAM,
        default=MAX_LIMIT,
        help="Largest limit a search request may ask for; larger pages are refused with 400.",
    )
    rest_api_cors_origins = fields.Char(
        string="CORS allowed origins",
        config_parameter=CORS_ORIGINS_PARAM,
        help="Comma-separated origins (e.g. https://shop.example.com) whose browser pages may call "
        "the REST API; * allows any origin. Empty: no CORS headers, browsers refuse cross-origin calls.",
    )

    rest_api_request_log_mode = fields.Selection(
        LOG_MODES,
        string="Request log",
        config_parameter=LOG_MODE_PARAM,
        default=LOG_MODE,
        required=True,
        help="Which /api requests are logged: none, the errors (4xx and 5xx, refused requests included), "
        "or all (errors always, the others sampled).",
    )
    rest_api_request_log_sample_percent = fields.Integer(
        string="Sampled successes (%)",
        config_parameter=LOG_SAMPLE_PARAM,
        default=LOG_SAMPLE_PERCENT,
        help='In "All requests" mode, the share of successful requests logged (errors are always logged).',
    )
    rest_api_request_log_retention_days = fields.Integer(
        string="Keep the request log (days)",
        config_parameter=LOG_RETENTION_PARAM,
        default=LOG_RETENTION_DAYS,
        help="Rows older than this are deleted every day.",
    )
    rest_api_request_log_error_bodies = fields.Boolean(
        string="Capture error bodies",
        config_parameter=LOG_BODIES_PARAM,
        help="Keep the first 2 KB of the request body of logged errors, with the value of every member named "
        "like a secret (password, token, secret, key, authorization...) redacted. Off: bodies are never stored.",
    )

    rest_api_tracked_models = fields.Char(
        string="Models with change tracking",
        config_parameter=TRACKED_MODELS_PARAM,
        help="Comma-separated model names (e.g. res.partner, product.template) whose deletions are kept "
        "for /api/<model>/changes. Also switched per model on the model's form (Settings > Technical > Models).",
    )
    rest_api_tombstone_days = fields.Integer(
        string="Keep deletions (days)",
        config_parameter=TOMBSTONE_DAYS_PARAM,
        default=TOMBSTONE_DAYS,
        help="Deletions older than this are dropped every day; a change-feed token older than this gets 410.",
    )

    @api.constrains("rest_api_tombstone_days")
    def _check_rest_api_tombstone_days(self):
        if any(config.rest_api_tombstone_days < 1 for config in self):
            raise ValidationError(_("Deletions must be kept at least one day."))

    @api.constrains("rest_api_request_log_sample_percent", "rest_api_request_log_retention_days")
    def _check_rest_api_request_log(self):
        for config in self:
            if not 1 <= config.rest_api_request_log_sample_percent <= 100:
                raise ValidationError(_("The share of successful requests logged must be between 1 and 100 %."))
            if config.rest_api_request_log_retention_days < 1:
                raise ValidationError(_("The request log must be kept at least one day."))

    @api.constrains("rest_api_default_limit", "rest_api_max_limit")
    def _check_rest_api_limits(self):
        for config in self:
            if not 1 <= config.rest_api_default_limit <= config.rest_api_max_limit:
                raise ValidationError(_("The REST API page sizes must satisfy 1 <= default <= maximum."))
