"""The input checks of ``rest.api.key.generate_api_key``: plain data in, a key's values out.

No ORM here: what needs the database (the owner, the models named in ``access``) is
passed in as plain values or as a lookup function, so every rule is testable alone.
Each check raises ``ValidationError`` with a message the caller can show as is.
"""

import datetime

from odoo.exceptions import ValidationError
from odoo.fields import Command, Datetime
from odoo.tools.translate import LazyTranslate

from .scope import OPERATIONS

_lt = LazyTranslate(__name__, default_lang="en_US")

# generate_api_key() input members; "access" items take the model name and these flags
PROVISIONING_MEMBERS = {
    "name",
    "user_id",
    "scope_mode",
    "access",
    "expiration_date",
    "rate_limit",
    "rate_period",
    "rate_burst",
    "allowed_ips",
    "require_login_token",
    "allow_token_generation",
}
ACCESS_MEMBERS = {"model", *OPERATIONS, "methods"}
SCOPE_MODES = ("all", "specific")
RATE_MEMBERS = ("rate_limit", "rate_period", "rate_burst")
FLAG_MEMBERS = ("require_login_token", "allow_token_generation")


def _invalid(message):
    return ValidationError(str(message))


def key_values(vals, default_burst):
    """The ``rest.api.key`` values of a ``generate_api_key`` call, but for its owner and access lines.

    ``default_burst`` is the settings' burst, lowered to a smaller ``rate_limit`` given without a burst.
    """
    if not isinstance(vals, dict):
        raise _invalid(_lt("generate_api_key expects a dictionary of values."))
    unknown = sorted(set(vals) - PROVISIONING_MEMBERS)
    if unknown:
        raise _invalid(_lt("Unknown member(s) in generate_api_key values: %s", ", ".join(unknown)))
    name = vals.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _invalid(_lt("An API key needs a name (a non-empty string)."))
    scope_mode = vals.get("scope_mode", "all")
    if scope_mode not in SCOPE_MODES:
        raise _invalid(_lt("scope_mode must be 'all' or 'specific', not %r.", scope_mode))
    values = {"name": name.strip(), "scope_mode": scope_mode, "allowed_ips": vals.get("allowed_ips") or False}
    if not isinstance(values["allowed_ips"], str | bool):
        raise _invalid(_lt("allowed_ips must be a string of addresses/networks, or false."))
    for member in RATE_MEMBERS:
        if member in vals:
            value = vals[member]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise _invalid(_lt("%s must be an integer of 0 or more (0 = unlimited).", member))
            values[member] = value
    if values.get("rate_limit") and "rate_burst" not in values:  # the default burst, within the new limit
        values["rate_burst"] = min(default_burst, values["rate_limit"])
    for member in FLAG_MEMBERS:
        if member in vals:
            if not isinstance(vals[member], bool):
                raise _invalid(_lt("%s must be true or false.", member))
            values[member] = vals[member]
    return values


def owner_id(user_id, current_uid):
    """The id of the key's user: ``user_id`` when given, else the caller's own (existence is the caller's check)."""
    if user_id is None:
        return current_uid
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise _invalid(_lt("user_id must be a res.users id."))
    return user_id


def access_commands(access, model_id_of):
    """``Command.create`` values of the access lines; ``model_id_of(name)`` is the ``ir.model`` id, or falsy."""
    if not isinstance(access, list):
        raise _invalid(_lt("access must be a list of {'model': ..., 'read': true, ...} items."))
    commands = []
    for item in access:
        if not isinstance(item, dict):
            raise _invalid(_lt("Each access item must be a dictionary with a 'model' member."))
        unknown = sorted(set(item) - ACCESS_MEMBERS)
        if unknown:
            raise _invalid(_lt("Unknown member(s) in an access item: %s", ", ".join(unknown)))
        model = item.get("model")
        model_id = isinstance(model, str) and model_id_of(model)
        if not model_id:
            raise _invalid(_lt("Unknown model in access: %r.", model))
        line = {"model_id": model_id}
        for operation in OPERATIONS:
            flag = item.get(operation, False)
            if not isinstance(flag, bool):
                raise _invalid(_lt("Access flag %(op)s of %(model)s must be true or false.", op=operation, model=model))
            line[f"perm_{operation}"] = flag
        methods = item.get("methods") or []
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            raise _invalid(_lt("methods of %s must be a list of method names.", model))
        line["allowed_methods"] = ", ".join(methods) or False
        commands.append(Command.create(line))
    return commands


def expiration(value, now):
    """The key's expiration (naive UTC) from ``'YYYY-MM-DD HH:MM:SS'``, or None for a key that never expires."""
    if value in (None, False):
        return None
    try:
        parsed = Datetime.to_datetime(value)
    except (TypeError, ValueError):
        parsed = None
    if not isinstance(parsed, datetime.datetime):
        raise _invalid(_lt("expiration_date must be 'YYYY-MM-DD HH:MM:SS' (UTC) or false, not %r.", value))
    if parsed < now:
        raise _invalid(_lt("expiration_date %s is in the past.", value))
    return parsed
