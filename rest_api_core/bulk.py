"""Bulk writes: many records in one request, all or nothing (docs/api.md, "Bulk writes").

An array create is one ``create(vals_list)``, a multi-record update one ``write``, a
multi-record delete one ``unlink``. Each checks what its single form checks (the field-type
contract, the reach of x2many commands, referenced ids, then Odoo's access rights and rules
when it writes), for every element before anything is written, and names the element of a
problem (``[3].email``). At most ``rest_api.max_batch`` elements (413 above).
"""

from jsonschema import Draft202012Validator

from odoo.addons.rest_api_auth.exceptions import NotFound, RestApiError

from . import field_types, query, references, serialization, settings
from .dispatch import LET_ODOO_RETRY, known_error, orm_values
from .endpoints import ids_schema
from .errors import TooManyElements
from .query import InvalidInput
from .reach import check_reach, x2many_effects

MAX_SHOWN_IDS = 20  # ids named in a 404's detail (all of them are in its missing_ids)
_IDS = Draft202012Validator(ids_schema())


class _Undo(Exception):
    """Leaves a savepoint rolled back (a trial create, see :func:`_failing_element`)."""


def fields_of(records):
    return lambda name: records.env[name]._fields


def check_count(env, name, items):
    """413 when ``items`` has more elements than ``rest_api.max_batch``."""
    limit = settings.max_batch(env)
    if len(items) > limit:
        raise TooManyElements(name, len(items), limit)


def checked_ids(ids, name="ids", reason="must be a non-empty list of record ids (integers from 1 to 2147483647)"):
    """``ids`` (a decoded JSON value) as a list of distinct record ids, in order; 400 otherwise."""
    if not _IDS.is_valid(ids):
        raise InvalidInput((name, reason))
    return list(dict.fromkeys(int(record_id) for record_id in ids))


ID_PATTERN = "[1-9][0-9]{0,8}"  # what the document promises: ids the server takes (it also takes spaces, tuples)
IDS_PATTERN = rf"^(\[{ID_PATTERN}(,{ID_PATTERN})*\]|{ID_PATTERN}(,{ID_PATTERN})*)$"


def parse_ids(env, text):
    """The ``ids`` query parameter of a multi-record delete: ``[1,2,3]`` (JSON or Python) or
    ``1,2,3``; at most ``rest_api.max_batch`` of them (a 400: a query, not a body, is too large)."""
    if not text or not text.strip():
        raise InvalidInput(("ids", "is required: the ids of the records, e.g. ?ids=[1,2,3]"))
    value = query.parse_literal("ids", text)
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    ids = checked_ids(list(value) if isinstance(value, tuple) else value)
    limit = settings.max_batch(env)
    if len(ids) > limit:
        raise InvalidInput(
            ("ids", f"has {len(ids)} ids, more than this server's limit of {limit} (rest_api.max_batch)")
        )
    return ids


def at_element(error, index):
    """``error`` (a problem) of the element ``index`` of an array: its detail and parameters say so."""
    error.detail = f"[{index}]: {error.detail}"
    error.args = (error.detail,)
    error.extensions["element"] = index
    for param in error.extensions.get("invalid_params") or ():
        if not param["name"].startswith("["):
            param["name"] = f"[{index}].{param['name']}"
    return error


def cached_describer(env):
    """:func:`.field_types.describer`, each model's fields described once per set of names: the
    elements of an array usually name the same fields."""
    describe, described = field_types.describer(env), {}

    def cached(model_name, names):
        key = (model_name, tuple(names))
        if key not in described:
            described[key] = describe(model_name, names)
        return described[key]

    return cached


def checked_values(scope, records, values, *, creating, describe=None, validators=None):
    """``values`` (a JSON object) for ``records``' model as the ORM takes them, checked as the
    single create and update check them: the field-type contract (400), the reach of x2many
    commands (403). Referenced ids are checked by the caller, all at once. ``describe`` and
    ``validators``: kept from one element of an array to the next (see ``to_write_values``)."""
    model = records._name
    describe = describe or field_types.describer(records.env)
    values = serialization.to_write_values(values, describe, model, validators)
    check_reach(scope, x2many_effects(values, model, fields_of(records), creating=creating), "the commands of")
    return values


