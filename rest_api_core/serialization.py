"""JSON in and out of the API (pure functions).

Out: records are what Odoo's ``read()`` returns (many2one ``[id, display
name]`` or ``false``, x2many id lists, ``false`` for empty values), encoded
with dates as ``YYYY-MM-DD`` and datetimes as ``YYYY-MM-DD HH:MM:SS`` in
UTC (Odoo's own format, the one writes take: see :mod:`.field_types`),
recordsets as id lists, ``Decimal`` as numbers, sets as lists, and bytes
as text when ASCII (Odoo's binary values are base64 text) or else
base64-encoded. Anything else is refused with ``TypeError`` rather
than guessed.

In: a request body must be a JSON object (without ``NaN`` or infinite
numbers); the values written to a model are validated against the write
schema of their field type (:mod:`.field_types`) before Odoo sees them, and
x2many id lists become Odoo's "replace with" command (which records of other
models the commands reach is ``reach.x2many_effects``).
"""

import base64
import datetime
import json
import math
from decimal import Decimal

from jsonschema import Draft202012Validator

from odoo.fields import Command
from odoo.models import BaseModel
from odoo.tools import lazy
from odoo.tools.misc import ReadonlyDict

from odoo.addons.rest_api_auth.scope import model_denied

from . import field_types
from .query import InvalidInput

JSON_SEPARATORS = (",", ":")
SYSTEM_FIELDS = field_types.SYSTEM_FIELDS
X2MANY_TYPES = field_types.X2MANY_TYPES
MAX_ID = field_types.MAX_ID


def _decode_bytes(value):
    """Odoo's binary values are base64 text already; other bytes (``ir.attachment.raw``) get base64-encoded."""
    return value.decode() if value.isascii() else base64.b64encode(value).decode()


# type -> JSON form, for the values Odoo hands out that JSON lacks
_JSON_FORMS = (
    (datetime.datetime, lambda value: value.strftime(field_types.DATETIME_FORMAT)),
    (datetime.date | datetime.time, lambda value: value.isoformat()),
    (BaseModel, lambda value: value.ids),
    (bytes, _decode_bytes),
    (Decimal, float),
    (set | frozenset, list),
    (lazy, lambda value: value._value),
    (ReadonlyDict, dict),
)


def json_default(value):
    """``json.dumps`` hook: the JSON form of ``value``, or ``TypeError``."""
    for types, convert in _JSON_FORMS:
        if isinstance(value, types):
            return convert(value)
    raise TypeError(f"a value of type {type(value).__name__} cannot be represented as JSON")


def dumps(data):
    """UTF-8 JSON bytes for ``data``; ``TypeError`` when a value has no JSON form."""
    return json.dumps(data, ensure_ascii=False, separators=JSON_SEPARATORS, default=json_default).encode()


def default_field_names(model_fields, is_accessible):
    """What a read without ``fields`` returns: every field the user may read, except binaries.

    Binary fields (images, attachments) are left out unless asked for by
    name, so listing products does not ship megabytes of images.
    """
    return [name for name, field in model_fields.items() if field.type != "binary" and is_accessible(field)]


def _finite_float(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large for a number")
    return number


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def loads(text):
    """Strict JSON: Python's ``json`` also accepts ``NaN``, ``Infinity`` and
    overflowing numbers (``1e999`` becomes ``inf``), which neither JSON nor
    PostgreSQL's ``numeric`` columns can hold; they raise ``ValueError``."""
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)


def parse_json_object(raw, arrays=False):
    """The JSON object in the request body ``raw`` (bytes); ``arrays``: a JSON array is accepted too."""
    if not raw.strip():
        raise InvalidInput(("body", "is empty; send a JSON object"))
    try:
        value = loads(raw)
    except ValueError as error:
        raise InvalidInput(("body", f"is not valid JSON ({error})")) from None
    except RecursionError:
        raise InvalidInput(("body", "is nested too deeply")) from None
    if arrays and isinstance(value, list):
        return value
    if not isinstance(value, dict):
        wanted = "a JSON object or an array of objects" if arrays else "a JSON object"
        raise InvalidInput(("body", f"must be {wanted}, not {_json_type(value)}"))
    return value


def _json_type(value):
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def to_write_values(values, describe, model_name, validators=None):
    """``values`` (a decoded JSON object) as the ``vals`` of ``create``/``write`` on ``model_name``.

    Each value is validated against its field's write schema
    (:mod:`.field_types`, the schema the OpenAPI document publishes): every
    field must exist and be writable; ``null`` or ``false`` empties a field
    that has an empty value; whole-number floats become integers. Odoo
    validates the rest (constraints, required fields). The values of x2many
    create/update commands are checked the same way against the comodel's
    fields; problems are named by path (``line_ids[0].name``).

    ``describe(model name, field names)`` gives ``{name: fields_get() entry}``
    of the named fields that exist (see :func:`.field_types.describer`),
    ``None`` for one the user may not access: that one is passed on, for
    Odoo to refuse (403).

    ``validators`` (a dict the caller keeps) holds the write schemas' validators of the fields
    met so far, for the next call: the elements of an array name the same fields, and building
    a validator costs twice what it takes to validate a value.
    """
    validators = {} if validators is None else validators
    problems = []
    result = {}
    descriptions = describe(model_name, list(values)) if values else {}
    for name, value in values.items():
        if name not in descriptions:
            problems.append((name, "unknown field"))
            continue
        description = descriptions[name]
        if description is None:
            result[name] = value
        elif name in SYSTEM_FIELDS:
            problems.append((name, "is set by Odoo and cannot be written"))
        elif not field_types.writable(name, description):
            problems.append((name, "is read-only"))
        elif not _write_validator(validators, model_name, name, description).is_valid(value):
            problems.append((name, f"must be {field_types.field_type(description).reason}, not {_shown(value)}"))
        elif description["type"] in X2MANY_TYPES:
            try:
                result[name] = _x2many(value, _nested_values_check(description, describe, validators))
            except InvalidInput as error:
                problems += [(f"{name}{param['name']}", param["reason"]) for param in error.invalid_params]
        else:
            result[name] = _to_orm_value(description["type"], value)
    if problems:
        raise InvalidInput(*problems)
    return result


