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
LOG_MODE_PARAM = "rest_api.request_log_mode"
LOG_SAMPLE_PARAM = "rest_api.request_log_sample_percent"
LOG_RETENTION_PARAM = "rest_api.request_log_retention_days"
METRICS_LOOPBACK_PARAM = "rest_api.metrics_loopback"

DEFAULT_LIMIT = 80
MAX_LIMIT = 1000
LOG_MODE_OFF, LOG_MODE_ERRORS, LOG_MODE_ALL = "off", "errors", "all"
LOG_MODES = (
    (LOG_MODE_OFF, "Off"),
    (LOG_MODE_ERRORS, "Errors only"),
    (LOG_MODE_ALL, "All requests"),
)
LOG_MODE = LOG_MODE_ERRORS
LOG_SAMPLE_PERCENT = 100
LOG_RETENTION_DAYS = 30


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


def request_log_mode(env):
    """``(mode, sample percent)`` of the request log: which requests it keeps."""
    mode = env["ir.config_parameter"].sudo().get_param(LOG_MODE_PARAM) or LOG_MODE
    if mode not in dict(LOG_MODES):
        _logger.warning("Ignoring invalid %s=%r, using %s", LOG_MODE_PARAM, mode, LOG_MODE)
        mode = LOG_MODE
    if mode != LOG_MODE_ALL:
        return mode, LOG_SAMPLE_PERCENT
    return mode, min(100, _positive_int(env, LOG_SAMPLE_PARAM, LOG_SAMPLE_PERCENT))


def request_log_retention_days(env):
    return _positive_int(env, LOG_RETENTION_PARAM, LOG_RETENTION_DAYS)


def metrics_loopback(env):
    """Whether ``/api/metrics`` answers loopback clients without a key."""
    return (env["ir.config_parameter"].sudo().get_param(METRICS_LOOPBACK_PARAM) or "").lower() in ("1", "true")
