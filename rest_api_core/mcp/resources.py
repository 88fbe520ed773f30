"""The MCP resources: the JSON Schema of each model the key may read, as its user sees it.

One resource per model, ``odoo://model/{model}/schema`` (a resource template; ``odoo:`` names
no network location, so a client never mistakes it for a URL to fetch, and the model's
technical name is the path segment the REST paths use too). Its text is a JSON Schema
(2020-12) document: the model's record schema, with its values and create schemas in
``$defs``; the very schemas of the OpenAPI document (:mod:`..model_schemas`, built from the
field-type contract the server validates writes against), as ``fields_get()`` of the user
shows the fields.

A model the key may not read (scope, the user's access rights, credential models, wizards,
abstract models) is no resource: listing leaves it out and reading it is "resource not
found", exactly as for a model that does not exist. ``resources/list`` is paginated by model
name (the cursor: the last name of the page), so a page is bounded whatever the registry holds.
"""

import bisect
import json
import re

from odoo.http import request

from odoo.addons.rest_api_auth.scope import MODEL_NAME

from .. import field_types
from ..key_access import allowed_operations, may
from ..model_schemas import (
    COMMAND_OPERATIONS,
    defaulted_fields,
    model_schemas,
    record_schema_name,
    scoped_command_values,
    values_schema_name,
)
from .protocol import INVALID_PARAMS, RESOURCE_NOT_FOUND, ProtocolError

URI_TEMPLATE = "odoo://model/{model}/schema"
SCHEMA_URI = re.compile(f"^{re.escape(URI_TEMPLATE).replace(re.escape('{model}'), f'(?P<model>{MODEL_NAME})')}$")
MAX_URI_LENGTH = 256  # longer than any model's URI: refused before anything is looked up
MIME_TYPE = "application/schema+json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
PAGE_SIZE = 50  # resources per resources/list page
TEMPLATE = {
    "uriTemplate": URI_TEMPLATE,
    "name": "model_schema",
    "title": "Model schema",
    "description": "The JSON Schema of a model's records as this API key's user sees them: each field's "
    "type and value forms (read), and in $defs what a create and an update accept. {model} is the "
    "technical name, e.g. res.partner.",
    "mimeType": MIME_TYPE,
}


def schema_uri(model):
    return URI_TEMPLATE.format(model=model)


def _readable(scope, name):
    """Whether the key's ``scope`` and its user's access rights let it read model ``name``."""
    model = request.env.registry.get(name)
    return model is not None and not (model._abstract or model._transient) and may(request.env, scope, name, "read")


def _cursor(params):
    cursor = params.get("cursor")
    if cursor is None or (isinstance(cursor, str) and re.fullmatch(MODEL_NAME, cursor)):
        return cursor
    raise ProtocolError(INVALID_PARAMS, "Invalid cursor: pass the nextCursor of the previous page.")


def list_resources(auth, params):
    """A ``resources/list`` page: the schemas of the models the key may read, by name, from the cursor."""
    after = _cursor(params)
    names = auth.scope.allowed_models()
    if names is None:
        names = sorted(request.env.registry)
    resources = []
    for name in names[bisect.bisect_right(names, after) if after else 0 :]:
        if not _readable(auth.scope, name):
            continue
        if len(resources) == PAGE_SIZE:
            return {"resources": resources, "nextCursor": resources[-1]["name"]}
        model = request.env[name]
        resources.append(
            {
                "uri": schema_uri(name),
                "name": name,
                "title": model._description or name,
                "description": f"JSON Schema of a {name} record, and of its values ($defs).",
                "mimeType": MIME_TYPE,
            }
        )
    return {"resources": resources}


def list_templates(auth, params):
    """``resources/templates/list``: the model schema template, for a key that may read some model."""
    _cursor(params)
    names = auth.scope.allowed_models()
    if names is not None and not any(_readable(auth.scope, name) for name in names):
        return {"resourceTemplates": []}
    return {"resourceTemplates": [TEMPLATE]}


def read_resource(auth, params):
    """``resources/read``: the JSON Schema document of the model the URI names."""
    uri = params.get("uri")
    if not isinstance(uri, str) or len(uri) > MAX_URI_LENGTH:
        raise ProtocolError(INVALID_PARAMS, f"uri must be a string of at most {MAX_URI_LENGTH} characters.")
    match = SCHEMA_URI.match(uri)
    if not match or not _readable(auth.scope, match["model"]):
        raise ProtocolError(RESOURCE_NOT_FOUND, "Resource not found.", data={"uri": uri})
    document = schema_document(auth.scope, match["model"])
    return {"contents": [{"uri": uri, "mimeType": MIME_TYPE, "text": json.dumps(document, ensure_ascii=False)}]}


def schema_document(scope, name):
    """The JSON Schema document of model ``name``: its record schema, its values and create
    schemas in ``$defs`` (which its own x2many commands reference)."""
    records = request.env[name]
    fields = records.fields_get(attributes=field_types.FIELD_ATTRIBUTES)
    schemas = model_schemas(
        name, records._description, fields, defaulted_fields(request.env, records), _command_values(scope, name)
    )
    record = schemas.pop(record_schema_name(name))
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_uri(name), **record, "$defs": schemas}


def _command_values(scope, name):
    """The x2many commands the key may send: create/update commands where the scope and the user's
    access rights allow them on the comodel; the model's own values referenced in ``$defs``."""
    operations = {}

    def comodel_operations(relation):
        if relation not in operations:
            operations[relation] = allowed_operations(request.env, scope, relation, COMMAND_OPERATIONS.values())
        return operations[relation]

    def values_ref(relation):
        return {"$ref": f"#/$defs/{values_schema_name(name)}"} if relation == name else None

    return scoped_command_values(comodel_operations, values_ref)
