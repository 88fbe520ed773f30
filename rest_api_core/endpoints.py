"""The endpoints of the API, declared once: what the server and the OpenAPI document
(``rest_api_docs``) share.

:data:`ENDPOINTS` (the data endpoints, one set of paths per model in a key's document) and
:data:`SERVICE_ENDPOINTS` (documentation, health, metrics) give each endpoint's path, HTTP
method, the key-scope operation it needs, its login-token policy, its success status and
message, and the error statuses it answers. The controllers' routes (``routes.py``), the
authentication of each request, the document's paths, error responses and
operation-to-scope table are derived from them. Request bodies are JSON Schemas here: the
server validates them, the document publishes them. Adding an endpoint: one entry, appended
(the order of :data:`ENDPOINTS` is the Postman collection's), and its controller method
under ``@api_route("<action>")``.
"""

from dataclasses import dataclass

from jsonschema import Draft202012Validator

from odoo.addons.rest_api_auth.scope import PUBLIC_METHOD
from odoo.addons.rest_api_auth.tokens import (
    DEFAULT_EXPIRATION_DAYS,
    MAX_EXPIRATION_DAYS,
    LoginTokenPolicy,
)

from .field_types import record_id
from .method_call import CONTEXT_ALLOW_LIST
from .query import InvalidInput
from .settings import MAX_BATCH

METHOD_PATTERN = f"^{PUBLIC_METHOD}$"
# the success messages of the writing endpoints (their bodies' "message")
CREATED_MESSAGE = "Record created successfully."
UPDATED_MESSAGE = "Record updated successfully."
DELETED_MESSAGE = "Record deleted successfully."
ISSUED_MESSAGE = "JWT Token generated successfully."
FILE_STORED_MESSAGE = "File stored successfully."
ATTACHED_MESSAGE = "Attachments created successfully."
BULK_CREATED_MESSAGE = "Records created successfully."
BULK_UPDATED_MESSAGE = "Records updated successfully."
BULK_DELETED_MESSAGE = "Records deleted successfully."


RECORD_PATH = "/api/{model}/{id}"
READ_ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 429)
UPLOAD_ERRORS = (400, 401, 403, 404, 413, 415, 422, 429)


