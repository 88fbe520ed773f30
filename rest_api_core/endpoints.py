"""The endpoints of the API, declared once: what the server and the OpenAPI document
(``rest_api_docs``) share.

:data:`ENDPOINTS` gives each endpoint's path, HTTP method, the key-scope operation it needs,
its success status and message, and the error statuses it answers; the document's paths,
error responses and operation-to-scope table are derived from it. Request bodies are JSON
Schemas here: the server validates them, the document publishes them.
"""

from dataclasses import dataclass

from jsonschema import Draft202012Validator

from .method_call import CONTEXT_ALLOW_LIST
from .query import InvalidInput

METHOD_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
# the success messages of the writing endpoints (their bodies' "message")
CREATED_MESSAGE = "Record created successfully."
UPDATED_MESSAGE = "Record updated successfully."
DELETED_MESSAGE = "Record deleted successfully."
ISSUED_MESSAGE = "JWT Token generated successfully."
FILE_STORED_MESSAGE = "File stored successfully."
ATTACHED_MESSAGE = "Attachments created successfully."


READ_ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 415, 422, 429)
UPLOAD_ERRORS = (400, 401, 403, 404, 415, 422, 429)  # 413 is among every operation's "default"


@dataclass(frozen=True)
class Endpoint:
    action: str  # the document's x-odoo-action (operationId: "<model>.<action>")
    method: str  # HTTP method
    path: str  # "{model}" and "{id}" are path parameters
    operation: str  # the key-scope operation it needs ("token": issuing login tokens)
    status: int = 200
    message: str = None  # the success body's "message"
    errors: tuple = READ_ERRORS  # the error statuses it documents (besides "default")


# in the order of a record's life (the Postman collection runs them so): create it, find it,
# read it, update it, call a method, delete it
ENDPOINTS = (
    Endpoint("create", "POST", "/api/{model}/create", "create", 201, CREATED_MESSAGE, WRITE_ERRORS),
    Endpoint("search", "GET", "/api/{model}/search", "read"),
    Endpoint("record_count", "GET", "/api/{model}/record_count", "read"),
    Endpoint("schema", "GET", "/api/{model}/schema", "read"),
    Endpoint("read", "GET", "/api/{model}/{id}", "read"),
    Endpoint("update", "PUT", "/api/{model}/{id}", "write", message=UPDATED_MESSAGE, errors=WRITE_ERRORS),
    Endpoint("patch", "PATCH", "/api/{model}/{id}", "write", message=UPDATED_MESSAGE, errors=WRITE_ERRORS),
    Endpoint("execute_kw", "POST", "/api/{model}/execute_kw", "execute", errors=WRITE_ERRORS),
    Endpoint(
        "delete",
        "DELETE",
        "/api/{model}/{id}",
        "unlink",
        message=DELETED_MESSAGE,
        errors=(400, 401, 403, 404, 422, 429),
    ),
    # files and reports (controllers.files, controllers.reports): raw bytes, not JSON
    Endpoint("download", "GET", "/api/{model}/{id}/{field}", "read"),
    Endpoint("upload", "PUT", "/api/{model}/{id}/{field}", "write", message=FILE_STORED_MESSAGE, errors=UPLOAD_ERRORS),
    Endpoint("attachments", "GET", "/api/{model}/{id}/attachments", "read"),
    Endpoint("attach", "POST", "/api/{model}/{id}/attachments", "write", 201, ATTACHED_MESSAGE, UPLOAD_ERRORS),
    Endpoint("reports", "GET", "/api/{model}/reports", "read"),
    Endpoint("report", "GET", "/api/{model}/{id}/report/{report}", "read"),
    Endpoint(
        "generate_token",
        "POST",
        "/api/generate_token",
        "token",
        message=ISSUED_MESSAGE,
        errors=(400, 401, 403, 404, 415, 429),
    ),
)
BY_ACTION = {endpoint.action: endpoint for endpoint in ENDPOINTS}
# the operations a key's scope grants on a model
MODEL_OPERATIONS = tuple(dict.fromkeys(e.operation for e in ENDPOINTS if e.path.startswith("/api/{model}")))


def execute_kw_body_schema(methods=()):
    """The body of ``POST /api/<model>/execute_kw``; ``methods``: the key's allow-list, if any."""
    method = {"type": "string", "pattern": METHOD_PATTERN, "description": "A public method name."}
    if methods:
        method = {"type": "string", "enum": list(methods), "description": "A method this API key may call."}
    context_keys = ", ".join(f"`{key}`" for key in CONTEXT_ALLOW_LIST)
    return {
        "type": "object",
        "required": ["method"],
        "properties": {
            "method": method,
            "args": {
                "type": "array",
                "items": {},
                "description": "Positional arguments (record ids first for record methods).",
            },
            "kwargs": {
                "type": "object",
                "description": f"Keyword arguments. `context` may set {context_keys}; other context keys are ignored.",
            },
        },
        "additionalProperties": False,
    }


def check_body(schema, body):
    """``InvalidInput`` naming each member of ``body`` that ``schema`` refuses (``body``: the whole body)."""
    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=lambda error: list(error.path))
    problems = []
    for error in errors:
        if error.validator == "additionalProperties":
            known = set(error.schema.get("properties", ()))
            problems += [(name, "is not a member of this body") for name in error.instance if name not in known]
        elif error.validator == "required":
            problems += [(name, "is required") for name in error.validator_value if name not in error.instance]
        else:
            name = ".".join(str(part) for part in error.path) or "body"
            problems.append((name, error.message))
    if problems:
        raise InvalidInput(*problems)
