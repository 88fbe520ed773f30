"""The field-type contract: the JSON read schema and write schema of each Odoo field type.

One table, :data:`FIELD_TYPES`, says for every field type what a read
returns and what a write accepts, as JSON Schema (2020-12, as OpenAPI 3.1
uses it). The server validates request bodies against the write schemas
(:mod:`.serialization`), and the OpenAPI document publishes the very same
objects (``rest_api_docs``), so the two cannot disagree.

The decisions, for every type (docs/api.md, "Field values"):

* reads are Odoo's ``read()``: an empty value is ``false``;
* ``false`` or ``null`` empties a field on write, for every type that has an
  empty value (text, dates, relations, binaries, selections...) unless the
  field is required; booleans and numbers take only their own values (Odoo
  stores ``0`` for an empty number, and reads it back as ``0``);
* numbers follow JSON Schema: ``2.0`` is the integer ``2`` (whole-number
  floats are accepted wherever an integer is, ids included);
* integers are PostgreSQL ``integer`` (32 bits); ids are 1 to 2**31 - 1; floats and
  monetaries at most 1e300 in magnitude (Odoo's rounding overflows beyond);
* dates are ``YYYY-MM-DD``, datetimes ``YYYY-MM-DD HH:MM:SS`` in UTC, read
  and written (Odoo's own format; a datetime may be written as a date, at
  midnight); the patterns accept only days that exist;
* texts may not contain the NUL character (PostgreSQL cannot store it),
  and a ``char`` field with a size is refused longer (Odoo would cut it);
* x2many fields take an id list ("exactly these records") or Odoo's
  commands, the short ones optionally padded with ``0``/``false`` as
  Odoo's ``Command`` helpers make them (``[4, 7, 0]``);
* read-only fields (and fields relating to credential models) are not
  writable: a write naming one is refused, not silently ignored.

Every schema is built afresh (callers may annotate them).
"""

import re

from odoo.addons.rest_api_auth.scope import MODEL_NAME, model_denied

MAX_ID = 2**31 - 1  # PostgreSQL integer: larger ids cannot exist
MIN_INTEGER = -(2**31)
# Odoo rounds a float to its digits, and a monetary to its currency, through value * 10**digits:
# beyond 1e300 that overflows (OverflowError in float_round, a 500), up to 8 digits
MAX_FLOAT = 1e300
# the fields_get() attributes the contract (and the documentation) uses
FIELD_ATTRIBUTES = (
    "type",
    "string",
    "help",
    "required",
    "readonly",
    "selection",
    "relation",
    "size",
    "model_field",
    "currency_field",
)
# Set by Odoo itself, never by a client.
SYSTEM_FIELDS = frozenset({"id", "create_uid", "create_date", "write_uid", "write_date"})
X2MANY_TYPES = frozenset({"one2many", "many2many"})

_YEAR = "[1-9][0-9]{3}"
_LEAP_YEAR = "([1-9][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[13579][26])00)"
# a day that exists: 01-28 of any month, 29-30 but in February, 31 of long months, 29 February of leap years
DATE = (
    f"({_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
    f"|{_YEAR}-(0[13-9]|1[0-2])-(29|30)"
    f"|{_YEAR}-(0[13578]|1[02])-31"
    f"|{_LEAP_YEAR}-02-29)"
)
TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
DATE_PATTERN = f"^{DATE}$"
DATETIME_PATTERN = f"^{DATE} {TIME}$"
DATETIME_WRITE_PATTERN = f"^{DATE}( {TIME})?$"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
NO_NUL = "^[^\\u0000]*$"
BASE64_PATTERN = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
REFERENCE_PATTERN = f"^{MODEL_NAME},[1-9][0-9]{{0,9}}$"
COMMAND_FORMS = "[0, 0, {values}], [1, id, {values}], [2, id], [3, id], [4, id], [5] or [6, 0, [ids]]"
COMMAND_TEXTS = (
    (0, "`[0, 0, {values}]` create"),
    (1, "`[1, id, {values}]` update"),
    (2, "`[2, id]` delete"),
    (3, "`[3, id]` unlink"),
    (4, "`[4, id]` link"),
    (5, "`[5]` clear"),
    (6, "`[6, 0, [ids]]` replace"),
)


