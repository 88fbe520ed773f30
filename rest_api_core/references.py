"""The records a write names by id must exist: a 422 naming the field and the id, before anything is written.

Left to the ORM, a dangling id answers three ways, none naming the field:
a many2one's foreign key violation reads "another model requires the record
being deleted", a many2many row's "Unknown (unknown)", and a related field
read during ``create`` a 404 ``MissingError`` showing the user id.
Existence only (``exists()``, no access check): whether the user may link
or read the record is still Odoo's decision when it writes.
"""

from odoo.fields import Command

from odoo.addons.rest_api_auth.exceptions import UnprocessableContent

from .serialization import MAX_ID, X2MANY_TYPES, x2many_commands

# x2many commands whose second member is an existing record's id; SET's third is a list of them
_ID_COMMANDS = (Command.UPDATE, Command.DELETE, Command.UNLINK, Command.LINK)


def _is_id(value):
    return type(value) is int and value > 0


def referenced_ids(values, model_name, fields_of, prefix=""):
    """``{(comodel, id): field path}``: the ids ``values`` names in many2one values and x2many
    commands, recursively in the values of create/update commands (``line_ids[0].product_id``)."""
    found = {}
    if not isinstance(values, dict):
        return found
    model_fields = fields_of(model_name)
    for name, value in values.items():
        field = model_fields.get(name)
        path = f"{prefix}{name}"
        if field is None or value is None or value is False:
            continue
        if field.type == "many2one" and _is_id(value):
            found.setdefault((field.comodel_name, value), path)
        elif field.type in X2MANY_TYPES:
            for key, key_path in _command_ids(value, field, fields_of, path):
                found.setdefault(key, key_path)
    return found


def _command_ids(value, field, fields_of, path):
    """``((comodel, id), path)`` of the ids in the x2many commands ``value`` of ``field``."""
    try:
        commands = x2many_commands(value)
    except (TypeError, ValueError):
        return  # a bad shape is reported by the caller's own checks
    for index, command in enumerate(commands):
        ids = []
        if command[0] in _ID_COMMANDS:
            ids = [command[1]]
        elif command[0] == Command.SET and len(command) > 2 and isinstance(command[2], list | tuple):
            ids = command[2]
        yield from (((field.comodel_name, record_id), path) for record_id in ids if _is_id(record_id))
        if command[0] in (Command.CREATE, Command.UPDATE) and len(command) > 2:
            yield from referenced_ids(command[2], field.comodel_name, fields_of, f"{path}[{index}].").items()


def check_references(env, values, model_name, fields_of):
    """422 when ``values`` (for ``model_name``) name records that do not exist."""
    check_referenced(env, referenced_ids(values, model_name, fields_of))


def check_referenced(env, wanted):
    """422 when ids of ``wanted`` (:func:`referenced_ids`, of one or several values) do not exist:
    one ``exists()`` per comodel, however many values named them."""
    by_model = {}
    for comodel, record_id in wanted:
        by_model.setdefault(comodel, set()).add(record_id)
    missing = []
    for comodel, ids in by_model.items():
        existing = set(env[comodel].browse([i for i in ids if i <= MAX_ID]).exists().ids)
        missing += [(wanted[comodel, i], comodel, i) for i in sorted(ids - existing)]
    if missing:
        problems = [{"name": path, "reason": f"{comodel} record {i} does not exist"} for path, comodel, i in missing]
        raise UnprocessableContent(
            "; ".join(f"{problem['name']}: {problem['reason']}" for problem in problems) + ".",
            invalid_params=problems,
        )
