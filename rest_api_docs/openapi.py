"""The OpenAPI 3.1 document of the REST API, built from plain data.

Nothing here touches Odoo. The controller gathers, for the effective user and
the key's scope, one :class:`ModelDoc` per model (its ``fields_get()`` and the
operations allowed) and :func:`build_openapi` turns them into the document.
Without models (anonymous visitors) the document describes the generic
``/api/{model}/...`` paths only, so it reveals nothing about the database.

Odoo serializes an empty value as ``false`` (not ``null``), so "string or
empty" is ``anyOf: [{"type": "string"}, {"const": false}]``: exact for
validators, and readable in Swagger UI.
"""

from dataclasses import dataclass, field

from odoo.addons.rest_api_auth.scope import DENIED_MODEL_PREFIXES, model_denied
from odoo.addons.rest_api_auth.tokens import DEFAULT_EXPIRATION_DAYS, MAX_EXPIRATION_DAYS
from odoo.addons.rest_api_core.multidb import DATABASE_HEADER, DATABASE_PARAM
from odoo.addons.rest_api_core.query import MAX_OFFSET
from odoo.addons.rest_api_core.serialization import MAX_ID

from .examples import add_body_examples
from .tags import documentation_order

OPENAPI_VERSION = "3.1.0"
OPERATIONS = ("read", "create", "write", "unlink", "execute")
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
# The most models a document details (paths and field schemas of each, from fields_get()):
# more makes a compact document, and ``?models=`` may name at most this many. Bounds the
# cost of generating the document and keeps it usable in Swagger UI and Postman.
MAX_DETAILED_MODELS = 100

# the request/response shapes of the endpoints (DESIGN.md, "Endpoints")
CREATED_MESSAGE = "Record created successfully."
UPDATED_MESSAGE = "Record updated successfully."
DELETED_MESSAGE = "Record deleted successfully."
# datetimes are UTC; Odoo writes "YYYY-MM-DD HH:MM:SS" and reads it (and ISO 8601) back
DATETIME_READ_PATTERN = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]00:00)?$"
DATETIME_WRITE_PATTERN = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$"

EMPTY = {"const": False}
SECURITY = [{"ApiKey": []}, {"ApiKey": [], "LoginToken": []}, {"Bearer": []}]
KEY_ONLY_SECURITY = [{"ApiKey": []}, {"Bearer": []}]
# a key that requires a login token: the key in its header, with the token in
# ``Login-Token`` or as ``Authorization: Bearer <token>``
TOKEN_SECURITY = [{"ApiKey": [], "LoginToken": []}, {"ApiKey": [], "Bearer": []}]

ERRORS = {
    "400": (
        "BadRequest",
        "Malformed JSON; bad `domain`, `fields`, `order`, `limit` or `offset`; unknown field; no database "
        "named on a server hosting several.",
    ),
    "401": ("Unauthorized", "Missing, unknown, expired, revoked or inactive API key; bad or expired login token."),
    "403": ("Forbidden", "The key's scope, an Odoo access right or record rule, or the IP allow-list refuses."),
    "404": ("NotFound", "Unknown model, no record with this id, or a database this server does not serve."),
    "409": ("Conflict", "The values conflict with a unique constraint."),
    "422": ("UnprocessableContent", "Odoo refused the values (validation error, user error, constraint)."),
    "415": ("UnsupportedMediaType", "The body was not sent as JSON (`Content-Type: application/json`)."),
    "429": ("TooManyRequests", "The key is over its rate limit: retry after `Retry-After` seconds."),
}
# every operation also has a ``default`` response: the problem of any other status
OTHER_ERRORS = (
    "Error",
    "Any other error, same shape: 405 method not allowed on the path (with `Allow`), 413 body too large, "
    "503 service unavailable (throttle store down, or concurrent updates), 500 unexpected error.",
)
READ_ERRORS = ("400", "401", "403", "404", "429")
WRITE_ERRORS = ("400", "401", "403", "404", "409", "415", "422", "429")
# x-odoo-action -> the error statuses it documents (each a component response of ERRORS)
ACTION_ERRORS = {
    "search": READ_ERRORS,
    "record_count": READ_ERRORS,
    "schema": READ_ERRORS,
    "read": READ_ERRORS,
    "create": WRITE_ERRORS,
    "update": WRITE_ERRORS,
    "patch": WRITE_ERRORS,
    "delete": ("400", "401", "403", "404", "422", "429"),
    "execute_kw": WRITE_ERRORS,
    "generate_token": ("400", "401", "403", "404", "415", "429"),
}


