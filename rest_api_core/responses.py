"""JSON and problem+json responses for the ``/api`` routes."""

import json

from odoo.http import request

PROBLEM_CONTENT_TYPE = "application/problem+json"


def json_response(data, status=200, headers=None):
    return request.make_json_response(data, headers=headers, status=status)


def problem_response(error, headers=None):
    """Render a :class:`~odoo.addons.rest_api_auth.exceptions.RestApiError` per RFC 9457."""
    body = json.dumps(error.to_problem(instance=request.httprequest.path), ensure_ascii=False)
    response_headers = {"Content-Type": PROBLEM_CONTENT_TYPE, **(headers or {}), **error.headers}
    return request.make_response(body, headers=list(response_headers.items()), status=error.status)
