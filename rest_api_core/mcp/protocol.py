"""The JSON-RPC 2.0 layer of the Model Context Protocol, stateless (pure functions).

Streamable HTTP transport: each POST to ``/api/mcp`` carries one JSON-RPC message. A request
is answered with one JSON object (``Content-Type: application/json``, never an event stream:
the server sends nothing of its own), a notification or a response with 202 and no body.
No session: the server keeps nothing between POSTs (no ``Mcp-Session-Id``), so any worker
of any host serves any message. Batches (JSON arrays, only the 2025-03-26 revision had them)
are refused.
"""

from dataclasses import dataclass, field

from ..serialization import loads

# the revisions the official MCP Python SDK reaches through the initialize handshake
SUPPORTED_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
LATEST_VERSION = SUPPORTED_VERSIONS[-1]
VERSION_HEADER = "MCP-Protocol-Version"
SERVER_NAME = "odoo-rest-api"
INSTRUCTIONS = (
    "Odoo's records through this API key: find them with search_records or count_records, read one with "
    "read_record, learn a model's fields and value forms with describe_model or from its JSON Schema (the "
    "resource odoo://model/{model}/schema). The key's scope, the user's "
    "access rights and record rules apply; a refusal is a tool error with the problem details "
    "(status, detail, invalid_params)."
)

# tools and resources (the model schemas), fixed: no list-changed notifications, no subscriptions
CAPABILITIES = {"tools": {"listChanged": False}, "resources": {"subscribe": False, "listChanged": False}}

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
UNSUPPORTED_PROTOCOL_VERSION = -32022
# "Resource not found" in the resources chapter of every revision above (SEP-2164 makes it
# -32602 from 2026-07-28 on, a revision this server does not negotiate)
RESOURCE_NOT_FOUND = -32002


class ProtocolError(Exception):
    """A JSON-RPC error answered with HTTP ``status`` (200 once the message is a valid request)."""

    def __init__(self, code, message, *, data=None, status=200, message_id=None):
        super().__init__(message)
        self.code, self.message, self.data, self.status, self.message_id = code, message, data, status, message_id

    def response(self):
        return error_response(self.message_id, self.code, self.message, self.data)


@dataclass(frozen=True)
class Message:
    id: object  # str or int; None for a notification or a response
    method: str | None  # None for a response (the client answering: the server never asks)
    params: dict = field(default_factory=dict)

    @property
    def is_request(self):
        return self.method is not None and self.id is not None


def parse_message(raw):
    """The :class:`Message` in the POST body ``raw`` (bytes); ``ProtocolError`` (HTTP 400) otherwise."""
    try:
        value = loads(raw)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(PARSE_ERROR, f"Parse error: the body is not JSON ({error}).", status=400) from None
    if isinstance(value, list):
        raise ProtocolError(
            INVALID_REQUEST, "Batches are not supported: send one JSON-RPC message per POST.", status=400
        )
    if not isinstance(value, dict) or value.get("jsonrpc") != "2.0":
        raise ProtocolError(
            INVALID_REQUEST, 'Invalid Request: send a JSON-RPC 2.0 object ("jsonrpc": "2.0").', status=400
        )
    message_id = value.get("id")
    valid_id = isinstance(message_id, str) or (isinstance(message_id, int) and not isinstance(message_id, bool))
    if message_id is not None and not valid_id:
        raise ProtocolError(INVALID_REQUEST, "Invalid Request: id must be a string or an integer.", status=400)
    method = value.get("method")
    if method is None:
        if "result" in value or "error" in value:
            return Message(message_id, None)
        raise ProtocolError(INVALID_REQUEST, "Invalid Request: no method.", status=400, message_id=message_id)
    params = value.get("params", {})
    if not isinstance(method, str) or not isinstance(params, dict):
        raise ProtocolError(
            INVALID_REQUEST, "Invalid Request: method must be a string, params an object.", status=400,
            message_id=message_id,
        )  # fmt: skip
    return Message(message_id, method, params)


def check_version_header(value, message):
    """400 for a ``MCP-Protocol-Version`` header naming a revision this server does not speak (an
    ``initialize`` negotiates its own); the client learns the revisions it may use."""
    if value is None or value in SUPPORTED_VERSIONS or message.method == "initialize":
        return
    raise ProtocolError(
        UNSUPPORTED_PROTOCOL_VERSION,
        f"Unsupported protocol version {value!r}: this server speaks {', '.join(SUPPORTED_VERSIONS)}.",
        data={"supported": list(SUPPORTED_VERSIONS), "requested": value},
        status=400,
        message_id=message.id,
    )


def initialize_result(params, server_version):
    """The answer to ``initialize``: the client's revision when this server speaks it, else the latest."""
    requested = params.get("protocolVersion")
    return {
        "protocolVersion": requested if requested in SUPPORTED_VERSIONS else LATEST_VERSION,
        "capabilities": CAPABILITIES,
        "serverInfo": {"name": SERVER_NAME, "title": "Odoo REST API", "version": server_version},
        "instructions": INSTRUCTIONS,
    }


def result_response(message_id, result):
    return {"jsonrpc": "2.0", "id": message_id, "result": result}


def error_response(message_id, code, message, data=None):
    error = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": message_id, "error": error}


def tool_result(structured, text, is_error=False):
    """A ``tools/call`` result: ``structured`` (an object) and its JSON ``text`` for clients that
    read only the content; ``is_error`` for a refusal (the problem details)."""
    return {"content": [{"type": "text", "text": text}], "structuredContent": structured, "isError": is_error}
