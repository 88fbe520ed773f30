"""``POST /api/mcp``: the Model Context Protocol server (Streamable HTTP transport, stateless).

Authenticated like every endpoint, before the body is read: a missing or wrong key is a 401
problem, which MCP clients take as "authorization needed". Each POST is charged to the key's
rate like any request; over it, a ``tools/call`` gets a tool error with the 429 problem (the
agent reads it, and ``Retry-After``), any other request a JSON-RPC error with status 429.
A refused tool call (scope, access rights, record rules, bad arguments, Odoo's business rules)
is rolled back and answered as a tool error with the problem details its REST endpoint answers.
"""

import json

from odoo import http
from odoo.http import request
from odoo.modules.module import get_manifest

from odoo.addons.rest_api_auth.exceptions import Throttled, TooManyFailedAuthentications

from ..dispatch import LET_ODOO_RETRY, _rollback, authenticate_request, to_rest_error
from ..errors import UnsupportedMediaType
from ..mcp import protocol, resources, tools
from ..responses import JSON_CONTENT_TYPE
from ..routes import api_route
from .api import read_body

SERVER_ERROR = -32000  # JSON-RPC's range for implementation-defined server errors
RESOURCE_METHODS = {
    "resources/list": resources.list_resources,
    "resources/templates/list": resources.list_templates,
    "resources/read": resources.read_resource,
}


class RestApiMcp(http.Controller):
    @api_route("mcp")
    def mcp(self, **_params):
        try:
            auth = authenticate_request()
        except TooManyFailedAuthentications:
            raise  # no valid key yet: nothing of the body is read
        except Throttled as error:
            return _throttled(error)
        try:
            message = _message()
        except protocol.ProtocolError as error:
            return _json(error.response(), error.status)
        if not message.is_request:
            return _accepted()
        try:
            result = _answer(auth, message)
        except protocol.ProtocolError as error:
            error.message_id = message.id
            return _json(error.response(), error.status)
        return _json(protocol.result_response(message.id, result))


def _message():
    """The JSON-RPC message of the body (413 beyond the body limit, 415 when not JSON)."""
    raw = read_body()
    mimetype = request.httprequest.mimetype
    if mimetype and mimetype != "application/json":
        raise UnsupportedMediaType(f"Send the JSON-RPC message as application/json, not {mimetype}.")
    message = protocol.parse_message(raw)
    protocol.check_version_header(request.httprequest.headers.get(protocol.VERSION_HEADER), message)
    return message


def _answer(auth, message):
    method, params = message.method, message.params
    if method == "initialize":
        return protocol.initialize_result(params, get_manifest("rest_api_core")["version"])
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": tools.list_tools(auth)}
    if method == "tools/call":
        return _call_tool(auth, params)
    if method in RESOURCE_METHODS:
        return RESOURCE_METHODS[method](auth, params)
    raise protocol.ProtocolError(protocol.METHOD_NOT_FOUND, f"Method not found: {method}.")


def _call_tool(auth, params):
    try:
        structured, text = tools.call_tool(auth, params)
    except (protocol.ProtocolError, *LET_ODOO_RETRY):
        raise
    except Exception as exc:
        _rollback()
        problem = to_rest_error(exc).to_problem(instance=request.httprequest.path)
        return protocol.tool_result(problem, json.dumps(problem, ensure_ascii=False), is_error=True)
    return protocol.tool_result(structured, text)


def _throttled(error):
    """The key is over its rate (the key itself is valid, so its body may be read): a tool call
    gets a tool error, another request a JSON-RPC error with status 429; both with the 429's headers."""
    try:
        message = _message()
    except Exception:  # not a message: the plain 429 problem
        raise error from None
    if not message.is_request:
        raise error
    problem = error.to_problem(instance=request.httprequest.path)
    if message.method == "tools/call":
        result = protocol.tool_result(problem, json.dumps(problem, ensure_ascii=False), is_error=True)
        return _json(protocol.result_response(message.id, result), headers=error.headers)
    body = protocol.error_response(message.id, SERVER_ERROR, error.detail, problem)
    return _json(body, error.status, headers=error.headers)


def _json(body, status=200, headers=None):
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    response_headers = {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})}
    return request.make_response(content, headers=list(response_headers.items()), status=status)


def _accepted():
    response = request.make_response(b"", status=202)
    response.headers.pop("Content-Type", None)
    return response
