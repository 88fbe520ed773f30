"""The body of ``POST /api/<model>/execute_kw`` and what the call may do (pure functions).

``{"method": "name_search", "args": [...], "kwargs": {...}}`` as Odoo's own
``execute_kw`` takes it. The client's ``kwargs["context"]`` is reduced to an
allow-list of keys that only change how data is presented or which of the
user's companies apply; keys that change behaviour (``default_*``, tracking
switches, ``active_id``, ...) are dropped. :func:`checked_limit` bounds what
a search method returns; what a call reaches for a key's scope is ``reach``'s.
"""

import re
from dataclasses import dataclass

from .query import IDENTIFIER, InvalidInput

_METHOD_NAME = re.compile(f"^{IDENTIFIER}$")


def _is_string(value):
    return isinstance(value, str)


def _is_boolean(value):
    return isinstance(value, bool)


def _is_id_list(value):
    return isinstance(value, list) and all(isinstance(item, int) and not isinstance(item, bool) for item in value)


# context key -> check of its value
CONTEXT_ALLOW_LIST = {
    "lang": _is_string,
    "tz": _is_string,
    "active_test": _is_boolean,
    "allowed_company_ids": _is_id_list,
    "bin_size": _is_boolean,
}

# Search methods that return records (not counts or groups): their ``limit`` must be
# within 1..rest_api.max_limit, and without one it is that maximum, or the method's
# own default when smaller (name_search: 100), so that one call cannot dump a table.
LIMITED_METHODS = frozenset({"search", "search_read", "search_fetch", "name_search", "web_search_read"})


def checked_limit(value, default, maximum):
    """The ``limit`` to call a search method with: ``value`` (``None``: absent) within 1..``maximum``.

    Absent, the method's own ``default`` when it is a smaller positive
    number, else ``maximum``. ``0`` and ``false``, which mean "no limit"
    to Odoo, are refused like any value out of range.
    """
    if value is None:
        if type(default) is int and 0 < default < maximum:
            return default
        return maximum
    if type(value) is not int or not 1 <= value <= maximum:
        raise InvalidInput(("limit", f"must be an integer from 1 to {maximum}"))
    return value


@dataclass(frozen=True)
class MethodCall:
    method: str
    args: list
    kwargs: dict
    context: dict


def check_method_name(method):
    if not isinstance(method, str) or not _METHOD_NAME.match(method):
        raise InvalidInput(("method", 'must be the name of a model method, e.g. "name_search"'))


def parse_method_call(body):
    method = body.get("method")
    check_method_name(method)
    args = body.get("args", [])
    if not isinstance(args, list):
        raise InvalidInput(("args", "must be a list of positional arguments"))
    kwargs = body.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise InvalidInput(("kwargs", "must be an object of keyword arguments"))
    kwargs = dict(kwargs)
    context = kwargs.pop("context", None) or {}
    return MethodCall(method=method, args=args, kwargs=kwargs, context=filter_context(context))


def filter_context(context):
    """The allow-listed keys of a client context; other keys are dropped."""
    if not isinstance(context, dict):
        raise InvalidInput(("kwargs.context", "must be an object"))
    problems = [
        (f"kwargs.context.{key}", "has a value of the wrong type")
        for key, value in context.items()
        if key in CONTEXT_ALLOW_LIST and not CONTEXT_ALLOW_LIST[key](value)
    ]
    if problems:
        raise InvalidInput(*problems)
    return {key: value for key, value in context.items() if key in CONTEXT_ALLOW_LIST}


def record_ids(value):
    """The ``args[0]`` of a record method: one id or a list of ids."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return [value]
    if _is_id_list(value) and all(item > 0 for item in value):
        return value
    raise InvalidInput(("args", "args[0] must be the record ids (an id or a list of ids) for this method"))
