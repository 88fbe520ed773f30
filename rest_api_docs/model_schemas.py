"""The component schemas of one model in the OpenAPI document: its records, values, new records.

Each field's schemas are the field-type contract's (``rest_api_core.field_types``):
the server validates writes against exactly the write schemas published here.
Odoo serializes an empty value as ``false`` (not ``null``), so "string or empty"
is ``anyOf: [{"type": "string"}, {"type": "boolean", "const": false}]``; writes
also take ``null``.
"""

from odoo.addons.rest_api_core import field_types


def _field_description(description):
    """A short text for the field: its help, plus what the type alone does not say."""
    field_type = description.get("type")
    parts = []
    if description.get("help"):
        parts.append(description["help"])
    if field_type == "many2one" and description.get("relation"):
        parts.append(f"Many2one to `{description['relation']}`: `[id, display name]`, or `false`; write an id.")
    elif field_type in field_types.X2MANY_TYPES and description.get("relation"):
        parts.append(f"{field_type.capitalize()} to `{description['relation']}`: a list of record ids.")
    elif field_type == "many2one_reference" and description.get("model_field"):
        parts.append(f"Id of a record of the model named by field `{description['model_field']}`.")
    elif field_type == "monetary" and description.get("currency_field"):
        parts.append(f"Amount in the currency of field `{description['currency_field']}`.")
    elif field_types.field_type(description).text:
        parts.append(field_types.field_type(description).text)
    return "\n\n".join(parts)


def field_schemas(name, description, command_values=field_types.any_values):
    """``(read schema, write schema)`` of field ``name`` with its ``fields_get()`` ``description``
    (``command_values``: see :func:`document_command_values`)."""
    read, write = field_types.read_schema(description), field_types.write_schema(description, command_values)
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


# x2many command code -> the operation it needs on the comodel (``reach``)
COMMAND_OPERATIONS = {0: "create", 1: "write"}


def document_command_values(model_doc, documented):
    """``command_values(relation, code)`` for :func:`.field_types.x2many_commands_schema` in the
    document of ``model_doc``, whose models are ``documented`` (``{model: operations}``): the
    values of a create/update command on a comodel of the document are its values schema (a
    ``$ref``: exactly what the server checks them against); the command is left out where the
    key may not create/write the comodel's records (the server refuses it whatever its values:
    403); otherwise (a comodel that ``?models=`` left out) an object of the comodel's fields."""

    def command_values(relation, code):
        operations = documented[relation] if relation in documented else model_doc.comodels.get(relation, ())
        if COMMAND_OPERATIONS[code] not in operations:
            return None
        if relation in documented:
            return {"$ref": schema_ref(values_schema_name(relation))}
        return {"type": "object", "description": f"Values of a `{relation}` record."}

    return command_values


def model_schemas(model_doc, documented=None):
    """The component schemas of one model: its records, writable values, and create body
    (``documented``: ``{model: operations}`` of the document, whose values its x2many commands
    reference; by default ``model_doc`` alone)."""
    if documented is None:
        documented = {model_doc.model: model_doc.operations}
    properties, writable, required = {}, {}, []
    command_values = document_command_values(model_doc, documented)
    for name, fields_get_entry in model_doc.fields.items():
        description = field_types.contract_description(fields_get_entry)
        read, write = field_schemas(name, description, command_values)
        properties[name] = read
        if field_types.writable(name, description):
            writable[name] = write
            if field_types.required_on_create(description) and name not in model_doc.defaulted:
                required.append(name)
    label = model_doc.description or model_doc.model
    values = {
        "type": "object",
        "title": f"{label} (values)",
        "description": f"Values to write on a `{model_doc.model}` record: any of its writable fields.",
        "properties": writable,
        "additionalProperties": False,
    }
    create = {
        **values,
        "title": f"{label} (new record)",
        "description": f"Values of a new `{model_doc.model}` record.",
    }
    if required:
        create["required"] = required
    return {
        record_schema_name(model_doc.model): {
            "type": "object",
            "title": label,
            "description": f"A `{model_doc.model}` record: the fields asked for in `fields`, and `id`.",
            "properties": properties,
        },
        values_schema_name(model_doc.model): values,
        create_schema_name(model_doc.model): create,
    }


def record_schema_name(model):
    return model


def values_schema_name(model):
    return f"{model}-values"


def create_schema_name(model):
    return f"{model}-create"


def schema_ref(name):
    return f"#/components/schemas/{name}"