def empty():
    """Odoo's empty value, as reads return it."""
    return {"type": "boolean", "const": False}


def _or_empty(schema):
    return {"anyOf": [schema, empty()]}


def _or_cleared(schema):
    """A write schema that also takes ``false`` or ``null`` to empty the field."""
    return {"anyOf": [schema, empty(), {"type": "null"}]}


def record_id():
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _string(description=None, write=False):
    schema = {"type": "string"}
    if write:
        schema["pattern"] = NO_NUL
        if description and description.get("size"):
            schema["maxLength"] = description["size"]
    return schema


def enum_names(values):
    """Unique identifiers for enum ``values`` (``x-enum-varnames``): code generators make them
    member names, and ``GMT+0``/``GMT-0``/``GMT0`` would otherwise all be ``GMT0``."""
    names, seen = [], set()
    for index, value in enumerate(values):
        text = str(value).replace("+", "_plus_").replace("-", "_minus_")
        name = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").upper() or "EMPTY"
        if not name[0].isalpha():
            name = f"VALUE_{name}"
        if name.replace("_", "") in seen:
            name = f"{name}_{index}"
        seen.add(name.replace("_", ""))
        names.append(name)
    return names


def _selection(description):
    values = [value for value, _label in description.get("selection") or ()]
    if not values:
        return {"type": "string"}
    schema = {"enum": values, "x-enum-varnames": enum_names(values)}
    if all(isinstance(value, str) for value in values):
        schema["type"] = "string"
    elif all(isinstance(value, int) and not isinstance(value, bool) for value in values):
        schema["type"] = "integer"
    return schema


def _padding():
    """What may follow a command's meaningful members: ``Command.link(7)`` is ``(4, 7, 0)``."""
    return {"anyOf": [{"type": "integer", "const": 0}, empty()]}


def _command(code, *items, padded_to=None):
    prefix = [code, *items]
    schema = {"type": "array", "prefixItems": prefix, "minItems": len(prefix)}
    if padded_to:
        schema.update(maxItems=padded_to, items=_padding())
    else:
        schema.update(maxItems=len(prefix), items={})  # nothing beyond the prefix; not ``false``, which
        # some code generators cannot read
    return schema


def any_values(_relation, _code):
    """The values of every create/update command, as the server checks a command's shape: any
    object (:mod:`.serialization` then checks them against the comodel's own write schemas)."""
    return {"type": "object", "description": "Values of the related record."}


def x2many_commands_schema(relation=None, command_values=any_values):
    """A list of Odoo commands of exactly Odoo's shapes.

    ``command_values(relation, code)`` is the schema of the values of the create (``0``) and
    update (``1``) commands on comodel ``relation``, or ``None`` where that command is not
    accepted at all: the OpenAPI document gives a ``$ref`` to the comodel's values schema
    (``rest_api_docs.model_schemas``), the server's shape check any object (:func:`any_values`).
    """
    commands = [
        _command({"type": "integer", "const": code}, first, values)
        for code, first in ((0, _padding()), (1, record_id()))  # create, update
        if (values := command_values(relation, code)) is not None
    ]
    commands += [
        _command({"type": "integer", "enum": [2, 3, 4]}, record_id(), padded_to=3),  # delete, unlink, link
        _command({"type": "integer", "const": 5}, padded_to=3),  # clear
        _command({"type": "integer", "const": 6}, _padding(), {"type": "array", "items": record_id()}),  # set
    ]
    forms = [form for code, form in COMMAND_TEXTS if code > 1 or command_values(relation, code) is not None]
    return {"type": "array", "items": {"anyOf": commands}, "description": f"Odoo commands: {', '.join(forms)}."}


def _x2many_write(description, command_values=any_values):
    ids = {"type": "array", "items": record_id(), "description": "Record ids: they replace the current set."}
    commands = x2many_commands_schema(description.get("relation"), command_values)
    return _or_cleared({"anyOf": [ids, commands]})


