"""The MCP tools: the REST operations under other names, each running the REST endpoint's checks.

Each tool names the key-scope operation it performs on its model (:data:`TOOLS`); it runs the
steps of its REST endpoint (``controllers.api``): the scope check, the reach checks of domains
and x2many commands, the user's access rights and record rules, the bounds of every
client-sized input; ``call_method`` is ``execute_kw`` itself. Their inputs are JSON Schemas
made of the field-type contract (``field_types``) and the query bounds (``query``,
``settings``). ``tools/list`` shows a key only the tools its scope allows on some model, with
those models as the ``model`` enum when the key names its models.
"""

import json
from dataclasses import dataclass

from odoo.http import request

from odoo.addons.rest_api_auth.authentication import check_scope
from odoo.addons.rest_api_auth.exceptions import BadRequest, NotFound
from odoo.addons.rest_api_auth.scope import MODEL_NAME

from .. import endpoints, field_types, query, references, serialization, settings
from ..controllers.api import _domain, _domain_reach, _field_names, _fields_of, _model, _record, call_method
from ..dispatch import orm_values
from ..key_access import may
from ..reach import check_reach, x2many_effects
from .protocol import INVALID_PARAMS, ProtocolError


@dataclass(frozen=True)
class Tool:
    name: str
    operation: str  # the key-scope operation it performs on its model
    title: str
    description: str
    read_only: bool = False
    destructive: bool = False


TOOLS = (
    Tool(
        "search_records",
        "read",
        "Search records",
        "Records of a model matching a domain, a page at a time (next_offset when more follow).",
        read_only=True,
    ),
    Tool("read_record", "read", "Read a record", "One record by id, with the fields asked for.", read_only=True),
    Tool("count_records", "read", "Count records", "How many records of a model match a domain.", read_only=True),
    Tool(
        "describe_model",
        "read",
        "Describe a model",
        "The fields of a model the user may read: type, label, required, readonly (writable), "
        "selection values, related model.",
        read_only=True,
    ),
    Tool("create_record", "create", "Create a record", "Create a record with field values; returns its id."),
    Tool("update_record", "write", "Update a record", "Write field values on a record; fields not given are kept."),
    Tool("delete_record", "unlink", "Delete a record", "Delete a record.", destructive=True),
    Tool(
        "call_method",
        "execute",
        "Call a model method",
        "Call a public method of a model as Odoo's execute_kw does (record ids first in args for record "
        "methods); the result as JSON.",
        destructive=True,
    ),
)
BY_NAME = {tool.name: tool for tool in TOOLS}

DOMAIN = {
    "type": "array",
    "description": 'An Odoo domain: conditions ["field", "operator", value] (dotted paths follow relations) '
    'combined with "&" (the default), "|" and "!"; [] matches every record.',
    "items": {
        "anyOf": [
            {"type": "string", "enum": ["&", "|", "!"]},
            {
                "type": "array",
                "prefixItems": [{"type": "string"}, {"type": "string"}, {}],
                "minItems": 3,
                "maxItems": 3,
            },
        ]
    },
}
FIELDS = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Field names to return; default: every field the user may read except binary ones.",
}
ORDER = {"type": "string", "description": 'Sort order, e.g. "name asc, id desc".'}


def _values_schema():
    forms = "; ".join(f"{name}: {kind.reason}" for name, kind in field_types.FIELD_TYPES.items())
    return {
        "type": "object",
        "description": "Field values by field name (describe_model tells which fields are writable and "
        f"their types). By field type: {forms}.",
    }


def _model_schema(models):
    if models is None:
        return {"type": "string", "pattern": f"^{MODEL_NAME}$", "description": "Technical model name, "
                "e.g. res.partner."}  # fmt: skip
    return {"type": "string", "enum": models, "description": "Technical name of a model this API key may use."}


def input_schema(tool, models=None, methods=()):
    """The JSON Schema of ``tool``'s arguments; ``models``: the model enum (None: any model);
    ``methods``: the methods ``call_method`` may name (empty: any public method)."""
    default_limit, max_limit = settings.page_limits(request.env)
    record_id = {**field_types.record_id(), "description": "The record id."}
    properties = {
        "search_records": {
            "domain": DOMAIN,
            "fields": FIELDS,
            "order": ORDER,
            "limit": query.limit_schema(default_limit, max_limit),
            "offset": query.OFFSET_SCHEMA,
        },
        "read_record": {"id": record_id, "fields": FIELDS},
        "count_records": {"domain": DOMAIN},
        "describe_model": {},
        "create_record": {"values": _values_schema()},
        "update_record": {"id": record_id, "values": _values_schema()},
        "delete_record": {"id": record_id},
        "call_method": endpoints.execute_kw_body_schema(methods)["properties"],
    }[tool.name]
    required = {"read_record": ["id"], "create_record": ["values"], "update_record": ["id", "values"],
                "delete_record": ["id"], "call_method": ["method"]}.get(tool.name, [])  # fmt: skip
    return {
        "type": "object",
        "properties": {"model": _model_schema(models), **properties},
        "required": ["model", *required],
        "additionalProperties": False,
    }


def _usable_models(scope, operation):
    """The models ``scope`` and the user's access rights allow ``operation`` on (``key_access``),
    or None when the scope does not name its models."""
    names = scope.allowed_models()
    if names is None:
        return None
    registry = request.env.registry
    return [
        name
        for name in names
        if name in registry and not registry[name]._abstract and may(request.env, scope, name, operation)
    ]


