"""The shared components of the OpenAPI document: problems, headers, parameters, security.

Static apart from a few server settings (the page limit); :mod:`.paths` refers to them.
"""

from odoo.addons.rest_api_auth.scope import MODEL_NAME
from odoo.addons.rest_api_core.bulk import IDS_PATTERN
from odoo.addons.rest_api_core.endpoints import (
    BULK_CREATED_MESSAGE,
    BULK_DELETED_MESSAGE,
    BULK_UPDATED_MESSAGE,
    BY_ACTION,
    CREATED_MESSAGE,
    DELETED_MESSAGE,
    ISSUED_MESSAGE,
    MODEL_OPERATIONS,
    UPDATED_MESSAGE,
    batch_body_schema,
    result_reference_schema,
    token_request_schema,
)
from odoo.addons.rest_api_core.field_types import record_id
from odoo.addons.rest_api_core.multidb import DATABASE_HEADER, DATABASE_PARAM
from odoo.addons.rest_api_core.query import OFFSET_SCHEMA, limit_schema
from odoo.addons.rest_api_core.settings import DEFAULT_LIMIT, MAX_BATCH, MAX_BODY_SIZE, MAX_LIMIT

from .model_schemas import schema_ref
from .request_headers import HEADER_PARAMETERS, RESPONSE_HEADERS

OPERATIONS = MODEL_OPERATIONS
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"

SECURITY = [{"ApiKey": []}, {"ApiKey": [], "LoginToken": []}, {"Bearer": []}]
KEY_ONLY_SECURITY = [{"ApiKey": []}, {"Bearer": []}]
# a key that requires a login token: the key in its header, with the token in
# ``Login-Token`` or as ``Authorization: Bearer <token>``
TOKEN_SECURITY = [{"ApiKey": [], "LoginToken": []}, {"ApiKey": [], "Bearer": []}]

ERRORS = {
    "400": (
        "BadRequest",
        "Malformed request: bad JSON; a body, `domain`, `fields`, `order`, `limit` or `offset` that breaks "
        "its schema; unknown field; values or `execute_kw` arguments Odoo's code cannot take (their form); "
        "a `cursor` or `since` token that this server did not issue, was modified, or belongs to another "
        "model or order; "
        "no database named on a server hosting several.",
    ),
    "401": ("Unauthorized", "Missing, unknown, expired, revoked or inactive API key; bad or expired login token."),
    "403": ("Forbidden", "The key's scope, an Odoo access right or record rule, or the IP allow-list refuses."),
    "404": (
        "NotFound",
        "Unknown model, no record with this id (for many ids: those in `missing_ids`), or a database this "
        "server does not serve.",
    ),
    "409": (
        "Conflict",
        "The values conflict with a unique constraint; or a request with the same `Idempotency-Key` is still "
        "running (retry after `Retry-After`).",
    ),
    "412": (
        "PreconditionFailed",
        "`If-Match` names another version of the record than its current one: it changed since it was read. "
        "Nothing was changed.",
    ),
    "422": (
        "UnprocessableContent",
        "Well-formed, but Odoo refused it on its data: validation or user error, constraint, a relation to a "
        "record that does not exist; or an `Idempotency-Key` already used for another request.",
    ),
    "410": (
        "Gone",
        "The `since` token is older than the deletions kept (`rest_api.tombstone_days`): sync again from "
        "the beginning, without `since`.",
    ),
    "415": ("UnsupportedMediaType", "The body was not sent as JSON (`Content-Type: application/json`)."),
    "413": (
        "ContentTooLarge",
        f"The body is larger than the server's limit (`rest_api.max_body_size`, {MAX_BODY_SIZE // 2**20} MiB "
        "by default): refused unread when its `Content-Length` says so, else once the limit is reached. Or "
        f"more elements (array values, ids, batch operations) than `rest_api.max_batch` ({MAX_BATCH} by default).",
    ),
    "429": (
        "TooManyRequests",
        "Throttled: the key is over its rate limit, or this client address has failed authentication too often "
        "with keys of this prefix (the failed-authentication limiter). Retry after `Retry-After` seconds.",
    ),
}
# every operation also has a ``default`` response: the problem of any other status
OTHER_ERRORS = (
    "Error",
    "Any other error, same shape: 405 method not allowed on the path (with `Allow`), "
    "503 service unavailable (throttle store down, or concurrent updates), 500 unexpected error.",
)
# x-odoo-action -> the error statuses it documents (each a component response of ERRORS)
ACTION_ERRORS = {endpoint.action: tuple(map(str, endpoint.documented_errors)) for endpoint in BY_ACTION.values()}


