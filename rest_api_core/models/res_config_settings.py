from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..settings import (
    CORS_ORIGINS_PARAM,
    DEFAULT_LIMIT,
    DEFAULT_LIMIT_PARAM,
    MAX_LIMIT,
    MAX_LIMIT_PARAM,
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

    @api.constrains("rest_api_default_limit", "rest_api_max_limit")
    def _check_rest_api_limits(self):
        for config in self:
            if not 1 <= config.rest_api_default_limit <= config.rest_api_max_limit:
                raise ValidationError(_("The REST API page sizes must satisfy 1 <= default <= maximum."))
