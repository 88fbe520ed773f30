"""JSON and problem+json responses for the ``/api`` routes."""

import json

from odoo.http import request

from .serialization import dumps

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
PROBLEM_CONTENT_TYPE = "application/problem+json"


def json_response(data, status=200, headers=None):
    """``data`` as JSON (dates in ISO 8601, recordsets as id lists; see ``serialization``)."""
    return json_bytes_response(dumps(data), status=status, headers=headers)


def json_bytes_response(body, status=200, headers=None):
    """A response for an already encoded JSON ``body``."""
    response_headers = {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})}
    return request.make_response(body, headers=list(response_headers.items()), status=status)


def problem_response(error, headers=None):
    """Render a :class:`~odoo.addons.rest_api_auth.exceptions.RestApiError` per RFC 9457."""
    body = json.dumps(error.to_problem(instance=request.httprequest.path), ensure_ascii=False)
    response_headers = {"Content-Type": PROBLEM_CONTENT_TYPE, **(headers or {}), **error.headers}
    return request.make_response(body, headers=list(response_headers.items()), status=error.status)
