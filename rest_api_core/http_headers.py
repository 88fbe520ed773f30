"""CORS and request-id headers of the ``/api`` responses (pure functions).

The request headers that belong to one feature are named by its module (credentials,
``multidb``, ``company``, ``conditional``); ``Idempotency-Key``'s two are named here, as
``idempotency`` reads its settings (which read the CORS origins here).
"""

import re
import uuid

from odoo.addons.rest_api_auth.credentials import API_KEY_HEADERS, LOGIN_TOKEN_HEADERS

from . import company, conditional, multidb

REQUEST_ID_HEADER = "X-Request-ID"
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed"

# Credentials, body and routing headers a browser client may send.
CORS_ALLOW_HEADERS = (
    *API_KEY_HEADERS,
    *LOGIN_TOKEN_HEADERS,
    "Authorization",
    "Content-Type",
    multidb.DATABASE_HEADER,
    REQUEST_ID_HEADER,
    "Range",  # file downloads (controllers.files)
    conditional.IF_NONE_MATCH,
    conditional.IF_MATCH,  # conditional writes
    IDEMPOTENCY_KEY_HEADER,  # safe retries (idempotency)
    company.HEADER,  # companies of the request
)
# Response headers a browser client may read.
CORS_EXPOSE_HEADERS = (
    *("RateLimit", "RateLimit-Policy", "Retry-After", "Location", "Link", REQUEST_ID_HEADER),
    *("Content-Disposition", conditional.ETAG, "Content-Range"),  # file downloads: the name, the checksum, a range
    IDEMPOTENT_REPLAYED_HEADER,  # a retry answered with the stored response (idempotency)
)
CORS_MAX_AGE = 86400
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,200}$")


def request_id(received):
    """The client's ``X-Request-ID`` when it is a sane token, else a new one."""
    if received and _REQUEST_ID.match(received):
        return received
    return uuid.uuid4().hex


def parse_origins(setting):
    """The allowed origins of the ``rest_api.cors_origins`` setting (comma-separated)."""
    return frozenset(_normalize_origin(origin) for origin in (setting or "").split(",") if origin.strip())


def _normalize_origin(origin):
    return origin.strip().rstrip("/").lower()


def cors_headers(origin, allowed_origins, preflight_methods=None):
    """CORS headers for a request from ``origin`` (None: no ``Origin`` header).

    ``allowed_origins`` may contain ``*`` (any origin; fine because the API
    authenticates with headers, never with cookies). ``preflight_methods``
    (the methods the path accepts) marks the answer to an ``OPTIONS``
    preflight. Whenever CORS is configured, the answer depends on the
    ``Origin`` header (only allowed origins get ``Access-Control-*``
    headers), so it always carries ``Vary: Origin``: a shared cache must not
    serve one origin's response, or a response without CORS headers, to
    another origin. Without configured origins: {}.
    """
    if not allowed_origins:
        return {}
    headers = {"Vary": "Origin"}
    if not origin:
        return headers
    if "*" in allowed_origins:
        headers["Access-Control-Allow-Origin"] = "*"
    elif _normalize_origin(origin) in allowed_origins:
        headers["Access-Control-Allow-Origin"] = origin
    else:
        return headers
    if preflight_methods is None:
        headers["Access-Control-Expose-Headers"] = ", ".join(CORS_EXPOSE_HEADERS)
    else:
        headers["Access-Control-Allow-Methods"] = ", ".join(preflight_methods)
        headers["Access-Control-Allow-Headers"] = ", ".join(CORS_ALLOW_HEADERS)
        headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    return headers