@dataclass(frozen=True)
class Endpoint:
    action: str  # the document's x-odoo-action (operationId: "<model>.<action>")
    method: str  # HTTP method
    path: str  # "{model}" and "{id}" are path parameters (see routes.odoo_path)
    # the key-scope operation it needs ("token": issuing login tokens, "docs": reading the
    # documentation); None: served without authentication
    operation: str | None
    status: int = 200
    message: str = None  # the success body's "message"
    errors: tuple = READ_ERRORS  # the error statuses it documents (besides "default")
    login_token: LoginTokenPolicy = LoginTokenPolicy.REQUIRED  # what it does with a login token
    aliases: tuple = ()  # other paths served alike, not documented (the original API's)
    # whether a read replica may serve it: GETs do, unless they must see the primary
    primary: bool = False
    # whether its success answer holds a secret (a login token, a webhook's signing secret)
    answers_secret: bool = False

    @property
    def writes(self):
        """Whether it changes data: it takes ``Idempotency-Key`` (see ``idempotency``), unless its
        answer is a secret, which is never stored."""
        return self.method != "GET" and not self.answers_secret

    @property
    def conditional(self):
        """Whether it serves one record by id: ``ETag``, ``If-None-Match``, ``If-Match`` (see ``conditional``)."""
        return self.path == RECORD_PATH

    @property
    def documented_errors(self):
        """``errors`` and those of the request headers it takes: ``X-Odoo-Company`` (400, 403),
        ``Idempotency-Key`` (400, 409, 422), ``If-Match`` (412)."""
        extra = {400, 403} if self.operation else set()
        if self.writes:
            extra |= {409, 422}
        if self.conditional and self.method != "GET":
            extra.add(412)
        return tuple(sorted({*self.errors, *extra}))


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
    # many records at once (controllers.bulk), all or nothing
    Endpoint("bulk_update", "PUT", "/api/{model}", "write", message=BULK_UPDATED_MESSAGE, errors=WRITE_ERRORS),
    Endpoint("bulk_patch", "PATCH", "/api/{model}", "write", message=BULK_UPDATED_MESSAGE, errors=WRITE_ERRORS),
    Endpoint("execute_kw", "POST", "/api/{model}/execute_kw", "execute", errors=WRITE_ERRORS),
    Endpoint(
        "delete",
        "DELETE",
        "/api/{model}/{id}",
        "unlink",
        message=DELETED_MESSAGE,
        errors=(400, 401, 403, 404, 422, 429),
    ),
    Endpoint(
        "bulk_delete",
        "DELETE",
        "/api/{model}",
        "unlink",
        message=BULK_DELETED_MESSAGE,
        errors=(400, 401, 403, 404, 422, 429),
    ),
    # files and reports (controllers.files, controllers.reports): raw bytes, not JSON
    Endpoint("download", "GET", "/api/{model}/{id}/{field}", "read"),
    Endpoint("upload", "PUT", "/api/{model}/{id}/{field}", "write", message=FILE_STORED_MESSAGE, errors=UPLOAD_ERRORS),
    Endpoint("attachments", "GET", "/api/{model}/{id}/attachments", "read"),
    Endpoint("attach", "POST", "/api/{model}/{id}/attachments", "write", 201, ATTACHED_MESSAGE, UPLOAD_ERRORS),
    Endpoint("reports", "GET", "/api/{model}/reports", "read"),
    # on the primary: printing may store the PDF as an attachment (a report's attachment_use)
    Endpoint("report", "GET", "/api/{model}/{id}/report/{report}", "read", primary=True),
    Endpoint(
        "generate_token",
        "POST",
        "/api/generate_token",
        "token",
        message=ISSUED_MESSAGE,
        errors=(400, 401, 403, 404, 413, 415, 429),
        login_token=LoginTokenPolicy.UNUSED,
        aliases=("/api/{model}/generate_token",),  # the model segment is accepted and ignored
        answers_secret=True,
    ),
    # on the primary: a read replica's pg_stat_activity does not show the primary's transactions
    Endpoint("changes", "GET", "/api/{model}/changes", "read", errors=(400, 401, 403, 404, 410, 429), primary=True),
    # operations on any models in one transaction (controllers.bulk); each operation is authorized
    # as its own endpoint ("batch" is no scope operation: it grants nothing by itself)
    Endpoint("batch", "POST", "/api/batch", "batch", errors=WRITE_ERRORS),
)
# Served beside the data endpoints, not in their per-model paths. The documents and
# their page may be read without a login token by a key that requires one: they show how
# to get one. The metrics check their own protection (see controllers/metrics.py).
SERVICE_ENDPOINTS = (
    Endpoint(
        "openapi",
        "GET",
        "/api/openapi.json",
        "docs",
        login_token=LoginTokenPolicy.OPTIONAL,
        errors=(400, 401, 404, 429),
    ),
    Endpoint(
        "postman_collection",
        "GET",
        "/api/postman_collection.json",
        "docs",
        login_token=LoginTokenPolicy.OPTIONAL,
        errors=(400, 401, 404, 429),
    ),
    Endpoint("docs_page", "GET", "/api/docs", None, errors=()),
    Endpoint("health", "GET", "/api/health", None, errors=()),
    Endpoint("metrics", "GET", "/api/metrics", "read", errors=(401, 403, 429)),
    # the Model Context Protocol (controllers/mcp.py): each tool checks the operation it performs
    Endpoint("mcp", "POST", "/api/mcp", "mcp", errors=(400, 401, 403, 413, 415, 429)),
    # the calling key's own webhook subscriptions, for keys a manager allowed to (see docs/webhooks.md)
    Endpoint("webhooks", "GET", "/api/webhooks", "webhooks", errors=(401, 403, 429)),
    Endpoint(
        "webhook_create",
        "POST",
        "/api/webhooks",
        "webhooks",
        201,
        errors=(400, 401, 403, 413, 415, 422, 429),
        answers_secret=True,
    ),
    Endpoint("webhook_delete", "DELETE", "/api/webhooks/{id}", "webhooks", message=DELETED_MESSAGE),
)
BY_ACTION = {endpoint.action: endpoint for endpoint in (*ENDPOINTS, *SERVICE_ENDPOINTS)}
# the fixed names after /api/ (health, batch, webhooks...): never a model's, though the routes of
# /api/{model}... match them (PUT /api/health, GET /api/webhooks/1; see routes.api_route)
FIXED_NAMES = frozenset(
    name
    for endpoint in BY_ACTION.values()
    for path in (endpoint.path, *endpoint.aliases)
    if not (name := path.split("/")[2]).startswith("{")
)
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