def _header(description, schema, example=None):
    header = {"description": description, "schema": schema}
    if example is not None:
        header["example"] = example
    return header


def headers():
    return {
        "RateLimit": _header(
            "Remaining requests of the key's policy and seconds until it is full again "
            "(draft-ietf-httpapi-ratelimit-headers). Sent when the key is throttled.",
            {"type": "string"},
            '"default";r=59;t=1',
        ),
        "RateLimit-Policy": _header(
            "The key's rate limit: `q` requests per `w` seconds. Sent when the key is throttled.",
            {"type": "string"},
            '"default";q=60;w=60',
        ),
        "Retry-After": _header("Seconds to wait before retrying.", {"type": "integer", "minimum": 1}, 1),
        "X-Request-ID": _header(
            "The request's id: the one the client sent in `X-Request-ID`, else generated.", {"type": "string"}
        ),
        "Link": _header(
            'Pagination: `<...&cursor=...>; rel="next"` (or `<...&offset=N>` when the request paged with '
            "`offset`, or its order is not one a cursor can continue) when more records may follow. Follow it as is.",
            {"type": "string"},
        ),
        "Location": _header("URL of the created record.", {"type": "string"}, "/api/res.partner/42"),
        "WWW-Authenticate": _header("The authentication scheme and the reason for the refusal.", {"type": "string"}),
        **RESPONSE_HEADERS,
    }


def header_refs(*names):
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


SUCCESS_HEADERS = ("RateLimit", "RateLimit-Policy", "X-Request-ID")


def _problem_schema():
    return {
        "type": "object",
        "title": "Problem (RFC 9457)",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "description": "URI identifying the kind of problem."},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "instance": {"type": "string", "description": "The request path."},
            "invalid_params": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
                },
            },
            "retry_after": {"type": "integer", "minimum": 1},
            "operation": {"type": "integer", "minimum": 0, "description": "The failed operation of a batch."},
            "element": {"type": "integer", "minimum": 0, "description": "The failed element of an array."},
            "missing_ids": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "The ids of a multi-record request that do not exist.",
            },
            "max_batch": {"type": "integer", "description": "The server's `rest_api.max_batch`."},
        },
    }


def error_responses():
    responses = {}
    for status, (name, description) in (*ERRORS.items(), ("default", OTHER_ERRORS)):
        headers = header_refs("X-Request-ID")
        if status == "401":
            headers = header_refs("WWW-Authenticate", "X-Request-ID")
        elif status == "429":
            headers = header_refs("Retry-After", "RateLimit", "RateLimit-Policy", "X-Request-ID")
        elif status == "409":
            headers = header_refs("Retry-After", "X-Request-ID")
        responses[name] = {
            "description": description,
            "headers": headers,
            "content": {PROBLEM_JSON: {"schema": {"$ref": schema_ref("Problem")}}},
        }
    return responses