@dataclass(frozen=True)
class ModelDoc:
    """What the documentation needs to know about one model, as seen by the effective user."""

    model: str  # technical name, e.g. "res.partner"
    description: str  # the model's label, e.g. "Contact"
    fields: dict  # fields_get() of the effective user
    operations: frozenset  # a subset of OPERATIONS
    methods: tuple = ()  # the key's execute_kw allow-list for this model; empty: any public method
    defaulted: frozenset = field(default_factory=frozenset)  # fields that get a value when omitted on create


# ---------------------------------------------------------------- field schemas


def _or_empty(schema):
    return {"anyOf": [schema, EMPTY]}


def _selection_schema(description):
    values = [value for value, _label in description.get("selection") or ()]
    if not values:
        return {"type": "string"}
    schema = {"enum": values}
    if all(isinstance(value, str) for value in values):
        schema["type"] = "string"
    return schema


def _record_id():
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _command(*items):
    return {"type": "array", "prefixItems": list(items), "minItems": len(items), "maxItems": len(items)}


def _x2many_write_schema():
    values = {"type": "object", "description": "Values of the related record."}
    commands = [
        _command({"const": 0}, {"const": 0}, values),  # create
        _command({"const": 1}, _record_id(), values),  # update
        _command({"enum": [2, 3, 4]}, _record_id()),  # delete, unlink, link
        _command({"const": 5}),  # clear
        _command({"const": 6}, {"const": 0}, {"type": "array", "items": _record_id()}),  # replace
    ]
    return {
        "anyOf": [
            {"type": "array", "items": _record_id(), "description": "Record ids: they replace the current set."},
            {
                "type": "array",
                "items": {"anyOf": commands},
                "description": "Odoo commands: `[0, 0, {values}]` create, `[1, id, {values}]` update, "
                "`[2, id]` delete, `[3, id]` unlink, `[4, id]` link, `[5]` clear, `[6, 0, [ids]]` replace.",
            },
        ],
    }


def _string_schemas(description):
    write = {"type": "string"}
    if description.get("size"):
        write["maxLength"] = description["size"]
    return _or_empty({"type": "string"}), _or_empty(write)


def _selection_schemas(description):
    return _or_empty(_selection_schema(description)), _or_empty(_selection_schema(description))


def _same(build):
    """Read and write schemas alike, each built afresh."""
    return lambda _description: (build(), build())


def _html():
    return _or_empty({"type": "string", "contentMediaType": "text/html"})


def _reference():
    return _or_empty({"type": "string", "pattern": r"^[\w.]+,\d+$", "examples": ["res.partner,1"]})


def _datetime_schemas(_description):
    example = ["2026-01-31 13:45:00"]
    return (
        _or_empty({"type": "string", "pattern": DATETIME_READ_PATTERN, "examples": example}),
        _or_empty({"type": "string", "pattern": DATETIME_WRITE_PATTERN, "examples": example}),
    )


def _many2one_schemas(_description):
    # [id, display name]: not written with prefixItems, which some validators
    # (schemathesis 4) reject in response schemas
    pair = {
        "type": "array",
        "items": {"anyOf": [{"type": "integer"}, {"type": "string"}, EMPTY]},
        "minItems": 2,
        "maxItems": 2,
    }
    return _or_empty(pair), _or_empty(_record_id())


def _x2many_schemas(_description):
    return {"type": "array", "items": {"type": "integer"}}, _x2many_write_schema()


