"""The REST API's system parameters, read with safe fallbacks.

``ir.config_parameter`` values are cached by Odoo per worker (and refreshed
through its cache signalling), so reading them on each request is cheap.
"""

import logging

from odoo.addons.rest_api_auth.settings import parse_flag

from .http_headers import parse_origins
from .query import DomainLimits

_logger = logging.getLogger(__name__)

DEFAULT_LIMIT_PARAM = "rest_api.default_limit"
MAX_LIMIT_PARAM = "rest_api.max_limit"
CORS_ORIGINS_PARAM = "rest_api.cors_origins"
MAX_DOMAIN_CONDITIONS_PARAM = "rest_api.max_domain_conditions"
MAX_DOMAIN_DEPTH_PARAM = "rest_api.max_domain_depth"
MAX_BODY_SIZE_PARAM = "rest_api.max_body_size"
ODOO_UPLOAD_LIMIT_PARAM = "web.max_file_upload_size"  # Odoo's own, for every route
LOG_MODE_PARAM = "rest_api.request_log_mode"
LOG_SAMPLE_PARAM = "rest_api.request_log_sample_percent"
LOG_RETENTION_PARAM = "rest_api.request_log_retention_days"
METRICS_LOOPBACK_PARAM = "rest_api.metrics_loopback"
TRACKED_MODELS_PARAM = "rest_api.tracked_models"
TOMBSTONE_DAYS_PARAM = "rest_api.tombstone_days"
LOG_BODIES_PARAM = "rest_api.request_log_error_bodies"
WEBHOOK_ALLOW_PRIVATE_PARAM = "rest_api.webhook_allow_private"
WEBHOOK_RETENTION_PARAM = "rest_api.webhook_retention_days"
IDEMPOTENCY_TTL_PARAM = "rest_api.idempotency_ttl"
MAX_BATCH_PARAM = "rest_api.max_batch"

DEFAULT_LIMIT = 80
MAX_LIMIT = 1000
MAX_DOMAIN_CONDITIONS = 500  # 10,000 exhausted PostgreSQL's parser memory; 500 or-ed ids: 0.18 s
# levels of any/not any sub-domains (the domain itself is level 1): each level multiplied the
# time of a self-referential search (parent_id any ...) by 3 to 6: 5 levels 0.08 s, 8: 1 s, 10: 21 s
MAX_DOMAIN_DEPTH = 5
MAX_BODY_SIZE = 16 * 1024 * 1024  # bytes: a 10 MiB file in base64 with room to spare
MAX_UPLOAD_SIZE = 128 * 1024 * 1024  # Odoo's default web.max_file_upload_size
LOG_MODE_OFF, LOG_MODE_ERRORS, LOG_MODE_ALL = "off", "errors", "all"
LOG_MODES = (
    (LOG_MODE_OFF, "Off"),
    (LOG_MODE_ERRORS, "Errors only"),
    (LOG_MODE_ALL, "All requests"),
)
LOG_MODE = LOG_MODE_ERRORS
LOG_SAMPLE_PERCENT = 100
LOG_RETENTION_DAYS = 30
TOMBSTONE_DAYS = 30
WEBHOOK_RETENTION_DAYS = 30
IDEMPOTENCY_TTL_HOURS = 24
# elements of an array create, ids of a multi-record update or delete, operations of a batch
MAX_BATCH = 1000


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


def domain_limits(env):
    """The :class:`~.query.DomainLimits` of every domain a client sends."""
    return DomainLimits(
        max_conditions=_positive_int(env, MAX_DOMAIN_CONDITIONS_PARAM, MAX_DOMAIN_CONDITIONS),
        max_depth=_positive_int(env, MAX_DOMAIN_DEPTH_PARAM, MAX_DOMAIN_DEPTH),
    )


def max_body_size(env):
    """The largest request body (bytes) the API reads; larger ones get 413 unread.

    ``rest_api.max_body_size``, or Odoo's database-wide upload limit when an
    administrator set that lower (``web.max_file_upload_size``, 128 MiB by default).
    """
    limit = _positive_int(env, MAX_BODY_SIZE_PARAM, MAX_BODY_SIZE)
    return min(limit, _positive_int(env, ODOO_UPLOAD_LIMIT_PARAM, limit))


def max_upload_size(env):
    """The largest file (bytes) the raw and multipart upload endpoints take: Odoo's own
    ``web.max_file_upload_size``, as for the web client's uploads (413 above)."""
    return _positive_int(env, ODOO_UPLOAD_LIMIT_PARAM, MAX_UPLOAD_SIZE)


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


def _flag(env, key):
    """An on/off parameter that is off unless set."""
    return parse_flag(env["ir.config_parameter"].sudo().get_param(key), False)


def request_log_error_bodies(env):
    """Whether the request log keeps the first 2 KB of error request bodies (redacted)."""
    return _flag(env, LOG_BODIES_PARAM)


def metrics_loopback(env):
    """Whether ``/api/metrics`` answers loopback clients without a key."""
    return _flag(env, METRICS_LOOPBACK_PARAM)


def tracked_models(env):
    """The models whose deletions are recorded for the change feed (comma-separated names)."""
    value = env["ir.config_parameter"].sudo().get_param(TRACKED_MODELS_PARAM) or ""
    return frozenset(name.strip() for name in value.split(",") if name.strip())


def tombstone_days(env):
    """How long deletions are kept; a change-feed token older than that is answered 410."""
    return _positive_int(env, TOMBSTONE_DAYS_PARAM, TOMBSTONE_DAYS)


def webhook_allow_private(env):
    """Whether webhook targets may resolve to loopback, private or link-local addresses (SSRF guard off)."""
    return _flag(env, WEBHOOK_ALLOW_PRIVATE_PARAM)


def webhook_retention_days(env):
    """How long delivered and failed webhook events (and their attempts) are kept."""
    return _positive_int(env, WEBHOOK_RETENTION_PARAM, WEBHOOK_RETENTION_DAYS)


def idempotency_ttl_hours(env):
    """How long a response stored under an ``Idempotency-Key`` is replayed (hours)."""
    return _positive_int(env, IDEMPOTENCY_TTL_PARAM, IDEMPOTENCY_TTL_HOURS)


def max_batch(env):
    """The most elements a bulk request may carry (array create, ids, batch operations): 413 above."""
    return _positive_int(env, MAX_BATCH_PARAM, MAX_BATCH)
