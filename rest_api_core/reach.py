"""What a request reaches beyond its endpoint's own operation on its model.

The most security-critical logic of the API, in one place: a key scoped to
some models must not reach others through a relation. Dotted domain paths,
``any`` sub-domains and nested ``web_read`` specifications read comodels
(:func:`domain_reach`, :func:`specification_reach`, :func:`read_reach`,
:func:`export_reach`); x2many commands and import columns create, change or
delete their records (:func:`x2many_effects`, :func:`load_effects`); the
ORM's generic methods perform an operation of their own
(:data:`METHOD_OPERATIONS`). Each returns ``{(model, operation): path}``,
the path being the first that causes it; :func:`check_reach` refuses (403)
what the key's scope does not allow.

Model metadata comes as ``fields_of(model name) -> {field name: field}``
(Odoo's ``Model._fields`` in production; simple namespaces in the tests).
"""

from odoo.fields import Command
from odoo.models import fix_import_export_id_paths

from odoo.addons.rest_api_auth.exceptions import PermissionDenied
from odoo.addons.rest_api_auth.scope import model_denied

from .query import RELATIONAL_TYPES, SUBDOMAIN_OPERATORS, InvalidInput
from .serialization import X2MANY_TYPES, x2many_commands


def check_reach(scope, effects, action):
    """403 unless the key's ``scope`` allows every ``(model, operation)`` of ``effects``.

    ``effects`` maps them to the field path that causes them (see
    :func:`x2many_effects`, :func:`domain_reach`...): x2many
    commands create, change or delete records of other models, dotted
    domain paths and nested field specifications read them, which a key
    scoped to one model must not reach that way.
    """
    for (model, operation), path in effects.items():
        if not scope.allows(model, operation):
            reason = f": {model} cannot be used through the REST API" if model_denied(model) else ""
            raise PermissionDenied(
                f"This API key may not {operation} {model} records, which {action} {path} would do{reason}."
            )


def merge_reach(reach, more):
    """Add to ``reach`` the entries of ``more`` it lacks (the first path to a model is kept)."""
    for key, path in more.items():
        reach.setdefault(key, path)
    return reach


def no_rec_names(_model_name):
    """``rec_names_of`` for models whose display-name search reads no other model."""
    return ()


def fields_of(records):
    """``fields_of`` for the models of ``records``' environment."""
    return lambda name: records.env[name]._fields


def rec_names_of(records):
    """``rec_names_of`` for the models of ``records``' environment: the fields their display-name
    search matches."""

    def rec_names(name):
        comodel = records.env[name]
        return comodel._rec_names_search or [comodel._rec_name]

    return rec_names


def records_domain_reach(domain, records):
    """:func:`domain_reach` of a domain on ``records``' model, display-name searches included."""
    return domain_reach(domain, records._name, fields_of(records), rec_names_of=rec_names_of(records))


def names_records(value):
    """Whether a condition's ``value`` names records by text, which Odoo resolves by a
    display-name search on the comodel (a text, or a list holding one)."""
    if isinstance(value, str):
        return True
    return isinstance(value, list | tuple) and any(isinstance(item, str) for item in value)


def domain_reach(domain, model_name, fields_of, prefix="", rec_names_of=no_rec_names, _seen=frozenset()):
    """The other models whose data ``domain`` filters on: ``{(comodel, "read"): path}``.

    A dotted path (``partner_id.email``) or an ``any``/``not any``
    sub-domain discloses the comodel's field values through which records
    match, so a key needs read on each comodel it traverses. So does a text
    compared with a relational field, whatever the operator
    (``[("partner_ids", "ilike", "b@secret")]``, ``("user_ids", "=",
    "inu")``, ``("parent_id", "child_of", ["Acme"])``): Odoo resolves it by
    a display-name search on the comodel, which matches its
    ``_rec_names_search`` fields (a partner's email, a user's login), and
    those may be dotted paths into further models (``rec_names_of(model)``
    gives them). Plain id comparisons are not traversals. Lenient, so that
    it also serves the unparsed domains of execute_kw: what is not a
    condition on a known field is skipped (``check_domain`` or Odoo refuses it).
    """
    reach = {}
    if not isinstance(domain, list | tuple):
        return reach
    for condition in domain:
        if not isinstance(condition, list | tuple) or len(condition) != 3 or not isinstance(condition[0], str):
            continue
        path, operator, value = condition
        subdomain = isinstance(operator, str) and operator.lower() in SUBDOMAIN_OPERATORS
        names = path.split(".")
        model = model_name
        for position, name in enumerate(names):
            field = fields_of(model).get(name)
            if field is not None and name == "display_name" and position == len(names) - 1 and names_records(value):
                merge_reach(reach, name_search_reach(model, fields_of, rec_names_of, prefix + path, _seen))
            if field is None or field.type not in RELATIONAL_TYPES:
                break
            traversed = prefix + ".".join(names[: position + 1])
            model = field.comodel_name
            if position < len(names) - 1:
                reach.setdefault((model, "read"), traversed)
            elif subdomain:
                reach.setdefault((model, "read"), traversed)
                merge_reach(reach, domain_reach(value, model, fields_of, f"{traversed}.", rec_names_of, _seen))
            elif names_records(value):
                reach.setdefault((model, "read"), traversed)
                merge_reach(reach, name_search_reach(model, fields_of, rec_names_of, traversed, _seen))
    return reach


