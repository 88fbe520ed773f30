"""The JSON Schemas of one model: its records, values, new records (OpenAPI document, MCP resources).

Each field's schemas are the field-type contract's (:mod:`.field_types`): the server validates
writes against exactly the write schemas published here. Odoo serializes an empty value as
``false`` (not ``null``), so "string or empty" is
``anyOf: [{"type": "string"}, {"type": "boolean", "const": false}]``; writes also take ``null``.
The OpenAPI document (``rest_api_docs``) and the MCP resources (:mod:`.mcp.resources`) differ
only in where their ``$ref`` point (``command_values``).
"""

from . import field_types

# x2many command code -> the operation it needs on the comodel (``reach``)
COMMAND_OPERATIONS = {0: "create", 1: "write"}


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
    (``command_values``: see :func:`scoped_command_values`)."""
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


def scoped_command_values(operations, values_ref):
    """``command_values(relation, code)`` for :func:`.field_types.x2many_commands_schema`:
    the command is left out where the key may not create/write the comodel's records
    (``operations(relation)``: what it may do there; the server refuses the command whatever
    its values: 403); its values are ``values_ref(relation)`` (a ``$ref`` to the comodel's
    values schema, exactly what the server checks them against) or, when that is None, an
    object of the comodel's fields."""

    def command_values(relation, code):
        if COMMAND_OPERATIONS[code] not in operations(relation):
            return None
        return values_ref(relation) or {"type": "object", "description": f"Values of a `{relation}` record."}

    return command_values


def model_schemas(model, label, fields, defaulted, command_values):
    """``{name: schema}`` of one model's records, writable values and create body: ``fields``
    its ``fields_get()`` (attributes :data:`.field_types.FIELD_ATTRIBUTES`), ``defaulted`` the
    fields a create may omit (:func:`defaulted_fields`), ``command_values`` the values of its
    x2many commands (:func:`scoped_command_values`)."""
    properties, writable, required = {}, {}, []
    for name, fields_get_entry in fields.items():
        description = field_types.contract_description(fields_get_entry)
        read, write = field_schemas(name, description, command_values)
        properties[name] = read
        if field_types.writable(name, description):
            writable[name] = write
            if field_types.required_on_create(description) and name not in defaulted:
                required.append(name)
    label = label or model
    values = {
        "type": "object",
        "title": f"{label} (values)",
        "description": f"Values to write on a `{model}` record: any of its writable fields.",
        "properties": writable,
        "additionalProperties": False,
    }
    create = {**values, "title": f"{label} (new record)", "description": f"Values of a new `{model}` record."}
    if required:
        create["required"] = required
    return {
        record_schema_name(model): {
            "type": "object",
            "title": label,
            "description": f"A `{model}` record: the fields asked for in `fields`, and `id`.",
            "properties": properties,
        },
        values_schema_name(model): values,
        create_schema_name(model): create,
    }


def defaulted_fields(env, model):
    """Fields of ``model`` (a recordset) that get a value when a create omits them: defaults,
    computes, related, ``ir.default``, the links to ``_inherits`` parents (Odoo creates the
    parent: ``product.product.product_tmpl_id``; a new user gets a new partner: an example must
    not name one) and the parents' fields that get one there."""
    names = set(model._inherits.values())
    parents = {}
    for name, field in model._fields.items():
        if field.inherited:
            parent = field.related_field.model_name
            if parent not in parents:
                parents[parent] = defaulted_fields(env, env[parent])
            if name in parents[parent]:
                names.add(name)
        elif field.default is not None or field.compute or field.related:
            names.add(name)
    return frozenset(names | set(env["ir.default"]._get_model_defaults(model._name)))


def record_schema_name(model):
    return model


def values_schema_name(model):
    return f"{model}-values"


def create_schema_name(model):
    return f"{model}-create"