def _many2one_read(_description):
    # [id, display name]: not written with prefixItems, which some validators
    # (schemathesis 4) reject in response schemas
    pair = {
        "type": "array",
        "items": {"anyOf": [{"type": "integer"}, {"type": "string"}, empty()]},
        "minItems": 2,
        "maxItems": 2,
    }
    return _or_empty(pair)


def _properties_write(_description):
    value = {"description": "The property's value."}
    definition = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    return _or_cleared(
        {
            "anyOf": [
                {"type": "object", "description": "Property values by property name.", "additionalProperties": value},
                {"type": "array", "items": definition, "description": "Properties with their definitions."},
            ]
        }
    )


def _properties_definition_write(_description):
    definition = {
        "type": "object",
        "required": ["name", "type"],
        "properties": {"name": {"type": "string", "pattern": "^[a-z0-9_]+$"}, "type": {"type": "string"}},
    }
    return _or_cleared({"type": "array", "items": definition})


class FieldType:
    """How one Odoo field type reads and writes: ``read(description)`` and ``write(description)``
    build its schemas from a ``fields_get()`` entry; ``reason`` says what a write takes."""

    def __init__(self, read, write, reason, text=None):
        self.read, self.write, self.reason, self.text = read, write, reason, text


def _fixed(build):
    return lambda _description: build()


_CLEARED = "; false or null empties it"
_FLOAT_REASON = "a number, at most 1e300 in magnitude"


def _float_write():
    return {"type": "number", "minimum": -MAX_FLOAT, "maximum": MAX_FLOAT}


ANY = FieldType(_fixed(dict), _fixed(dict), "any JSON value")

# Odoo field type -> its contract. Field types of other modules are any JSON value (ANY).
FIELD_TYPES = {
    "boolean": FieldType(_fixed(lambda: {"type": "boolean"}), _fixed(lambda: {"type": "boolean"}), "true or false"),
    "integer": FieldType(
        _fixed(lambda: {"type": "integer"}),
        _fixed(lambda: {"type": "integer", "minimum": MIN_INTEGER, "maximum": MAX_ID}),
        "an integer (32 bits)",
    ),
    "many2one_reference": FieldType(
        _fixed(lambda: {"type": "integer"}),
        _fixed(lambda: {"type": "integer", "minimum": 0, "maximum": MAX_ID}),
        "a record id, or 0",
    ),
    "float": FieldType(_fixed(lambda: {"type": "number"}), _fixed(_float_write), _FLOAT_REASON),
    "monetary": FieldType(_fixed(lambda: {"type": "number"}), _fixed(_float_write), _FLOAT_REASON),
    "char": FieldType(
        lambda d: _or_empty(_string()),
        lambda d: _or_cleared(_string(d, write=True)),
        "a string without NUL characters, of at most `size` characters" + _CLEARED,
    ),
    "text": FieldType(
        lambda d: _or_empty(_string()), lambda d: _or_cleared(_string(d, write=True)), "a string" + _CLEARED
    ),
    "html": FieldType(
        _fixed(lambda: _or_empty({"type": "string", "contentMediaType": "text/html"})),
        _fixed(lambda: _or_cleared({"type": "string", "contentMediaType": "text/html", "pattern": NO_NUL})),
        "an HTML string" + _CLEARED,
    ),
    "date": FieldType(
        _fixed(lambda: _or_empty({"type": "string", "format": "date", "examples": ["2026-01-31"]})),
        _fixed(lambda: _or_cleared({"type": "string", "pattern": DATE_PATTERN, "examples": ["2026-01-31"]})),
        "a date, YYYY-MM-DD" + _CLEARED,
    ),
    "datetime": FieldType(
        _fixed(lambda: _or_empty({"type": "string", "pattern": DATETIME_PATTERN, "examples": ["2026-01-31 13:45:00"]})),
        _fixed(
            lambda: _or_cleared(
                {"type": "string", "pattern": DATETIME_WRITE_PATTERN, "examples": ["2026-01-31 13:45:00"]}
            )
        ),
        "a UTC datetime, YYYY-MM-DD HH:MM:SS (or a date: midnight)" + _CLEARED,
        text="UTC, `YYYY-MM-DD HH:MM:SS`.",
    ),
    "selection": FieldType(
        lambda d: _or_empty(_selection(d)), lambda d: _or_cleared(_selection(d)), "one of the values" + _CLEARED
    ),
    "reference": FieldType(
        _fixed(lambda: _or_empty({"type": "string", "pattern": REFERENCE_PATTERN, "examples": ["res.partner,1"]})),
        _fixed(lambda: _or_cleared({"type": "string", "pattern": REFERENCE_PATTERN, "examples": ["res.partner,1"]})),
        "`model,id`" + _CLEARED,
        text="`model,id` of the referenced record, or `false`.",
    ),
    "many2one": FieldType(_many2one_read, _fixed(lambda: _or_cleared(record_id())), "a record id" + _CLEARED),
    "one2many": FieldType(
        _fixed(lambda: {"type": "array", "items": {"type": "integer"}}),
        _x2many_write,
        f"a list of record ids or of Odoo commands ({COMMAND_FORMS})" + _CLEARED,
    ),
    "binary": FieldType(
        _fixed(lambda: _or_empty({"type": "string", "contentEncoding": "base64"})),
        _fixed(lambda: _or_cleared({"type": "string", "contentEncoding": "base64", "pattern": BASE64_PATTERN})),
        "base64-encoded content" + _CLEARED,
        text="Base64-encoded content; returned only when named in `fields`.",
    ),
    "properties": FieldType(
        _fixed(lambda: _or_empty({"type": "array", "items": {"type": "object"}})),
        _properties_write,
        "an object of property values by name, or a list of properties with their `name`" + _CLEARED,
    ),
    "properties_definition": FieldType(
        _fixed(lambda: _or_empty({"type": "array", "items": {"type": "object"}})),
        _properties_definition_write,
        "a list of property definitions, each with its `name` and `type`" + _CLEARED,
    ),
    "json": ANY,
}
FIELD_TYPES["many2many"] = FIELD_TYPES["one2many"]