def name_search_reach(model_name, fields_of, rec_names_of, path, _seen=frozenset()):
    """The other models a display-name search on ``model_name`` reads: those its
    ``_rec_names_search`` fields traverse (recursively), all reported under ``path``."""
    if model_name in _seen:
        return {}
    conditions = [[name, "ilike", "?"] for name in rec_names_of(model_name) if isinstance(name, str)]
    reach = domain_reach(conditions, model_name, fields_of, "", rec_names_of, _seen | {model_name})
    return dict.fromkeys(reach, path)


# Comodel fields a nested specification may name without reading the comodel:
# what a plain read returns anyway (web_read reads a many2one's display_name as superuser).
PLAIN_MANY2ONE_SUBFIELDS = frozenset({"id", "display_name"})
PLAIN_X2MANY_SUBFIELDS = frozenset({"id"})


def specification_reach(specification, model_name, fields_of, prefix=""):
    """The other models a ``web_read`` specification reads: ``{(comodel, "read"): path}``.

    ``{"partner_id": {"fields": {"email": {}}}}`` reads the comodel's
    fields, as does an x2many's ``order``; ``{"partner_id": {"fields":
    {"display_name": {}}}}`` returns only what a plain read does. Lenient
    like :func:`domain_reach`.
    """
    reach = {}
    if not isinstance(specification, dict):
        return reach
    for name, spec in specification.items():
        field = fields_of(model_name).get(name) if isinstance(name, str) else None
        if field is None or field.type not in RELATIONAL_TYPES or not isinstance(spec, dict):
            continue
        path = prefix + name
        subfields = spec.get("fields")
        subfields = subfields if isinstance(subfields, dict) else {}
        if field.type == "many2one":
            reads_comodel = bool(set(subfields) - PLAIN_MANY2ONE_SUBFIELDS)
        else:
            reads_comodel = bool(set(subfields) - PLAIN_X2MANY_SUBFIELDS or spec.get("order"))
        if reads_comodel:
            reach.setdefault((field.comodel_name, "read"), path)
        merge_reach(reach, specification_reach(subfields, field.comodel_name, fields_of, f"{path}."))
    return reach


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


def required_operations(method):
    """The operations besides "execute" that calling ``method`` needs on its model."""
    return METHOD_OPERATIONS.get(method, ())


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


def read_reach(method, arguments, model_name, fields_of, rec_names_of=no_rec_names):
    """The other models a call reads through its arguments: ``{(comodel, "read"): path}``.

    ``arguments`` are the call's bound arguments by parameter name: the
    domains (``domain``; ``args`` of ``name_search``; the search panel's),
    the nested field specifications of ``web_read``, ``web_search_read``,
    ``web_save`` (``specification``) and ``onchange`` (``fields_spec``),
    and the relational column paths of ``export_data`` (``partner_id/email``);
    ``name_search`` matches the model's own ``_rec_names_search`` paths.
    """
    domains = call_domains(method, arguments)
    reach = {}
    for domain in domains:
        merge_reach(reach, domain_reach(domain, model_name, fields_of, rec_names_of=rec_names_of))
    if method == "name_search" and arguments.get("name"):
        merge_reach(reach, name_search_reach(model_name, fields_of, rec_names_of, "name"))
    for name in ("specification", "fields_spec"):
        merge_reach(reach, specification_reach(arguments.get(name), model_name, fields_of))
    if method == "export_data":
        merge_reach(reach, export_reach(arguments.get("fields_to_export"), model_name, fields_of))
    return reach


