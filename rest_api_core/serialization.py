"""JSON in and out of the API (pure functions).

Out: records are what Odoo's ``read()`` returns (many2one ``[id, display
name]`` or ``false``, x2many id lists, ``false`` for empty values), encoded
with dates and datetimes as ISO 8601 strings (datetimes are naive UTC, as
Odoo stores them), recordsets as id lists, ``Decimal`` as numbers, sets as
lists, and bytes as text when ASCII (Odoo's binary values are base64 text)
or else base64-encoded. Anything else is refused with ``TypeError`` rather
than guessed.

In: a request body must be a JSON object (without ``NaN`` or infinite
numbers); the values written to a model are checked against the JSON type
each field type takes before Odoo sees them, x2many id lists become Odoo's
"replace with" command, and x2many commands must have exactly Odoo's shapes
(which records of other models they reach is ``reach.x2many_effects``).
"""

import base64
import datetime
import json
import math
from decimal import Decimal

from odoo.fields import Command
from odoo.models import BaseModel
from odoo.tools import lazy
from odoo.tools.misc import ReadonlyDict

from .query import InvalidInput

JSON_SEPARATORS = (",", ":")
# Set by Odoo itself, never by a client.
SYSTEM_FIELDS = frozenset({"id", "create_uid", "create_date", "write_uid", "write_date"})
X2MANY_TYPES = frozenset({"one2many", "many2many"})
MAX_ID = 2**31 - 1


def _decode_bytes(value):
    """Odoo's binary values are base64 text already; other bytes (``ir.attachment.raw``) get base64-encoded."""
    return value.decode() if value.isascii() else base64.b64encode(value).decode()


# type -> JSON form, for the values Odoo hands out that JSON lacks
_JSON_FORMS = (
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


def parse_json_object(raw):
    """The JSON object in the request body ``raw`` (bytes)."""
    if not raw.strip():
        raise InvalidInput(("body", "is empty; send a JSON object"))
    try:
        value = loads(raw)
    except ValueError as error:
        raise InvalidInput(("body", f"is not valid JSON ({error})")) from None
    except RecursionError:
        raise InvalidInput(("body", "is nested too deeply")) from None
    if not isinstance(value, dict):
        raise InvalidInput(("body", f"must be a JSON object, not {_json_type(value)}"))
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


def to_write_values(values, model_fields, fields_of=None):
    """``values`` (a decoded JSON object) as the ``vals`` of ``create``/``write``.

    Each field must exist and not be one Odoo sets itself; each value must
    have the JSON type of its field (``null`` or ``false`` empties any
    field). Odoo validates the rest (selection values, dates, constraints).
    ``fields_of(model name)`` gives the fields of a related model, to check
    the values of x2many create/update commands the same way; their problems
    are named by path (``line_ids[0].name``).
    """
    problems = []
    result = {}
    for name, value in values.items():
        field = model_fields.get(name)
        if field is None:
            problems.append((name, "unknown field"))
        elif name in SYSTEM_FIELDS:
            problems.append((name, "is set by Odoo and cannot be written"))
        elif value is None or value is False:
            result[name] = False
        else:
            converter = _CONVERTERS.get(field.type)
            try:
                if field.type in X2MANY_TYPES:
                    result[name] = _x2many(value, _nested_values_check(field, fields_of))
                else:
                    result[name] = converter(value) if converter else value
            except InvalidInput as error:
                problems += [(f"{name}{param['name']}", param["reason"]) for param in error.invalid_params]
            except (TypeError, ValueError) as error:
                problems.append((name, str(error)))
    if problems:
        raise InvalidInput(*problems)
    return result


def _nested_values_check(field, fields_of):
    """The check of the values in x2many ``field``'s create/update commands (None: left to Odoo)."""
    if fields_of is None:
        return None
    return lambda values: to_write_values(values, fields_of(field.comodel_name), fields_of)


def _boolean(value):
    if not isinstance(value, bool):
        raise TypeError("must be true or false")
    return value


def _integer(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("must be an integer")
    return value


def _number(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("must be a number")
    return value


def _string(value):
    if not isinstance(value, str):
        raise TypeError("must be a string")
    return value


def _record_id(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise TypeError("must be a record id (a positive integer) or null")
    return value


def _x2many(value, nested_values=None):
    """An id list means "exactly these records"; a list of command lists is checked and passed on.

    ``nested_values(dict)`` checks the values of create/update commands; an
    :class:`InvalidInput` it raises is named after the command's position.
    """
    commands = x2many_commands(value)
    if nested_values is None:
        return commands
    checked = []
    for index, command in enumerate(commands):
        if command[0] in (Command.CREATE, Command.UPDATE):
            try:
                checked.append([command[0], command[1], nested_values(command[2])])
            except InvalidInput as error:
                raise InvalidInput(
                    *((f"[{index}].{param['name']}", param["reason"]) for param in error.invalid_params)
                ) from None
        else:
            checked.append(command)
    return checked


COMMAND_FORMS = "[0, 0, {values}], [1, id, {values}], [2, id], [3, id], [4, id], [5] or [6, 0, [ids]]"


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
        if not all(_is_id(item) for item in value):
            raise ValueError("must be a list of record ids (positive integers) or of Odoo commands such as [4, 7]")
        return [Command.set(value)]
    for index, command in enumerate(value):
        if not _is_command(command):
            raise ValueError(f"[{index}] {command!r} is not an Odoo command: {COMMAND_FORMS}")
    return value


def _is_id(value):
    return type(value) is int and 0 < value <= MAX_ID


def _is_padding(items):
    """Zeros (or ``false``) after a command's meaningful members, as ``Command.link(7)`` gives ``(4, 7, 0)``."""
    return all(item is False or (type(item) is int and item == 0) for item in items)


# x2many command code -> check of the whole command's shape (values are checked apart)
_COMMAND_SHAPES = {
    Command.CREATE: lambda c: len(c) == 3 and _is_padding(c[1:2]) and isinstance(c[2], dict),
    Command.UPDATE: lambda c: len(c) == 3 and _is_id(c[1]) and isinstance(c[2], dict),
    Command.DELETE: lambda c: len(c) in (2, 3) and _is_id(c[1]) and _is_padding(c[2:]),
    Command.UNLINK: lambda c: len(c) in (2, 3) and _is_id(c[1]) and _is_padding(c[2:]),
    Command.LINK: lambda c: len(c) in (2, 3) and _is_id(c[1]) and _is_padding(c[2:]),
    Command.CLEAR: lambda c: len(c) <= 3 and _is_padding(c[1:]),
    Command.SET: lambda c: (
        len(c) == 3 and _is_padding(c[1:2]) and isinstance(c[2], list) and all(_is_id(item) for item in c[2])
    ),
}


def _is_command(command):
    if not isinstance(command, list | tuple) or not command:
        return False
    if not isinstance(command[0], int) or isinstance(command[0], bool):  # Command members are ints too
        return False
    shape = _COMMAND_SHAPES.get(command[0])
    return bool(shape and shape(command))


_CONVERTERS = {
    "boolean": _boolean,
    "integer": _integer,
    "float": _number,
    "monetary": _number,
    "char": _string,
    "text": _string,
    "html": _string,
    "selection": _string,
    "date": _string,
    "datetime": _string,
    "binary": _string,
    "reference": _string,
    "many2one": _record_id,
    "many2one_reference": _integer,
    "one2many": _x2many,
    "many2many": _x2many,
}