def _allowed_methods(scope, models):
    """The methods ``call_method`` may name when every model of the key has an allow-list, else ()."""
    if not models:
        return ()
    lists = [scope.access[name].methods for name in models]
    return sorted(set().union(*lists)) if all(lists) else ()


def list_tools(auth):
    """The ``tools/list`` entries this key may use."""
    listed = []
    for tool in TOOLS:
        models = _usable_models(auth.scope, tool.operation)
        if models == []:
            continue
        methods = _allowed_methods(auth.scope, models) if tool.name == "call_method" else ()
        listed.append(
            {
                "name": tool.name,
                "title": tool.title,
                "description": tool.description,
                "inputSchema": input_schema(tool, models, methods),
                "annotations": {
                    "title": tool.title,
                    "readOnlyHint": tool.read_only,
                    "destructiveHint": tool.destructive,
                    "idempotentHint": tool.read_only or tool.name in ("update_record", "delete_record"),
                    "openWorldHint": False,
                },
            }
        )
    return listed


def call_tool(auth, params):
    """``(structured result, its JSON text)`` of the ``tools/call`` ``params``. Raises the REST
    API's errors for refusals (the caller makes them tool errors), ``ProtocolError`` for a call
    that names no tool."""
    name, arguments = params.get("name"), params.get("arguments", {})
    tool = BY_NAME.get(name) if isinstance(name, str) else None
    if tool is None:
        raise ProtocolError(INVALID_PARAMS, f"Unknown tool {name!r}; tools/list names the tools.")
    if not isinstance(arguments, dict):
        raise BadRequest("The arguments must be an object.")
    schema = input_schema(tool)
    if tool.name == "call_method":  # execute_kw refuses private methods with 403, before the body's schema
        schema["properties"]["method"] = {"type": "string"}
    endpoints.check_body(schema, arguments)  # the scope refuses models and methods (403), not the schema
    model = arguments["model"]
    check_scope(auth.key, model, tool.operation, None)
    if tool.name == "call_method":
        body = {key: arguments[key] for key in ("method", "args", "kwargs") if key in arguments}
        text = call_method(auth, model, body).decode()
        return {"result": json.loads(text)}, f'{{"result":{text}}}'
    result = _RUNNERS[tool.name](auth, _model(model), arguments)
    text = serialization.dumps(result).decode()
    return json.loads(text), text


def _text(value):
    """A JSON argument as the REST endpoints' query parameter text (parsed and bounded alike)."""
    return None if value is None else json.dumps(value)


def _search(auth, records, arguments):
    domain = _domain(_text(arguments.get("domain")), records)
    check_reach(auth.scope, _domain_reach(domain, records), "filtering on")
    names = _field_names(records, _text(arguments.get("fields")))
    order = query.parse_order(arguments.get("order"), records._fields)
    default_limit, _max_limit = settings.page_limits(request.env)
    limit, offset = int(arguments.get("limit", default_limit)), int(arguments.get("offset", 0))
    with orm_values():
        rows = records.search_read(domain, names, offset=offset, limit=limit + 1, order=order)
    result = {"records": rows[:limit]}
    if len(rows) > limit:
        result["next_offset"] = offset + limit
    return result


def _read(_auth, records, arguments):
    names = _field_names(records, _text(arguments.get("fields")))
    record_id = int(arguments["id"])
    with orm_values():
        rows = records.browse(record_id).read(names)
    if not rows:
        raise NotFound(f"{records._name} record {record_id} does not exist.")
    return rows[0]


def _count(auth, records, arguments):
    domain = _domain(_text(arguments.get("domain")), records)
    check_reach(auth.scope, _domain_reach(domain, records), "filtering on")
    with orm_values():
        count = records.search_count(domain)
    return {"model": records._name, "domain": domain, "record_count": count}


def _describe(_auth, records, _arguments):
    records.check_access("read")
    described = records.fields_get(attributes=field_types.FIELD_ATTRIBUTES)
    for name, description in described.items():
        description["writable"] = field_types.writable(name, field_types.contract_description(description))
    return {"model": records._name, "fields": described}


def _write_values(auth, records, values, creating):
    model = records._name
    values = serialization.to_write_values(values, field_types.describer(records.env), model)
    check_reach(auth.scope, x2many_effects(values, model, _fields_of(records), creating=creating), "the commands of")
    return values


def _create(auth, records, arguments):
    values = _write_values(auth, records, arguments["values"], creating=True)
    references.check_references(request.env, values, records._name, _fields_of(records))
    with orm_values():
        record = records.create(values)
        request.env.flush_all()
    return {"id": record.id, "message": endpoints.CREATED_MESSAGE}


def _update(auth, records, arguments):
    values = _write_values(auth, records, arguments["values"], creating=False)
    if not values:
        raise BadRequest("The values name no field to update.")
    record = _record(records, int(arguments["id"]))
    references.check_references(request.env, values, records._name, _fields_of(records))
    with orm_values():
        record.write(values)
        request.env.flush_all()
    return {"id": record.id, "message": endpoints.UPDATED_MESSAGE}


def _delete(_auth, records, arguments):
    record = _record(records, int(arguments["id"]))
    with orm_values():
        record.unlink()
        request.env.flush_all()
    return {"id": record.id, "message": endpoints.DELETED_MESSAGE}


_RUNNERS = {
    "search_records": _search,
    "read_record": _read,
    "count_records": _count,
    "describe_model": _describe,
    "create_record": _create,
    "update_record": _update,
    "delete_record": _delete,
}