def call_domains(method, arguments):
    """The domains among a call's bound ``arguments``: ``domain``; ``args`` of
    ``name_search``; the search panel's ``search_domain``, ``category_domain``, ``filter_domain``."""
    domains = [arguments.get("domain")]
    if method == "name_search":
        domains.append(arguments.get("args"))
    panel = arguments.get("kwargs")
    if method.startswith("search_panel_") and isinstance(panel, dict):
        domains += [panel.get(key) for key in PANEL_DOMAIN_KEYS]
    return [domain for domain in domains if domain is not None]


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


def x2many_effects(values, model_name, fields_of, creating=False):
    """What the x2many commands in ``values`` (for ``model_name``) do to records besides the written one.

    Returns ``{(model, operation): field path}``, the path (``line_ids`` or
    ``line_ids.tag_ids``) being the first to do it, so that a key's scope
    can be checked on every model the write reaches:

    * ``[0, 0, {..}]`` creates a comodel record, ``[1, id, {..}]`` writes
      one (their values are followed recursively), ``[2, id]`` deletes one;
    * the links (``[3, id]``, ``[4, id]``, ``[5]``, ``[6, 0, ids]``, id
      lists, ``false``) only change the written record for a many2many
      (rows of the relation table), but for a one2many they set or clear
      the comodel records' inverse many2one (a write on them) and, when
      that many2one is ``ondelete="cascade"``, Odoo deletes the records
      removed from the field (3, 5 and 6). When ``creating`` the record,
      there is nothing to remove: ``[5]`` does nothing and ``[6, 0, ids]``
      only links.

    Command shapes are checked as by :func:`x2many_commands` (an
    :class:`InvalidInput` names a bad one by its path); other fields are
    left alone (Odoo reports unknown fields itself). ``fields_of(model
    name)`` gives a model's ``{name: field}`` (``type``, ``comodel_name``,
    ``inverse_name``, ``ondelete``).
    """
    effects = {}
    _collect_effects(values, model_name, fields_of, "", creating=creating, effects=effects)
    return effects


def _collect_effects(values, model_name, fields_of, prefix, *, creating, effects):
    if not isinstance(values, dict):
        raise InvalidInput((prefix.rstrip(".") or "values", "must be an object of field values"))
    model_fields = fields_of(model_name)
    for name, value in values.items():
        field = model_fields.get(name)
        if field is None or field.type not in X2MANY_TYPES:
            continue
        path = f"{prefix}{name}"
        try:
            commands = x2many_commands(value)
        except (TypeError, ValueError) as error:
            raise InvalidInput((path, str(error))) from None
        for command in commands:
            for operation in _command_operations(command, field, fields_of, creating):
                effects.setdefault((field.comodel_name, operation), path)
            if command[0] in (Command.CREATE, Command.UPDATE):
                nested = command[0] == Command.CREATE
                _collect_effects(
                    command[2], field.comodel_name, fields_of, f"{path}.", creating=nested, effects=effects
                )


# x2many command -> what it does to the comodel record it names, on any x2many field
_COMMAND_OPERATIONS = {Command.CREATE: ("create",), Command.UPDATE: ("write",), Command.DELETE: ("unlink",)}


def _command_operations(command, field, fields_of, creating):
    """The operations ``command`` on x2many ``field`` performs on comodel records."""
    code = command[0]
    if code in _COMMAND_OPERATIONS or field.type != "one2many":
        return _COMMAND_OPERATIONS.get(code, ())
    # A one2many link sets the lines' inverse many2one; the lines it removes get theirs
    # cleared, or are deleted when that many2one is ondelete="cascade".
    if creating and code in (Command.CLEAR, Command.SET):  # a new record has no lines to remove
        return ("write",) if code == Command.SET and command[2] else ()
    if code == Command.LINK:
        return ("write",)
    inverse = fields_of(field.comodel_name).get(getattr(field, "inverse_name", None))
    cascade = getattr(inverse, "ondelete", None) == "cascade"
    return ("write", "unlink") if cascade else ("write",)
