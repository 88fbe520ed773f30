"""The body of ``POST /api/<model>/execute_kw`` and what the call may do (pure functions).

``{"method": "name_search", "args": [...], "kwargs": {...}}`` as Odoo's own
``execute_kw`` takes it. The client's ``kwargs["context"]`` is reduced to an
allow-list of keys that only change how data is presented or which of the
user's companies apply; keys that change behaviour (``default_*``, tracking
switches, ``active_id``, ...) are dropped. :data:`METHOD_OPERATIONS` says
which operations of a key's scope the ORM's generic methods need besides
``execute``; :func:`read_reach` which other models their domains and field
specifications read; :func:`checked_limit` bounds what a search method returns.
"""

import re
from dataclasses import dataclass

from odoo.models import fix_import_export_id_paths

from .query import RELATIONAL_TYPES, InvalidInput, domain_reach, merge_reach, specification_reach
from .serialization import X2MANY_TYPES

_METHOD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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

# What the generic ORM methods do, so that calling them through execute_kw needs the
# key's permission for that too, besides "execute": a key allowed only to execute on a
# model must not read, create, change or delete its records through search_read, copy,
# web_save, action_archive, unlink... Methods not listed (business methods such as
# ``action_confirm``) need only "execute"; a key restricts them with its method allow-list.
# method -> operations the key's scope must allow on the model
METHOD_OPERATIONS = {
    **dict.fromkeys(
        (
            "read",
            "search",
            "search_read",
            "search_count",
            "search_fetch",
            "fetch",
            "name_search",
            "name_get",
            "fields_get",
            "web_read",
            "web_search_read",
            "read_group",
            "web_read_group",
            "read_progress_bar",
            "search_panel_select_range",
            "search_panel_select_multi_range",
            "default_get",
            "onchange",
            "copy_data",
            "export_data",
            "exists",
            "get_metadata",
            "get_external_id",
            "get_field_translations",
            "get_property_definition",
            "get_views",
            "get_view",
            "check_access",
            "has_access",
            "check_access_rights",
            "check_access_rule",
            "check_field_access_rights",
        ),
        ("read",),
    ),
    "create": ("create",),
    "copy": ("create",),
    "name_create": ("create",),
    "load": ("create", "write"),  # an import updates the records its "id" column names
    "web_save": ("create", "write", "read"),  # creates without ids, writes with; returns web_read()
    **dict.fromkeys(
        (
            "write",
            "update",
            "toggle_active",
            "action_archive",
            "action_unarchive",
            "update_field_translations",
            "web_override_translations",
            "copy_translations",
        ),
        ("write",),
    ),
    "unlink": ("unlink",),
}

# Methods whose first argument is field values (a list of them for create), as ``write``
# takes them: their x2many commands reach other models' records (serialization.x2many_effects).
VALUES_METHODS = frozenset({"create", "write", "update", "web_save", "copy"})

# Search methods that return records (not counts or groups): their ``limit`` must be
# within 1..rest_api.max_limit, and without one it is that maximum, or the method's
# own default when smaller (name_search: 100), so that one call cannot dump a table.
LIMITED_METHODS = frozenset({"search", "search_read", "search_fetch", "name_search", "web_search_read"})


def required_operations(method):
    """The operations besides "execute" that calling ``method`` needs on its model."""
    return METHOD_OPERATIONS.get(method, ())


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


def load_effects(field_paths, model_name, fields_of):
    """What ``load(fields, data)`` does to records of other models: ``{(model, operation): path}``.

    An import column ``line_ids/name`` creates or updates ``line_ids``
    records (x2many sub-records, recursively: ``line_ids/tag_ids/name``);
    ``line_ids/id`` or ``line_ids/.id`` only links existing ones, which for
    a one2many writes their inverse many2one. Many2one columns only look
    records up. Columns that are not strings are refused; unknown fields
    are left to Odoo's import, which reports them.
    """
    if not isinstance(field_paths, list) or not all(isinstance(path, str) for path in field_paths):
        raise InvalidInput(("fields", "must be a list of field names (import columns)"))
    effects = {}
    for path in field_paths:
        parts = fix_import_export_id_paths(path)
        model = model_name
        for position, name in enumerate(parts[:-1]):
            field = fields_of(model).get(name)
            if field is None or field.type not in X2MANY_TYPES:
                break
            sub_records = parts[position + 1] not in ("id", ".id")
            if sub_records:
                operations = ("create", "write")
            elif field.type == "one2many":
                operations = ("write",)
            else:
                operations = ()
            for operation in operations:
                effects.setdefault((field.comodel_name, operation), "/".join(parts[: position + 1]))
            if not sub_records:
                break
            model = field.comodel_name
    return effects


# search_panel_select_(multi_)range(field_name, **kwargs): its domains on the model
PANEL_DOMAIN_KEYS = ("search_domain", "category_domain", "filter_domain")


def read_reach(method, arguments, model_name, fields_of):
    """The other models a call reads through its arguments: ``{(comodel, "read"): path}``.

    ``arguments`` are the call's bound arguments by parameter name: the
    domains (``domain``; ``args`` of ``name_search``; the search panel's),
    the nested field specifications of ``web_read``, ``web_search_read``,
    ``web_save`` (``specification``) and ``onchange`` (``fields_spec``),
    and the relational column paths of ``export_data`` (``partner_id/email``).
    """
    domains = [arguments.get("domain")]
    if method == "name_search":
        domains.append(arguments.get("args"))
    panel = arguments.get("kwargs")
    if method.startswith("search_panel_") and isinstance(panel, dict):
        domains += [panel.get(key) for key in PANEL_DOMAIN_KEYS]
    reach = {}
    for domain in domains:
        merge_reach(reach, domain_reach(domain, model_name, fields_of))
    for name in ("specification", "fields_spec"):
        merge_reach(reach, specification_reach(arguments.get(name), model_name, fields_of))
    if method == "export_data":
        merge_reach(reach, export_reach(arguments.get("fields_to_export"), model_name, fields_of))
    return reach


def export_reach(field_paths, model_name, fields_of):
    """The comodels whose fields the columns of ``export_data`` read (``partner_id/email``).

    Columns ending in ``id`` or ``.id`` give only the record's (external) id.
    """
    reach = {}
    if not isinstance(field_paths, list):
        return reach
    for path in field_paths:
        if not isinstance(path, str):
            continue
        parts = fix_import_export_id_paths(path)
        model = model_name
        for position, name in enumerate(parts[:-1]):
            field = fields_of(model).get(name)
            if field is None or field.type not in RELATIONAL_TYPES or parts[position + 1] in ("id", ".id"):
                break
            model = field.comodel_name
            reach.setdefault((model, "read"), "/".join(parts[: position + 1]))
    return reach


@dataclass(frozen=True)
class MethodCall:
    method: str
    args: list
    kwargs: dict
    context: dict


def method_name(body):
    """The method a (possibly invalid) body names, or None; used before validation."""
    if isinstance(body, dict) and isinstance(body.get("method"), str):
        return body["method"]
    return None


def parse_method_call(body):
    method = body.get("method")
    if not isinstance(method, str) or not _METHOD_NAME.match(method):
        raise InvalidInput(("method", 'must be the name of a model method, e.g. "name_search"'))
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