def parameters(page_limits=None):
    """The shared parameters; ``page_limits``: the server's ``(default, maximum)`` page size."""
    default_limit, max_limit = page_limits or (DEFAULT_LIMIT, MAX_LIMIT)
    return {
        "model": {
            "name": "model",
            "in": "path",
            "required": True,
            "description": "Technical name of the model, e.g. `res.partner`.",
            "schema": {"type": "string", "pattern": f"^{MODEL_NAME}$"},
            "example": "res.partner",
        },
        "id": {
            "name": "id",
            "in": "path",
            "required": True,
            "description": "Record id.",
            "schema": record_id(),
            "example": 1,
        },
        "domain": {
            "name": "domain",
            "in": "query",
            "description": "Odoo search domain, as a Python literal or JSON: "
            "`[('is_company','=',True)]` or `[[\"id\",\"in\",[13,5]]]`. Default: all records.",
            "schema": {"type": "string"},
            "example": "[]",
        },
        "fields": {
            "name": "fields",
            "in": "query",
            "description": "Field names to return, as a Python literal or JSON list: `['name','email']`. "
            "Default: every readable field except binary ones.",
            "schema": {"type": "string"},
            "example": "['id', 'display_name']",
        },
        "limit": {
            "name": "limit",
            "in": "query",
            "description": "Maximum number of records; the server has a default and a maximum.",
            "schema": limit_schema(default_limit, max_limit),
            "example": 10,
        },
        "offset": {
            "name": "offset",
            "in": "query",
            "description": "Number of records to skip (see the `Link` header for the next page).",
            "schema": dict(OFFSET_SCHEMA),
            "example": 0,
        },
        "cursor": {
            "name": "cursor",
            "in": "query",
            "description": "Opaque token of the next page, from the `Link` header of the previous one: the page "
            "continues after the last record of the previous page, at the same cost at any depth. Only with the "
            "`order` it was issued for (stored columns of the model itself; many2one, translated and "
            "non-stored fields page with `offset`); not with `offset`. A modified cursor is a 400.",
            "schema": {"type": "string"},
        },
        "since": {
            "name": "since",
            "in": "query",
            "description": "The `next` token of the previous page of changes. Absent: from the beginning "
            "(every record); `now`: from the present (no change, a token to poll with).",
            "schema": {"type": "string"},
            "example": "now",
        },
        "order": {
            "name": "order",
            "in": "query",
            "description": "Sort order: comma-separated field names, each optionally followed by `asc` or `desc`.",
            "schema": {"type": "string"},
            "example": "id desc",
        },
        "ids": {
            "name": "ids",
            "in": "query",
            "required": True,
            "description": f"The records' ids: `[1,2,3]` (or `1,2,3`), at most `rest_api.max_batch` ({MAX_BATCH} "
            "by default).",
            "schema": {"type": "string", "pattern": IDS_PATTERN},
            "example": "[1,2]",
        },
        "database": {
            "name": DATABASE_HEADER,
            "in": "header",
            "description": "The database to use, on a server hosting several (a single database needs "
            f"nothing). Same as the `{DATABASE_PARAM}` query parameter; an unknown or refused database is 404.",
            "schema": {"type": "string"},
        },
        **HEADER_PARAMETERS,
        "db": {
            "name": DATABASE_PARAM,
            "in": "query",
            "description": f"The database to use, on a server hosting several: the `{DATABASE_HEADER}` header "
            "wins when both are sent.",
            "schema": {"type": "string"},
        },
    }


def parameter_refs(*names):
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def _message_schema(message):
    return {
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string", "examples": [message]}},
    }


def _ids_schema(message, description):
    return {
        "type": "object",
        "required": ["ids", "message"],
        "properties": {
            "ids": {"type": "array", "items": {"type": "integer", "minimum": 1}, "description": description},
            "message": {"type": "string", "examples": [message]},
        },
    }


