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


def field_schemas(name, description):
    """``(read schema, write schema)`` of field ``name`` with its ``fields_get()`` ``description``."""
    read, write = field_types.read_schema(description), field_types.write_schema(description)
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


def model_schemas(model_doc):
    """The component schemas of one model: its records, writable values, and create body."""
    properties, writable, required = {}, {}, []
    for name, fields_get_entry in model_doc.fields.items():
        description = field_types.contract_description(fields_get_entry)
        read, write = field_schemas(name, description)
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