def _properties_schemas(_description):
    read = {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
    write = {"anyOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}, EMPTY]}
    return _or_empty(read), write


# Odoo field type -> function(fields_get entry) -> (read schema, write schema).
# json, and field types added by other modules, are any JSON value: {}.
TYPE_SCHEMAS = {
    "boolean": _same(lambda: {"type": "boolean"}),
    "integer": _same(lambda: {"type": "integer"}),
    "many2one_reference": _same(lambda: {"type": "integer"}),
    "float": _same(lambda: {"type": "number"}),
    "monetary": _same(lambda: {"type": "number"}),
    "char": _string_schemas,
    "text": _string_schemas,
    "html": _same(_html),
    "date": _same(lambda: _or_empty({"type": "string", "format": "date"})),
    "datetime": _datetime_schemas,
    "selection": _selection_schemas,
    "reference": _same(_reference),
    "many2one": _many2one_schemas,
    "one2many": _x2many_schemas,
    "many2many": _x2many_schemas,
    "binary": _same(lambda: _or_empty({"type": "string", "contentEncoding": "base64"})),
    "properties": _properties_schemas,
    "properties_definition": _same(lambda: _or_empty({"type": "array", "items": {"type": "object"}})),
}


def _type_schemas(description):
    """``(read schema, write schema)`` for one ``fields_get()`` entry, by Odoo field type."""
    build = TYPE_SCHEMAS.get(description.get("type"))
    return build(description) if build else ({}, {})


def _field_description(description):
    """A short text for the field: its help, plus what the type alone does not say."""
    field_type = description.get("type")
    parts = []
    if description.get("help"):
        parts.append(description["help"])
    if field_type == "many2one" and description.get("relation"):
        parts.append(f"Many2one to `{description['relation']}`: `[id, display name]`, or `false`; write an id.")
    elif field_type in ("one2many", "many2many") and description.get("relation"):
        parts.append(f"{field_type.capitalize()} to `{description['relation']}`: a list of record ids.")
    elif field_type == "many2one_reference" and description.get("model_field"):
        parts.append(f"Id of a record of the model named by field `{description['model_field']}`.")
    elif field_type == "reference":
        parts.append("`model,id` of the referenced record, or `false`.")
    elif field_type == "monetary" and description.get("currency_field"):
        parts.append(f"Amount in the currency of field `{description['currency_field']}`.")
    elif field_type == "datetime":
        parts.append("UTC, `YYYY-MM-DD HH:MM:SS`.")
    elif field_type == "binary":
        parts.append("Base64-encoded content; returned only when named in `fields`.")
    return "\n\n".join(parts)


def field_schemas(name, description):
    """``(read schema, write schema)`` of field ``name`` with its ``fields_get()`` ``description``."""
    read, write = _type_schemas(description)
    annotations = {}
    if description.get("string"):
        annotations["title"] = description["string"]
    text = _field_description(description)
    if text:
        annotations["description"] = text
    read = {**read, **annotations}
    if description.get("readonly") or name == "id":
        read["readOnly"] = True
    return read, {**write, **annotations}


def _documented_field(description):
    """``description``, read-only when the field relates to a credential model: credentials are
    never changed through the API, not even through another model's field."""
    if description.get("relation") and model_denied(description["relation"]):
        return {**description, "readonly": True}
    return description


def model_schemas(model_doc):
    """The component schemas of one model: its records, writable values, and create body."""
    properties, writable, required = {}, {}, []
    for name, fields_get_entry in model_doc.fields.items():
        description = _documented_field(fields_get_entry)
        read, write = field_schemas(name, description)
        properties[name] = read
        if not description.get("readonly") and name != "id":
            writable[name] = write
            if description.get("required") and name not in model_doc.defaulted:
                required.append(name)
    label = model_doc.description or model_doc.model
    schemas = {
        record_schema_name(model_doc.model): {
            "type": "object",
            "title": label,
            "description": f"A `{model_doc.model}` record: the fields asked for in `fields`, and `id`.",
            "properties": properties,
        },
        values_schema_name(model_doc.model): {
            "type": "object",
            "title": f"{label} (values)",
            "description": f"Values to write on a `{model_doc.model}` record: any of its writable fields.",
            "properties": writable,
            "additionalProperties": False,
        },
    }
    create = {"$ref": _schema_ref(values_schema_name(model_doc.model))}
    if required:
        create = {"allOf": [create], "required": required}
    schemas[create_schema_name(model_doc.model)] = {
        **create,
        "title": f"{label} (new record)",
        "description": f"Values of a new `{model_doc.model}` record.",
    }
    return schemas


def record_schema_name(model):
    return model


def values_schema_name(model):
    return f"{model}-values"


def create_schema_name(model):
    return f"{model}-create"


def _schema_ref(name):
    return f"#/components/schemas/{name}"


# ---------------------------------------------------------------- shared components


def _header(description, schema, example=None):
    header = {"description": description, "schema": schema}
    if example is not None:
        header["example"] = example
    return header


def _headers():
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
            'Pagination: `<...&offset=N>; rel="next"` when more records may follow.',
            {"type": "string"},
        ),
        "Location": _header("URL of the created record.", {"type": "string"}, "/api/res.partner/42"),
        "WWW-Authenticate": _header("The authentication scheme and the reason for the refusal.", {"type": "string"}),
    }