def shared_schemas():
    return {
        "Problem": _problem_schema(),
        "Record": {
            "type": "object",
            "title": "Record",
            "description": "A record: the fields asked for in `fields`, and `id`. Empty values are `false`.",
            "properties": {"id": {"type": "integer", "readOnly": True}},
        },
        "Values": {
            "type": "object",
            "title": "Values",
            "description": "Field values, by field name (see `GET /api/{model}/schema`).",
            "examples": [{"name": "New record"}],
        },
        "RecordCount": {
            "type": "object",
            "required": ["model", "domain", "record_count"],
            "properties": {
                "model": {"type": "string"},
                "domain": {"type": "array", "items": {}},
                "record_count": {"type": "integer", "minimum": 0},
            },
        },
        "FieldsDescription": {
            "type": "object",
            "description": "`fields_get()` of the model: one entry per field the user may read.",
            "additionalProperties": {
                "type": "object",
                "required": ["type"],
                "properties": {
                    "type": {"type": "string"},
                    "string": {"type": "string"},
                    "required": {"type": "boolean"},
                    "readonly": {"type": "boolean"},
                },
            },
        },
        "Created": {
            "type": "object",
            "required": ["id", "message"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "message": {"type": "string", "examples": [CREATED_MESSAGE]},
            },
        },
        "Changes": {
            "type": "object",
            "required": ["changes", "next"],
            "properties": {
                "changes": {
                    "type": "array",
                    "items": {"$ref": schema_ref("Record")},
                    "description": "Records created or updated since the token, each once with its current "
                    "values, in the order of their changes (`write_date`, then `id`).",
                },
                "deleted": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "Ids of the records deleted since the token. Present only for the models with "
                    "change tracking on (`rest_api.tracked_models`); absent, deletions are not reported. "
                    "Apply `changes` first, then `deleted`.",
                },
                "next": {
                    "type": "string",
                    "description": "The token of the next call (`since`). Call again at once while a page has "
                    "items; an empty page means up to date: poll later with the same token.",
                },
            },
        },
        "CreatedMany": _ids_schema(BULK_CREATED_MESSAGE, "The new records' ids, in the order of the array."),
        "UpdatedMany": _ids_schema(BULK_UPDATED_MESSAGE, "The records updated."),
        "DeletedMany": _ids_schema(BULK_DELETED_MESSAGE, "The records deleted."),
        "ResultReference": result_reference_schema(),
        "BatchRequest": batch_body_schema({"$ref": schema_ref("ResultReference")}),
        "BatchResults": {
            "type": "object",
            "required": ["results"],
            "properties": {
                "results": {
                    "type": "array",
                    "description": "One per operation, in order: `id` (a create of one record), `ids` (a create "
                    "of an array, an update, a delete) or `result` (`execute_kw`).",
                    "items": {
                        "type": "object",
                        "minProperties": 1,
                        "maxProperties": 1,
                        "properties": {
                            "id": {"type": "integer", "minimum": 1},
                            "ids": {"type": "array", "items": {"type": "integer", "minimum": 1}},
                            "result": {},
                        },
                        "additionalProperties": False,
                    },
                }
            },
        },
        "Updated": _message_schema(UPDATED_MESSAGE),
        "Deleted": _message_schema(DELETED_MESSAGE),
        "TokenRequest": token_request_schema(),
        "Token": {
            "type": "object",
            "required": ["login_token", "message", "token_type", "expires_in_days", "expiration_date", "user_info"],
            "properties": {
                "login_token": {"type": "string", "description": "Send it in the `Login-Token` header."},
                "message": {"type": "string", "examples": [ISSUED_MESSAGE]},
                "token_type": {"type": "string", "const": "JWT"},
                "expires_in_days": {"type": "integer"},
                "expiration_date": {"type": "string", "description": "UTC, ISO 8601."},
                "user_info": {
                    "type": "object",
                    "required": ["user_id", "user_name", "user_login"],
                    "properties": {
                        "user_id": {"type": "integer"},
                        "user_name": {"type": "string"},
                        "user_login": {"type": "string"},
                    },
                },
            },
        },
    }


def security_schemes():
    return {
        "ApiKey": {
            "type": "apiKey",
            "in": "header",
            "name": "api-key",
            "description": "REST API key (also accepted in `X-API-Key`, or as `Authorization: Bearer <key>`).",
        },
        "LoginToken": {
            "type": "apiKey",
            "in": "header",
            "name": "Login-Token",
            "description": "Login token (JWT) from `POST /api/generate_token`, sent with the API key that "
            "issued it: the request then runs as the token's user.",
        },
        "Bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "`Authorization: Bearer <API key>`; or `Bearer <login token>` when the API key "
            "is sent in the `api-key` header.",
        },
    }