def field_type(description):
    return FIELD_TYPES.get(description.get("type"), ANY)


def read_schema(description):
    """What a read returns for a field with this ``fields_get()`` ``description``."""
    return field_type(description).read(description)


def write_schema(description, command_values=any_values):
    """What a write accepts for a field with this ``fields_get()`` ``description``: a required
    field cannot be emptied (Odoo refuses a create or write that leaves it empty).
    ``command_values``: the values of an x2many's create/update commands (see
    :func:`x2many_commands_schema`)."""
    kind = field_type(description)
    if description.get("type") in X2MANY_TYPES:
        schema = kind.write(description, command_values)
    else:
        schema = kind.write(description)
    if description.get("required") and _is_cleared(schema):
        return schema["anyOf"][0]
    return schema


def _is_cleared(schema):
    return schema.get("anyOf", [None])[1:] == [empty(), {"type": "null"}]


def contract_description(description):
    """``description`` as the contract sees it: a field relating to a credential model is
    read-only (credentials are never changed through the API, not even through another model)."""
    if description.get("relation") and model_denied(description["relation"]) and not description.get("readonly"):
        return {**description, "readonly": True}
    return description


def writable(name, description):
    """Whether the API writes field ``name`` (with its :func:`contract_description`)."""
    return name not in SYSTEM_FIELDS and not description.get("readonly")


def required_on_create(description):
    """Whether Odoo refuses a create without a value for the field (when it has no default):
    required columns only; an x2many has none (``product.template.product_variant_ids`` is
    required, and Odoo fills it itself)."""
    return bool(description.get("required")) and description.get("type") not in X2MANY_TYPES


def describer(env):
    """``describe(model name, field names)``: ``{name: fields_get() entry}`` of the named fields of
    that model in ``env``, ``None`` for one that exists but that the user may not access; unknown
    names are left out. (Fields relating to credential models keep their type here: the reach
    checks refuse what their commands would do with a 403 that names the model.)"""

    def describe(model_name, names):
        model = env[model_name]
        described = model.fields_get(names, attributes=FIELD_ATTRIBUTES) if names else {}
        return {name: described.get(name) for name in names if name in model._fields}

    return describe
