"""``POST /api/batch``: operations on any models, run in order in one transaction.

Each operation (``create``, ``update``, ``delete``, ``execute_kw``) is checked and authorized
exactly as its single endpoint: the key's scope for its model and operation (and method), the
reach of its values, Odoo's access rights and rules as the effective user. A later operation
may use an earlier one's result with ``{"$result": <index>}`` wherever a value goes: the id it
created, else its ids, else the method's result (as JSON). The first failure rolls every
operation back (a savepoint around them all) and answers that operation's problem, with its
index in ``operation``. The whole body is checked before anything runs.
"""

from odoo.http import request

from odoo.addons.rest_api_auth.authentication import check_scope

from . import bulk, serialization
from .controllers.api import _model, call_method
from .dispatch import LET_ODOO_RETRY, known_error, to_rest_error
from .endpoints import batch_operation_schemas, check_body
from .query import InvalidInput

REFERENCE = "$result"
# what {"$result": i} stands for: the first of these members of operation i's result
RESULT_VALUES = ("id", "ids", "result")
OPERATION_SCHEMAS = batch_operation_schemas()
_ENVELOPE = {
    "type": "object",
    "required": ["operations"],
    "properties": {"operations": {"type": "array", "minItems": 1, "items": {"type": "object"}}},
    "additionalProperties": False,
}


def at_operation(exc, index):
    """The problem answering ``exc``, raised by the operation ``index``: it names the operation."""
    error = known_error(exc) or to_rest_error(exc)
    error.extensions["operation"] = index
    return error


def parse_operations(env, body):
    """The operations of the batch ``body``, checked (400 naming the operation; 413 above
    ``rest_api.max_batch``) before any runs."""
    check_body(_ENVELOPE, body)
    operations = body["operations"]
    bulk.check_count(env, "operations", operations)
    for index, operation in enumerate(operations):
        try:
            _check_operation(operation, index)
        except InvalidInput as exc:
            raise at_operation(exc, index) from None
    return operations


def _check_operation(operation, index):
    kind = operation.get("op")
    if not isinstance(kind, str) or kind not in OPERATION_SCHEMAS:
        raise InvalidInput(("op", f"must be one of {', '.join(OPERATION_SCHEMAS)}"))
    check_body(OPERATION_SCHEMAS[kind], operation)
    if kind in ("update", "delete") and ("id" in operation) == ("ids" in operation):
        raise InvalidInput(("id", "give either id (one record) or ids (several records)"))
    for path, reference in _references(operation):
        target = reference.get(REFERENCE)
        if set(reference) != {REFERENCE} or type(target) is not int or not 0 <= target < index:
            earlier = f"0 to {index - 1}" if index else "none: this is the first operation"
            raise InvalidInput((path, f'must be {{"$result": <index of an earlier operation>}} ({earlier})'))


def _references(value):
    """``(path, reference)`` of every object with a ``$result`` member in ``value`` (iteratively:
    the body's depth is the client's)."""
    stack = [("", value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            if REFERENCE in node:
                yield path, node
                continue
            stack.extend((f"{path}.{name}" if path else name, item) for name, item in node.items())
        elif isinstance(node, list):
            stack.extend((f"{path}[{position}]", item) for position, item in enumerate(node))


def _resolved(value, values):
    """``value`` with each reference replaced by the result value it names."""
    if isinstance(value, dict):
        if REFERENCE in value:
            return values[value[REFERENCE]]
        return {name: _resolved(item, values) for name, item in value.items()}
    if isinstance(value, list):
        return [_resolved(item, values) for item in value]
    return value


class _Failed(Exception):
    """Operation ``index`` raised ``exc``: answered once the savepoint is rolled back (turning a
    constraint violation into a problem reads the database)."""

    def __init__(self, index, exc):
        super().__init__(index, exc)
        self.index, self.exc = index, exc


def run(auth, operations):
    """Run the checked ``operations`` as the key of ``auth``: one result per operation; the first
    failure rolls all of them back and is raised with its index."""
    results, values = [], []
    try:
        with request.env.cr.savepoint():
            for index, operation in enumerate(operations):
                try:
                    result = _run_one(auth, operation, values)
                except LET_ODOO_RETRY:
                    raise  # Odoo runs the whole request again
                except Exception as exc:
                    raise _Failed(index, exc) from exc
                results.append(result)
                values.append(next(result[name] for name in RESULT_VALUES if name in result))
    except _Failed as failure:
        raise at_operation(failure.exc, failure.index) from failure.exc
    return results


def _run_one(auth, operation, values):
    try:
        resolved = _resolved(operation, values)
    except RecursionError:
        raise InvalidInput(("operation", "is nested too deeply")) from None
    return _RUNNERS[resolved["op"]](auth, resolved)


def _under(member, error):
    """``error`` with the names of its invalid parameters under the operation's ``member``."""
    params = error.invalid_params if isinstance(error, InvalidInput) else error.extensions.get("invalid_params")
    for param in params or ():
        separator = "" if param["name"].startswith("[") else "."
        param["name"] = f"{member}{separator}{param['name']}"
    return error


# a batch operation -> the operation of the key's scope its single endpoint checks
SCOPE_OPERATIONS = {"create": "create", "update": "write", "delete": "unlink", "execute_kw": "execute"}


def _records(auth, operation, op):
    """The model of ``operation`` after the key's scope check its single endpoint makes."""
    check_scope(auth.key, operation["model"], SCOPE_OPERATIONS[op], None)
    return _model(operation["model"])


def _target_ids(operation):
    if "id" in operation:
        return bulk.checked_ids([operation["id"]], "id", "must be a record id (an integer from 1 to 2147483647)")
    ids = operation["ids"]
    return bulk.checked_ids(ids if isinstance(ids, list) else [ids])


def _create(auth, operation):
    records = _records(auth, operation, "create")
    values = operation["values"]
    try:
        if isinstance(values, list):
            return {"ids": bulk.create_records(auth.scope, records, values)}
        return {"id": bulk.create_records(auth.scope, records, [values], indexed=False)[0]}
    except LET_ODOO_RETRY:
        raise
    except Exception as exc:
        error = known_error(exc)
        if error is None:
            raise
        raise _under("values", error) from exc


def _update(auth, operation):
    records = _records(auth, operation, "update")
    return {"ids": bulk.write_records(auth.scope, records, _target_ids(operation), operation["values"])}


def _delete(auth, operation):
    records = _records(auth, operation, "delete")
    return {"ids": bulk.unlink_records(records, _target_ids(operation))}


def _execute_kw(auth, operation):
    model = operation["model"]
    check_scope(auth.key, model, SCOPE_OPERATIONS["execute_kw"], None)
    body = {name: operation[name] for name in ("method", "args", "kwargs") if name in operation}
    return {"result": serialization.loads(call_method(auth, model, body))}


_RUNNERS = {"create": _create, "update": _update, "delete": _delete, "execute_kw": _execute_kw}
