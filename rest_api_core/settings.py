"""The REST API's system parameters, read with safe fallbacks.

``ir.config_parameter`` values are cached by Odoo per worker (and refreshed
through its cache signalling), so reading them on each request is cheap.
"""

import logging

from .http_headers import parse_origins

_logger = logging.getLogger(__name__)

DEFAULT_LIMIT_PARAM = "rest_api.default_limit"
MAX_LIMIT_PARAM = "rest_api.max_limit"
CORS_ORIGINS_PARAM = "rest_api.cors_origins"

DEFAULT_LIMIT = 80
MAX_LIMIT = 1000


def _positive_int(env, key, fallback):
    value = env["ir.config_parameter"].sudo().get_param(key)
    if not value:
        return fallback
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        _logger.warning("Ignoring invalid %s=%r, using %s", key, value, fallback)
        return fallback
    return number


def page_limits(env):
    """``(default, maximum)`` page size of the search endpoint."""
    maximum = _positive_int(env, MAX_LIMIT_PARAM, MAX_LIMIT)
    return min(_positive_int(env, DEFAULT_LIMIT_PARAM, DEFAULT_LIMIT), maximum), maximum


def cors_origins(env):
    return parse_origins(env["ir.config_parameter"].sudo().get_param(CORS_ORIGINS_PARAM))