def create_records(scope, records, vals_list, indexed=True):
    """Create a record per element of ``vals_list`` (JSON objects) in one ``create``; their ids.
    ``indexed``: problems name the element (``[3].email``), else they are the single create's."""
    check_count(records.env, "The array", vals_list)
    if not vals_list:
        raise InvalidInput(("body", "is an empty array; send at least one object"))
    checked, problems, wanted, validators = [], [], {}, {}
    describe = cached_describer(records.env)
    for index, values in enumerate(vals_list):
        prefix = f"[{index}]." if indexed else ""
        if not isinstance(values, dict):
            problems.append((f"[{index}]", "must be a JSON object (the values of a record)"))
            continue
        try:
            orm_values_of = checked_values(
                scope, records, values, creating=True, describe=describe, validators=validators
            )
        except InvalidInput as error:
            problems += [(f"{prefix}{param['name']}", param["reason"]) for param in error.invalid_params]
            continue
        except RestApiError as error:
            raise (at_element(error, index) if indexed else error) from None
        checked.append(orm_values_of)
        for key, path in references.referenced_ids(orm_values_of, records._name, fields_of(records), prefix).items():
            wanted.setdefault(key, path)
    if problems:
        raise InvalidInput(*problems)
    references.check_referenced(records.env, wanted)
    try:
        with records.env.cr.savepoint(), orm_values():
            created = records.create(checked)
            records.env.flush_all()  # constraint violations surface here, as problems
    except LET_ODOO_RETRY:
        raise
    except Exception as exc:
        error = known_error(exc)
        if error is None or not indexed:
            raise
        found = (0, exc) if len(checked) == 1 else _failing_element(records, checked)
        if found is None:  # the elements fail only together (e.g. duplicates among them)
            raise error from exc
        index, element_exc = found
        raise at_element(known_error(element_exc) or error, index) from element_exc
    return created.ids


def _failing_element(records, vals_list, offset=0):
    """``(index, exception)`` of the first element whose create fails on its own, found by halves
    (about one more create of the array in all), each trial rolled back; None when none does."""
    if len(vals_list) == 1:
        exc = _trial_create(records, vals_list)
        return None if exc is None else (offset, exc)
    middle = len(vals_list) // 2
    for start, part in ((0, vals_list[:middle]), (middle, vals_list[middle:])):
        if _trial_create(records, part) is not None:
            return _failing_element(records, part, offset + start)
    return None


def _trial_create(records, vals_list):
    """The exception creating ``vals_list`` raises (None if it succeeds); nothing is kept."""
    try:
        with records.env.cr.savepoint(), orm_values():
            records.create(vals_list)
            records.env.flush_all()
            raise _Undo
    except _Undo:
        return None
    except LET_ODOO_RETRY:
        raise
    except Exception as exc:  # any failure of the trial is the answer
        return exc


def existing_records(records, ids):
    """The records ``ids`` (distinct ids); 404 naming those that do not exist."""
    found = set(records.browse(ids).exists().ids)
    missing = [record_id for record_id in ids if record_id not in found]
    if missing:
        shown = ", ".join(map(str, missing[:MAX_SHOWN_IDS])) + (", ..." if len(missing) > MAX_SHOWN_IDS else "")
        raise NotFound(
            f"{records._name} records {shown} do not exist; nothing was changed.",
            missing_ids=missing,
        )
    return records.browse(ids)


def write_records(scope, records, ids, values):
    """Write the same ``values`` (a JSON object) on the records ``ids``, as the single update does."""
    check_count(records.env, "ids", ids)
    try:
        values = checked_values(scope, records, values, creating=False)
    except InvalidInput as error:
        raise InvalidInput(*((f"values.{param['name']}", param["reason"]) for param in error.invalid_params)) from None
    if not values:
        raise InvalidInput(("values", "names no field to update"))
    targets = existing_records(records, ids)
    references.check_referenced(
        records.env, references.referenced_ids(values, records._name, fields_of(records), "values.")
    )
    with orm_values():
        targets.write(values)
        records.env.flush_all()
    return targets.ids


def unlink_records(records, ids):
    """Delete the records ``ids``, as the single delete does."""
    check_count(records.env, "ids", ids)
    targets = existing_records(records, ids)
    with orm_values():
        targets.unlink()
        records.env.flush_all()
    return ids