def token_request_schema():
    """The body of ``POST /api/generate_token`` (optional: no body is ``{}``)."""
    return {
        "type": "object",
        "properties": {
            "user_id": {
                "type": "integer",
                "minimum": 1,
                "description": "The user the token acts as: the key's owner (any user if the owner is an "
                "administrator). Default: the key's owner.",
            },
            "expiration_days": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_EXPIRATION_DAYS,
                "default": DEFAULT_EXPIRATION_DAYS,
                "description": "Validity in days.",
            },
        },
        "additionalProperties": False,
    }


def result_reference_schema():
    """``{"$result": <index>}`` in a batch operation: the result of an earlier operation."""
    return {
        "type": "object",
        "title": "Result reference",
        "description": "The result of an earlier operation of the batch (by its index): the id it created, "
        "else its ids, else the method's result.",
        "required": ["$result"],
        "properties": {"$result": {"type": "integer", "minimum": 0}},
        "additionalProperties": False,
    }


def ids_schema(reference=None):
    """Record ids of a multi-record update or delete (``reference``: in a batch, where any of them
    may be a :func:`result_reference_schema`, the schema of one)."""
    item = {"anyOf": [record_id(), reference]} if reference else record_id()
    return {
        "type": "array",
        "items": item,
        "minItems": 1,
        "description": f"Ids of existing records, at most `rest_api.max_batch` ({MAX_BATCH} by default).",
        "examples": [[1, 2]],
    }


def bulk_write_body_schema(values=None):
    """The body of ``PUT|PATCH /api/<model>``; ``values``: the schema of the values (the model's, in
    the document; any object for the server, which checks them against the model's fields)."""
    return {
        "type": "object",
        "required": ["ids", "values"],
        "properties": {
            "ids": ids_schema(),
            "values": values or {"type": "object", "minProperties": 1},
        },
        "additionalProperties": False,
    }


def _batch_operation(op, required, properties, description):
    return {
        "type": "object",
        "title": f"{op} operation",
        "description": description,
        "required": ["op", "model", *required],
        "properties": {
            "op": {"type": "string", "const": op},
            "model": {"type": "string", "description": "Technical name of the model, e.g. `res.partner`."},
            **properties,
        },
        "additionalProperties": False,
    }


def batch_operation_schemas(reference=None):
    """``{op: JSON Schema}`` of the operations of ``POST /api/batch``: each the body of its single
    endpoint, with the model and the records it works on, and ``{"$result": i}`` allowed wherever a
    value is (checked again, once resolved, as the single endpoint checks it). ``reference``: the
    schema of ``{"$result": i}`` (the document names it once, as a component: generated clients
    cannot tell several inline copies apart)."""
    reference = reference or result_reference_schema()
    target = {
        "id": {"anyOf": [record_id(), reference], "description": "The record (or `ids`)."},
        "ids": {"anyOf": [ids_schema(reference), reference], "description": "The records (or `id`)."},
    }
    values = {"type": "object", "minProperties": 1, "description": "Field values, as the single endpoint takes them."}
    created = {
        "anyOf": [values, {"type": "array", "items": {"type": "object"}, "minItems": 1}],
        "description": "The values of one record, or an array of them (one per record).",
    }
    call = execute_kw_body_schema()["properties"]
    return {
        "create": _batch_operation("create", ["values"], {"values": created}, "`POST /api/<model>/create`."),
        "update": _batch_operation(
            "update", ["values"], {**target, "values": values}, "`PATCH /api/<model>/<id>` (or with `ids`)."
        ),
        "delete": _batch_operation("delete", [], target, "`DELETE /api/<model>/<id>` (or with `ids`)."),
        "execute_kw": _batch_operation("execute_kw", ["method"], call, "`POST /api/<model>/execute_kw`."),
    }


def batch_body_schema(reference=None):
    """The body of ``POST /api/batch`` (``reference``: see :func:`batch_operation_schemas`)."""
    return {
        "type": "object",
        "required": ["operations"],
        "properties": {
            "operations": {
                "type": "array",
                "minItems": 1,
                "items": {"oneOf": list(batch_operation_schemas(reference).values())},
                "description": "Run in order, in one transaction, at most `rest_api.max_batch` "
                f"({MAX_BATCH} by default).",
            }
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
