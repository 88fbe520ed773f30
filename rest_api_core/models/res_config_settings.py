from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..settings import (
    CORS_ORIGINS_PARAM,
    DEFAULT_LIMIT,
    DEFAULT_LIMIT_PARAM,
    IDEMPOTENCY_TTL_HOURS,
    IDEMPOTENCY_TTL_PARAM,
    LOG_BODIES_PARAM,
    LOG_MODE,
    LOG_MODE_PARAM,
    LOG_MODES,
    LOG_RETENTION_DAYS,
    LOG_RETENTION_PARAM,
    LOG_SAMPLE_PARAM,
    LOG_SAMPLE_PERCENT,
    MAX_BATCH,
    MAX_BATCH_PARAM,
    MAX_LIMIT,
    MAX_LIMIT_PARAM,
    TOMBSTONE_DAYS,
    TOMBSTONE_DAYS_PARAM,
    TRACKED_MODELS_PARAM,
    WEBHOOK_ALLOW_PRIVATE_PARAM,
    WEBHOOK_RETENTION_DAYS,
    WEBHOOK_RETENTION_PARAM,
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
    rest_api_max_batch = fields.Integer(
        string="Largest bulk request",
        config_parameter=MAX_BATCH_PARAM,
        default=MAX_BATCH,
        help="The most elements of an array create, ids of a multi-record update or delete, and operations "
        "of a batch; larger requests are refused with 413 (400 for a delete's ids).",
    )
    rest_api_idempotency_ttl = fields.Integer(
        string="Replay idempotent answers (hours)",
        config_parameter=IDEMPOTENCY_TTL_PARAM,
        default=IDEMPOTENCY_TTL_HOURS,
        help="How long the answer to a request with an Idempotency-Key header is replayed to a retry with "
        "the same key; older ones are deleted every hour.",
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
    rest_api_webhook_allow_private = fields.Boolean(
        string="Webhooks to private addresses",
        config_parameter=WEBHOOK_ALLOW_PRIVATE_PARAM,
        help="Let webhook URLs resolve to loopback, private, link-local or reserved addresses (a receiver on "
        "this host or network). Off: such targets are refused, so that webhooks cannot probe the internal network.",
    )
    rest_api_webhook_retention_days = fields.Integer(
        string="Keep webhook events (days)",
        config_parameter=WEBHOOK_RETENTION_PARAM,
        default=WEBHOOK_RETENTION_DAYS,
        help="Delivered, failed and skipped webhook events (and their attempts) older than this are deleted every day.",
    )

    @api.constrains("rest_api_max_batch", "rest_api_idempotency_ttl", "rest_api_webhook_retention_days")
    def _check_rest_api_positive(self):
        for config in self:
            if config.rest_api_max_batch < 1:
                raise ValidationError(_("A bulk request must be allowed at least one element."))
            if config.rest_api_idempotency_ttl < 1:
                raise ValidationError(_("Idempotent answers must be replayed for at least one hour."))
            if config.rest_api_webhook_retention_days < 1:
                raise ValidationError(_("Webhook events must be kept at least one day."))

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