def _write_validator(validators, model_name, name, description):
    """The validator of the field's write schema, from ``validators`` when built for the same description."""
    built = validators.get((model_name, name))
    if built is None or built[0] != description:
        built = validators[model_name, name] = (description, _validator(field_types.write_schema(description)))
    return built[1]


class _AnyOf:
    """``{"anyOf": [...]}`` (no other keyword) validated branch by branch, each branch's validator
    built once: jsonschema's own ``anyOf`` builds one per branch for every value it checks."""

    def __init__(self, branches):
        self.validators = [Draft202012Validator(schema) for schema in branches]

    def is_valid(self, value):
        return any(validator.is_valid(value) for validator in self.validators)


def _validator(schema):
    return _AnyOf(schema["anyOf"]) if list(schema) == ["anyOf"] else Draft202012Validator(schema)


def _shown(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else f"{text[:57]}..."


INTEGER_TYPES = frozenset({"integer", "many2one", "many2one_reference"})


def _to_orm_value(field_type, value):
    """A value valid for its write schema as the ORM takes it: ``false`` for empty, ints for integers."""
    if value is None:
        return False
    if field_type in INTEGER_TYPES and isinstance(value, float):
        return int(value)
    return value


def _integer(value):
    return int(value) if isinstance(value, float) else value


def _nested_values_check(description, describe, validators):
    """The check of the values in an x2many field's create/update commands (None: none, for a
    credential model, whose commands the reach checks refuse with a 403 naming it)."""
    if model_denied(description["relation"]):
        return None
    return lambda values: to_write_values(values, describe, description["relation"], validators)


def _x2many(value, nested_values=None):
    """An x2many value valid for its write schema as the ORM takes it: ids become ``Command.set``,
    whole-number floats ints.

    ``nested_values(dict)`` checks the values of create/update commands; an
    :class:`InvalidInput` it raises is named after the command's position.
    """
    if value is None or value is False:
        return [Command.clear()]
    if all(not isinstance(item, list) for item in value):
        return [Command.set([_integer(item) for item in value])]
    checked = []
    for index, command in enumerate(value):
        code, *rest = [_integer(item) for item in command]
        if code in (Command.CREATE, Command.UPDATE):
            try:
                checked.append([code, rest[0], nested_values(rest[1]) if nested_values else rest[1]])
            except InvalidInput as error:
                raise InvalidInput(
                    *((f"[{index}].{param['name']}", param["reason"]) for param in error.invalid_params)
                ) from None
        elif code == Command.SET:
            checked.append([code, 0, [_integer(item) for item in rest[1]]])
        else:
            checked.append([code, *rest])
    return checked


COMMAND_FORMS = field_types.COMMAND_FORMS


def x2many_commands(value):
    """The x2many ``value`` of a write as Odoo commands; ``ValueError`` unless it has a valid shape.

    ``false``/``null`` clears the field, an id list means "exactly these
    records" (``Command.set(ids)``), anything else must be a list of commands of
    exactly Odoo's shapes (:data:`COMMAND_FORMS`; Odoo's own ``Command``
    helpers pad the short ones with zeros, which is accepted; they also make
    tuples, as :func:`to_write_values` does): a malformed command must get a
    400 here, not an ``IndexError`` deep in the ORM. The list itself is
    returned when it is made of commands.
    """
    if value is None or value is False:
        return [Command.clear()]
    if not isinstance(value, list):
        raise TypeError("must be a list of record ids or of Odoo commands such as [4, 7]")
    if all(not isinstance(item, list | tuple) for item in value):
        if not _ID_LIST.is_valid(value) or any(isinstance(item, float) for item in value):
            raise ValueError("must be a list of record ids (positive integers) or of Odoo commands such as [4, 7]")
        return [Command.set(value)]
    for index, item in enumerate(value):
        command = list(item) if isinstance(item, tuple) else item
        if not (_COMMAND.is_valid(command) and _whole_ints(command)):
            raise ValueError(f"[{index}] {command!r} is not an Odoo command: {COMMAND_FORMS}")
    return value


def _whole_ints(command):
    """execute_kw passes commands on as they are: their code and ids must be ints, not ``2.0``
    (the REST create and update convert whole-number floats first)."""
    numbers = [*command[:2], *(command[2] if command[0] == Command.SET else ())]
    return not any(isinstance(item, float) for item in numbers)


# the shapes of the contract (field_types), which the OpenAPI document publishes
_ID_LIST = Draft202012Validator({"type": "array", "items": field_types.record_id()})
_COMMAND = Draft202012Validator(field_types.x2many_commands_schema()["items"])
