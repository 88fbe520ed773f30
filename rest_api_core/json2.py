"""The error object of Odoo 19's JSON-2 API (``POST /json/2/<model>/<method>``), without its traceback.

Odoo 19 answers an error with the status of the exception and ``{"name": the exception's
qualified class name, "message", "arguments", "context", "debug": the traceback}``. Here the
status and message are the REST API's (:func:`~.dispatch.to_rest_error`), made Odoo 19's where
they differ (a unique-constraint violation is its ``ValidationError``, 422); the name is the
Odoo exception's when Odoo raised one, else the werkzeug exception Odoo 19 raises for that
status; ``debug`` is never sent.
"""

import json

import psycopg2

from odoo.exceptions import UserError

from .responses import JSON_CONTENT_TYPE

PATH_PREFIX = "/json/2/"
# status -> the exception Odoo 19 names for it when no Odoo exception is at hand
STATUS_NAMES = {
    400: "werkzeug.exceptions.BadRequest",
    401: "werkzeug.exceptions.Unauthorized",
    403: "odoo.exceptions.AccessError",
    404: "werkzeug.exceptions.NotFound",
    405: "werkzeug.exceptions.MethodNotAllowed",
    409: "werkzeug.exceptions.Conflict",
    413: "werkzeug.exceptions.RequestEntityTooLarge",
    415: "werkzeug.exceptions.UnsupportedMediaType",
    422: "werkzeug.exceptions.UnprocessableEntity",
    429: "werkzeug.exceptions.TooManyRequests",
    503: "werkzeug.exceptions.ServiceUnavailable",
}
INTERNAL_ERROR = "werkzeug.exceptions.InternalServerError"
VALIDATION_ERROR = "odoo.exceptions.ValidationError"


def is_json2_path(path):
    return path == PATH_PREFIX.rstrip("/") or path.startswith(PATH_PREFIX)


def error_body(status, message, exc=None):
    """``(status, body)`` of the error ``exc`` (the exception raised, if known) answered with
    ``status`` and ``message`` by the REST API."""
    if isinstance(exc, psycopg2.IntegrityError):
        return 422, {"name": VALIDATION_ERROR, "message": message, "arguments": [message], "context": {}}
    if isinstance(exc, UserError):
        name = f"{type(exc).__module__}.{type(exc).__name__}"
        return status, {"name": name, "message": message, "arguments": [message], "context": {}}
    name = STATUS_NAMES.get(status, INTERNAL_ERROR)
    return status, {"name": name, "message": message, "arguments": [message, status], "context": {}}


def from_problem(response, exc=None):
    """``response``, a problem+json answer, as the JSON-2 error (same status and headers)."""
    if "problem+json" not in (response.content_type or ""):
        return response
    problem = json.loads(response.get_data())
    status, body = error_body(problem["status"], problem["detail"], exc)
    response.set_data(json.dumps(body, ensure_ascii=False))
    response.status_code = status
    response.headers["Content-Type"] = JSON_CONTENT_TYPE
    return response