def _header_refs(*names):
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
        },
    }


def _error_responses():
    responses = {}
    for status, (name, description) in (*ERRORS.items(), ("default", OTHER_ERRORS)):
        headers = _header_refs("X-Request-ID")
        if status == "401":
            headers = _header_refs("WWW-Authenticate", "X-Request-ID")
        elif status == "429":
            headers = _header_refs("Retry-After", "RateLimit", "RateLimit-Policy", "X-Request-ID")
        responses[name] = {
            "description": description,
            "headers": headers,
            "content": {PROBLEM_JSON: {"schema": {"$ref": _schema_ref("Problem")}}},
        }
    return responses


def _parameters(max_limit=None):
    limit = {"type": "integer", "minimum": 1}
    if max_limit:
        limit["maximum"] = max_limit
    return {
        "model": {
            "name": "model",
            "in": "path",
            "required": True,
            "description": "Technical name of the model, e.g. `res.partner`.",
            "schema": {"type": "string", "pattern": r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"},
            "example": "res.partner",
        },
        "id": {
            "name": "id",
            "in": "path",
            "required": True,
            "description": "Record id.",
            "schema": _record_id(),
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
            "schema": limit,
            "example": 10,
        },
        "offset": {
            "name": "offset",
            "in": "query",
            "description": "Number of records to skip (see the `Link` header for the next page).",
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            "example": 0,
        },
        "order": {
            "name": "order",
            "in": "query",
            "description": "Sort order: comma-separated field names, each optionally followed by `asc` or `desc`.",
            "schema": {"type": "string"},
            "example": "id desc",
        },
        "database": {
            "name": DATABASE_HEADER,
            "in": "header",
            "description": "The database to use, on a server hosting several (a single database needs "
            f"nothing). Same as the `{DATABASE_PARAM}` query parameter; an unknown or refused database is 404.",
            "schema": {"type": "string"},
        },
        "db": {
            "name": DATABASE_PARAM,
            "in": "query",
            "description": f"The database to use, on a server hosting several: the `{DATABASE_HEADER}` header "
            "wins when both are sent.",
            "schema": {"type": "string"},
        },
    }


def _parameter_refs(*names):
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def _message_schema(message):
    return {
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string", "examples": [message]}},
    }


def _shared_schemas():
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
                "domain": {"type": "array"},
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
        "Updated": _message_schema(UPDATED_MESSAGE),
        "Deleted": _message_schema(DELETED_MESSAGE),
        "TokenRequest": {
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
        },
        "Token": {
            "type": "object",
            "required": ["login_token", "message", "token_type", "expires_in_days", "expiration_date", "user_info"],
            "properties": {
                "login_token": {"type": "string", "description": "Send it in the `Login-Token` header."},
                "message": {"type": "string", "examples": ["JWT Token generated successfully."]},
                "token_type": {"const": "JWT"},
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


def _security_schemes():
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


# ---------------------------------------------------------------- operations


def _responses(status, description, schema=None, headers=SUCCESS_HEADERS):
    success = {"description": description, "headers": _header_refs(*headers)}
    if schema is not None:
        success["content"] = {JSON: {"schema": schema}}
    return {status: success}


def _error_refs(action):
    refs = {status: {"$ref": f"#/components/responses/{ERRORS[status][0]}"} for status in ACTION_ERRORS[action]}
    return {**refs, "default": {"$ref": f"#/components/responses/{OTHER_ERRORS[0]}"}}


def _json_body(schema, example=None, required=True):
    media = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"required": required, "content": {JSON: media}}


def _execute_body(methods):
    method = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_]*$", "description": "A public method name."}
    if methods:
        method = {"type": "string", "enum": list(methods), "description": "A method this API key may call."}
    schema = {
        "type": "object",
        "required": ["method"],
        "properties": {
            "method": method,
            "args": {"type": "array", "description": "Positional arguments (record ids first for record methods)."},
            "kwargs": {
                "type": "object",
                "description": "Keyword arguments. `context` may set `lang`, `tz`, `active_test`, "
                "`allowed_company_ids` and `bin_size`; other context keys are ignored.",
            },
        },
        "additionalProperties": False,
    }
    if methods:
        example = {"method": methods[0], "args": [], "kwargs": {}}
    else:
        example = {"method": "search_read", "args": [[]], "kwargs": {"fields": ["id", "display_name"], "limit": 5}}
    return _json_body(schema, example)


def _operation(model, action, tag, *, summary, description, responses, parameters=(), body=None, security=None):
    operation = {
        "tags": [tag],
        "summary": summary,
        "description": description,
        "operationId": f"{model}.{action}" if model else action,
        "x-odoo-model": model,
        "x-odoo-action": action,
        "responses": {**responses, **_error_refs(action)},
        # every operation may name its database (several databases on one server)
        "parameters": [*parameters, *_parameter_refs("database", "db")],
    }
    if body is not None:
        operation["requestBody"] = body
    if security is not None:
        operation["security"] = security
    return operation


def _model_paths(model, tag, operations, methods=()):
    """The paths of one model (``model=None``: the generic ``{model}`` paths)."""
    label = f"`{model}`" if model else "the model"
    base = f"/api/{model or '{model}'}"
    model_params = () if model else tuple(_parameter_refs("model"))
    record = {"$ref": _schema_ref(record_schema_name(model) if model else "Record")}
    values = {"$ref": _schema_ref(values_schema_name(model) if model else "Values")}
    create = {"$ref": _schema_ref(create_schema_name(model) if model else "Values")}

    def operation(action, **kwargs):
        return _operation(model, action, tag, **kwargs)

    paths = {}
    if "read" in operations:
        paths[f"{base}/search"] = {
            "get": operation(
                "search",
                summary="Search records",
                description=f"Records of {label} matching `domain`, in `order`, paginated with `limit`/`offset`.",
                responses=_responses(
                    "200", "The matching records.", {"type": "array", "items": record}, (*SUCCESS_HEADERS, "Link")
                ),
                parameters=(*model_params, *_parameter_refs("domain", "fields", "limit", "offset", "order")),
            )
        }
        paths[f"{base}/record_count"] = {
            "get": operation(
                "record_count",
                summary="Count records",
                description=f"Number of records of {label} matching `domain`.",
                responses=_responses("200", "The count.", {"$ref": _schema_ref("RecordCount")}),
                parameters=(*model_params, *_parameter_refs("domain")),
            )
        }
        paths[f"{base}/schema"] = {
            "get": operation(
                "schema",
                summary="Describe the fields",
                description=f"`fields_get()` of {label}: the fields the user may read, with their types and labels.",
                responses=_responses("200", "The fields.", {"$ref": _schema_ref("FieldsDescription")}),
                parameters=model_params,
            )
        }
    if "create" in operations:
        paths[f"{base}/create"] = {
            "post": operation(
                "create",
                summary="Create a record",
                description=f"Creates one record of {label} from the values in the body.",
                responses=_responses(
                    "201", "Created.", {"$ref": _schema_ref("Created")}, (*SUCCESS_HEADERS, "Location")
                ),
                parameters=model_params,
                body=_json_body(create),
            )
        }
    record_path = {}
    if "read" in operations:
        record_path["get"] = operation(
            "read",
            summary="Read a record",
            description=f"One record of {label}, with the fields asked for in `fields`.",
            responses=_responses("200", "The record.", record),
            parameters=(*model_params, *_parameter_refs("id", "fields")),
        )
    if "write" in operations:
        for verb, action in (("put", "update"), ("patch", "patch")):
            record_path[verb] = operation(
                action,
                summary=f"Update a record ({verb.upper()})",
                description="Writes the values in the body on the record; fields not sent are left unchanged "
                "(PUT and PATCH are the same).",
                responses=_responses("200", "Updated.", {"$ref": _schema_ref("Updated")}),
                parameters=(*model_params, *_parameter_refs("id")),
                body=_json_body({"allOf": [values], "minProperties": 1}),
            )
    if "unlink" in operations:
        record_path["delete"] = operation(
            "delete",
            summary="Delete a record",
            description="Deletes the record.",
            responses=_responses("200", "Deleted.", {"$ref": _schema_ref("Deleted")}),
            parameters=(*model_params, *_parameter_refs("id")),
        )
    if record_path:
        paths[f"{base}/{{id}}"] = record_path
    if "execute" in operations:
        allowed = f" This key may call: {', '.join(f'`{m}`' for m in methods)}." if methods else ""
        paths[f"{base}/execute_kw"] = {
            "post": operation(
                "execute_kw",
                summary="Call a method",
                description=f"Calls a public method of {label}, like Odoo's `execute_kw`: `args` and "
                "`kwargs` are passed to it; recordsets in the result come back as id lists. Private methods are "
                "refused." + allowed,
                responses=_responses("200", "The method's result.", {}),
                parameters=model_params,
                body=_execute_body(methods),
            )
        }
    return paths


# x-odoo-action of an operation -> the key operation it needs
ACTION_OPERATIONS = {
    "search": "read",
    "record_count": "read",
    "schema": "read",
    "read": "read",
    "create": "create",
    "update": "write",
    "patch": "write",
    "delete": "unlink",
    "execute_kw": "execute",
}


def _compact_paths(models):
    """The generic paths, each operation's ``model`` parameter listing the models it may be used on."""
    paths = {}
    for path, item in _model_paths(None, "Records", set(OPERATIONS)).items():
        for method, operation in item.items():
            operation_needed = ACTION_OPERATIONS[operation["x-odoo-action"]]
            names = documentation_order(doc.model for doc in models if operation_needed in doc.operations)
            if names:
                operation["parameters"] = [_model_enum_parameter(names), *operation["parameters"][1:]]
                paths.setdefault(path, {})[method] = operation
    return paths


def _model_enum_parameter(names):
    return {
        "name": "model",
        "in": "path",
        "required": True,
        "description": "Technical name of a model this API key may use for this operation.",
        "schema": {"type": "string", "enum": names},
        "example": "res.partner" if "res.partner" in names else names[0],
    }


def _token_paths(tag):
    return {
        "/api/generate_token": {
            "post": _operation(
                None,
                "generate_token",
                tag,
                summary="Generate a login token",
                description="Issues a JWT login token for a user, with an API key allowed to generate tokens. "
                "Send it in `Login-Token` with the same key: requests then run as that user.",
                responses=_responses("200", "The token.", {"$ref": _schema_ref("Token")}),
                body=_json_body({"$ref": _schema_ref("TokenRequest")}, {"expiration_days": 10}, required=False),
                security=KEY_ONLY_SECURITY,
            )
        }
    }


# ---------------------------------------------------------------- the document

API_DESCRIPTION = """\
CRUD and method calls on Odoo models over HTTP+JSON. Every call runs as a real Odoo user,
under Odoo's access rights and record rules, narrowed by the API key's scope.

**Authentication.** Send the API key in the `api-key` header (or `X-API-Key`, or
`Authorization: Bearer <key>`). A login token from `POST /api/generate_token`, sent in
`Login-Token` with the same key, makes the request run as the token's user.

**Values.** Records are serialized as Odoo's `read()` does: many2one `[id, "name"]` or `false`,
x2many lists of ids, dates `YYYY-MM-DD`, datetimes `YYYY-MM-DD HH:MM:SS` (UTC), empty values `false`.

**Errors** are `application/problem+json` (RFC 9457) with the HTTP status: 400 bad input, 401 bad
credentials, 403 refused by scope or access rights, 404 unknown model or record, 405 method not
allowed on the path, 409 unique-constraint conflict, 422 refused by Odoo, 429 throttled
(`Retry-After`). A failed request writes nothing. Each operation lists the statuses it may answer;
its `default` response is the same problem shape for any other status.

**Throttling.** Throttled keys get `RateLimit-Policy` and `RateLimit` headers on every response.

**Several databases.** On a server hosting several databases, name the database of each request
in the `X-Odoo-Database` header (or the `db` query parameter); a single database needs nothing.
"""
CREDENTIALS_DESCRIPTION = (
    "\n**Credentials are never served**: models whose name starts with "
    + ", ".join(f"`{prefix}`" for prefix in DENIED_MODEL_PREFIXES)
    + " answer 403 on every path, whatever the key's scope (keys and tokens are managed in Odoo itself).\n"
)
LOGIN_REQUIRED_DESCRIPTION = """
**This API key requires a login token** on every request but `POST /api/generate_token` (and
this documentation): send the token with the key, in `Login-Token` (or as `Authorization: Bearer
<token>` with the key in `api-key`); a request with the key alone gets 401.
"""
LOGIN_FLOW_DESCRIPTION = """Get one with the key alone: `POST /api/generate_token` (body
`{"expiration_days": 10}`, optionally `"user_id"`) returns it in `login_token`.
"""
LOGIN_ISSUED_DESCRIPTION = """This key may not generate tokens itself: an administrator issues them
(user form, "REST API" tab).
"""


def _document_description(models, compact, token_generation, login_token_required):
    description = API_DESCRIPTION + CREDENTIALS_DESCRIPTION
    if models is None:
        description += (
            "\nThis is the generic document. Authorize with an API key to get one set of paths per model "
            "the key may use, with the fields of each model.\n"
        )
    elif compact:
        description += (
            f"\nThis API key may use {len(models)} models: more than the {MAX_DETAILED_MODELS} a document details, "
            "so each operation lists them in its `model` parameter. For the paths and fields of the models you "
            f"need, ask for them, up to {MAX_DETAILED_MODELS} at a time: `?models=res.partner,sale.order`; "
            "`GET /api/{model}/schema` describes the fields of any of them.\n"
        )
    if login_token_required:
        description += LOGIN_REQUIRED_DESCRIPTION
        description += LOGIN_FLOW_DESCRIPTION if token_generation else LOGIN_ISSUED_DESCRIPTION
    return description


def _in_documentation_order(models):
    """``models`` (ModelDocs) as their tags appear: see :mod:`.tags`."""
    by_name = {doc.model: doc for doc in models}
    return [by_name[name] for name in documentation_order(by_name)]


def build_openapi(
    server_url,
    models=None,
    *,
    version,
    title="Odoo REST API",
    max_limit=None,
    token_generation=True,
    login_token_required=False,
    compact=False,
):
    """The OpenAPI 3.1 document (a dict, ready for JSON).

    ``models``: the :class:`ModelDoc` of every model to document, or ``None``
    for the anonymous document (generic ``/api/{model}`` paths only); models
    for which ``rest_api_auth.scope.model_denied`` holds are never documented.
    ``compact``: document ``models`` (their fields unused) through the
    generic paths, each operation listing the models it may be used on.
    ``token_generation``: whether to document ``POST /api/generate_token``.
    ``login_token_required``: the key needs a login token on data requests:
    they require it (``TOKEN_SECURITY``), and the token endpoint comes first.
    """
    if models is not None:
        models = [doc for doc in models if doc.operations and not model_denied(doc.model)]
    schemas = _shared_schemas()
    paths, tags = {}, []
    if models is None:
        paths.update(_model_paths(None, "Records", set(OPERATIONS)))
        tags.append({"name": "Records", "description": "Any model the API key may use."})
    elif compact:
        paths.update(_compact_paths(models))
        tags.append({"name": "Records", "description": "The models this API key may use."})
    else:
        for model_doc in _in_documentation_order(models):
            paths.update(_model_paths(model_doc.model, model_doc.model, model_doc.operations, model_doc.methods))
            schemas.update(model_schemas(model_doc))
            tags.append({"name": model_doc.model, "description": model_doc.description or model_doc.model})
    if token_generation:
        paths.update(_token_paths("Login tokens"))
        token_tag = {"name": "Login tokens", "description": "JWT login tokens acting as an individual user."}
        # a key that requires tokens starts there (in Swagger UI, and as the collection's first folder)
        tags.insert(0 if login_token_required else len(tags), token_tag)
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": version,
            "description": _document_description(models, compact, token_generation, login_token_required),
        },
        "servers": [{"url": server_url}],
        "security": TOKEN_SECURITY if login_token_required else SECURITY,
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": _parameters(max_limit),
            "headers": _headers(),
            "responses": _error_responses(),
            "securitySchemes": _security_schemes(),
        },
    }
    return add_body_examples(document)
