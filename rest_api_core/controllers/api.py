"""The ``/api/<model>/...`` endpoints: search, read, count, schema, create, update, delete, execute_kw.

Each call authenticates first, then runs as the effective user, under
Odoo's access rights and record rules; nothing the client names is ever
run as superuser. Errors are mapped to problem+json by ``api_endpoint``.
"""

import inspect
import weakref

from odoo import api, http
from odoo.http import request
from odoo.service.model import get_public_method

from odoo.addons.rest_api_auth.authentication import check_scope
from odoo.addons.rest_api_auth.exceptions import BadRequest, NotFound, PermissionDenied, UnprocessableContent

from .. import (
    bulk,
    endpoints,
    field_lists,
    field_types,
    method_call,
    pagination,
    query,
    references,
    request_log,
    serialization,
    settings,
)
from ..dispatch import authenticate_request, body_limit, orm_call, orm_values
from ..errors import ContentTooLarge, UnsupportedMediaType
from ..reach import (
    VALUES_METHODS,
    call_domains,
    check_reach,
    load_effects,
    read_reach,
    required_operations,
    x2many_effects,
)
from ..reach import fields_of as _fields_of
from ..reach import rec_names_of as _rec_names_of
from ..reach import records_domain_reach as _domain_reach
from ..responses import json_bytes_response, json_response
from ..routes import api_route

MAX_ID = serialization.MAX_ID  # PostgreSQL integer: larger ids cannot exist


def _model(name):
    """The model ``name`` in the effective user's environment; 404 when there is none."""
    registry = request.env.registry
    if name not in registry or registry[name]._abstract:
        raise NotFound(f"Unknown model {name!r}.")
    return request.env[name]


_PUBLIC_METHODS = weakref.WeakKeyDictionary()  # model class -> {method name: (function, signature)}


def public_method(records, name):
    """``(function, signature)`` of the public method ``name`` of ``records``' model, as Odoo's
    ``get_public_method`` finds it (AttributeError when there is none, AccessError when it is
    private). That walks the class's MRO (about 50 classes for ``res.partner``) on each call;
    a registry's classes do not change, so each worker looks a method up once per class (a
    reloaded registry's new classes anew, the old ones' entries go with them)."""
    methods = _PUBLIC_METHODS.setdefault(type(records), {})
    found = methods.get(name)
    if found is None:
        function = get_public_method(records, name)
        found = methods[name] = (function, inspect.signature(function))
    return found


def _domain(text, records):
    """The ``domain`` query parameter, parsed, bounded and checked against the model."""
    return query.parse_domain(text, records._name, _fields_of(records), settings.domain_limits(request.env))


def _field_names(model, fields_text):
    """Fields to read: the ones asked for, else all readable non-binary ones (cached, see ``field_lists``)."""
    names = query.parse_fields(fields_text, model._fields)
    if names:
        return names
    return field_lists.default_fields(model)


def _checked_id(record_id):
    """Odoo's ``int`` route converter also matches 0 and negative numbers."""
    if record_id < 1:
        raise BadRequest(f"{record_id} is not a record id (a positive integer).")
    return record_id


def _record(model, record_id):
    """The existing record ``record_id``; 404 otherwise (access is checked by the operation)."""
    record = model.browse(record_id) if _checked_id(record_id) <= MAX_ID else model.browse()
    if not record.exists():
        raise NotFound(f"{model._name} record {record_id} does not exist.")
    return record


def read_body():
    """The request body, at most ``rest_api.max_body_size`` bytes: 413 beyond, also for a
    chunked body, which announces no length and is read up to one byte over the limit."""
    limit = body_limit()
    body = request.httprequest.get_data()
    if len(body) > limit:
        raise ContentTooLarge(limit)
    request_log.remember_body(request, body)
    return body


def json_body(empty=None, arrays=False):
    """The request body, a JSON object (``Content-Type: application/json`` or none), or an array
    when ``arrays``. When the endpoint's body is optional, an empty one is ``empty``, whatever its
    content type."""
    raw = read_body()
    if empty is not None and not raw.strip():
        return empty
    mimetype = request.httprequest.mimetype
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"Send the body as JSON (Content-Type: application/json), not {mimetype}.")
    return serialization.parse_json_object(raw, arrays=arrays)


class RestApi(http.Controller):
    @api_route("search")
    def search(self, model, **params):
        """Records matching ``domain``, a page at a time; ``Link: rel="next"`` when more follow
        (with a ``cursor`` when the order allows one, see ``pagination``; else with ``offset``)."""
        auth = authenticate_request(model=model)
        records = _model(model)
        domain = _domain(params.get("domain"), records)
        check_reach(auth.scope, _domain_reach(domain, records), "filtering on")
        names = _field_names(records, params.get("fields"))
        order = query.parse_order(params.get("order"), records._fields)
        default_limit, max_limit = settings.page_limits(request.env)
        limit = query.parse_limit(params.get("limit"), default_limit, max_limit)
        offset = query.parse_offset(params.get("offset"))
        args = request.httprequest.args.items(multi=True)
        terms = pagination.keyset_terms(records, order)
        cursor_text = params.get("cursor")
        if cursor_text is not None and params.get("offset") is not None:
            raise query.InvalidInput(("offset", "cannot be combined with cursor"))
        if cursor_text is not None or (terms and params.get("offset") is None):  # a cursor page: never an OFFSET
            values = None if cursor_text is None else pagination.read_cursor(records, terms, cursor_text)
            with orm_values():
                rows, cursor = pagination.cursor_page(records, domain, names, terms, values=values, limit=limit)
            link = cursor and pagination.cursor_link(request.httprequest.path, args, cursor)
            return json_response(rows, headers={"Link": link} if link else {})
        with orm_values():
            rows = records.search_read(domain, names, offset=offset, limit=limit + 1, order=order)
        headers = {}
        if len(rows) > limit:
            del rows[limit:]
            headers["Link"] = query.next_page_link(request.httprequest.path, args, offset, limit)
        return json_response(rows, headers=headers)

    @api_route("record_count")
    def record_count(self, model, domain=None, **_params):
        auth = authenticate_request(model=model)
        records = _model(model)
        domain = _domain(domain, records)
        check_reach(auth.scope, _domain_reach(domain, records), "filtering on")
        with orm_values():
            count = records.search_count(domain)
        return json_response({"model": model, "domain": domain, "record_count": count})

    @api_route("schema")
    def schema(self, model, **_params):
        """``fields_get()`` of the model: the fields the user may read, if the user may read the model."""
        authenticate_request(model=model)
        records = _model(model)
        records.check_access("read")
        return json_response(records.fields_get())

    @api_route("read")
    def read(self, model, record_id, fields=None, **_params):  # pylint: disable=method-required-super
        authenticate_request(model=model)
        records = _model(model)
        names = _field_names(records, fields)
        with orm_values():
            rows = records.browse(record_id).read(names) if _checked_id(record_id) <= MAX_ID else []
        if not rows:
            raise NotFound(f"{model} record {record_id} does not exist.")
        return json_response(rows[0])

    @api_route("create")
    def create(self, model, **_params):  # pylint: disable=method-required-super
        auth = authenticate_request(model=model)
        records = _model(model)
        body = json_body(arrays=True)
        if isinstance(body, list):  # many records, one create (see bulk)
            ids = bulk.create_records(auth.scope, records, body)
            return json_response({"ids": ids, "message": endpoints.BULK_CREATED_MESSAGE}, status=201)
        values = serialization.to_write_values(body, field_types.describer(records.env), model)
        effects = x2many_effects(values, model, _fields_of(records), creating=True)
        check_reach(auth.scope, effects, "the commands of")
        references.check_references(request.env, values, model, _fields_of(records))
        with orm_values():
            record = records.create(values)
            request.env.flush_all()  # constraint violations surface here, as problems
        return json_response(
            {"id": record.id, "message": endpoints.BY_ACTION["create"].message},
            status=endpoints.BY_ACTION["create"].status,
            headers={"Location": f"/api/{model}/{record.id}"},
        )

    @api_route("update", "patch")
    def update(self, model, record_id, **_params):
        """Write the fields in the body (PUT and PATCH alike: fields not sent are kept)."""
        auth = authenticate_request(model=model)
        records = _model(model)
        values = serialization.to_write_values(json_body(), field_types.describer(records.env), model)
        if not values:
            raise BadRequest("The body names no field to update.")
        check_reach(auth.scope, x2many_effects(values, model, _fields_of(records)), "the commands of")
        record = _record(records, record_id)
        references.check_references(request.env, values, model, _fields_of(records))
        with orm_values():
            record.write(values)
            request.env.flush_all()
        return json_response({"message": endpoints.BY_ACTION["update"].message})

    @api_route("delete")
    def delete(self, model, record_id, **_params):
        authenticate_request(model=model)
        record = _record(_model(model), record_id)
        with orm_values():
            record.unlink()
            request.env.flush_all()
        return json_response({"message": endpoints.BY_ACTION["delete"].message})

    @api_route("execute_kw")
    def execute_kw(self, model, **_params):
        """Call a public model method, as Odoo's ``execute_kw`` does; the result as JSON.

        Authentication comes first, so that an anonymous client gets nothing read
        or parsed; the method's own scope (allow-list, password methods) is
        checked once the body names it.
        """
        auth = authenticate_request(model=model)
        return json_bytes_response(call_method(auth, model, json_body()))


def call_method(auth, model, body):
    """The JSON result (bytes) of the method call ``body`` (``{"method", "args", "kwargs"}``) on
    ``model``, under the rules of ``execute_kw``: also what MCP's ``call_method`` runs (JSON-2
    runs the same rules on its named arguments, see ``controllers.json2``)."""
    call = method_call.parse_method_call(body)
    check_scope(auth.key, model, "execute", call.method)
    records = _model(model)
    check_operations(auth.scope, model, call.method)
    args, kwargs = _checked_arguments(records, call, auth.scope)
    endpoints.check_body(endpoints.execute_kw_body_schema(), body)
    return run_call(records, call.method, args, kwargs, call.context)


def check_operations(scope, model, method):
    """403 unless ``scope`` allows the operations besides "execute" that ``method`` needs on ``model``."""
    for operation in required_operations(method):
        if not scope.allows(model, operation):
            raise PermissionDenied(f"This API key may not {operation} {model}, so it may not call {method} either.")


def run_call(records, method, args, kwargs, context):
    """The JSON result (bytes) of ``api.call_kw`` with checked arguments; the client's (filtered)
    ``context`` over the request's."""
    kwargs["context"] = {**request.env.context, **context}
    with orm_call(f"{records._name}.{method}"):
        result = api.call_kw(records, method, args, kwargs)
        request.env.flush_all()
    try:
        return serialization.dumps(result)
    except (TypeError, ValueError) as error:
        raise UnprocessableContent(
            f"The result of {records._name}.{method} cannot be represented as JSON ({error}); nothing was changed."
        ) from None


def _checked_arguments(records, call, scope):
    """The positional and keyword arguments for ``api.call_kw``, checked against the method's signature.

    Private methods (leading ``_``) and ``@api.private`` ones (``sudo``,
    ``with_user``...) are refused (403) exactly as ``/web/dataset/call_kw``
    refuses them. Arguments that do not fit the signature are a 400 here
    rather than a TypeError inside the method. Then :func:`checked_call`.
    """
    if call.method.startswith("_"):
        raise PermissionDenied(f"Private methods (such as {records._name}.{call.method}) cannot be called remotely.")
    try:
        function, signature = public_method(records, call.method)
    except AttributeError:
        raise BadRequest(f"{records._name} has no method {call.method!r}.") from None
    args = list(call.args)
    ids = None
    if not getattr(function, "_api", None):  # a record method: args[0] is the record ids
        if not args:
            raise query.InvalidInput(("args", f"args[0] must be the record ids {call.method} runs on"))
        ids = method_call.record_ids(args.pop(0))
    try:
        bound = signature.bind(records, *args, **call.kwargs)
    except TypeError as error:
        raise BadRequest(f"Arguments do not match {records._name}.{call.method}: {error}.") from None
    return checked_call(records, call.method, ids, bound, scope)


def checked_call(records, method, ids, bound, scope):
    """``(args, kwargs)`` for ``api.call_kw`` of ``method`` with the ``bound`` arguments (``ids``:
    the records of a record method, else None), once they pass the rules of ``execute_kw``.

    The ``limit`` of a search method is bounded by ``rest_api.max_limit``; the x2many commands
    in the values of ``create``, ``write``... and the sub-record columns of ``load`` must stay
    within the key's ``scope`` (403), and so must the other models their domains and field
    specifications read.
    """
    signature = bound.signature
    if method in method_call.LIMITED_METHODS and "limit" in signature.parameters:
        _default_limit, max_limit = settings.page_limits(request.env)
        default = signature.parameters["limit"].default
        bound.arguments["limit"] = method_call.checked_limit(bound.arguments.get("limit"), default, max_limit)
    domains = call_domains(method, bound.arguments)
    limits = settings.domain_limits(request.env) if domains else None
    for domain in domains:
        query.check_domain_size(domain, limits)
    _check_values_reach(records, method, ids, bound, scope)
    reach = read_reach(method, bound.arguments, records._name, _fields_of(records), _rec_names_of(records))
    check_reach(scope, reach, f"{method} through")
    return [*([] if ids is None else [ids]), *bound.args[1:]], bound.kwargs


def _check_values_reach(records, method, ids, bound, scope):
    """403 when the x2many commands in the values given to ``create``, ``write``...
    or the sub-record columns of ``load`` reach records the key's ``scope`` does not allow."""
    parameters = list(bound.signature.parameters)
    first = bound.arguments.get(parameters[1]) if len(parameters) > 1 else None
    fields_of = _fields_of(records)
    if method == "load":
        check_reach(scope, load_effects(first, records._name, fields_of), "importing the column")
    elif method in VALUES_METHODS and first is not None:
        creating = method in ("create", "copy") or (method == "web_save" and not ids)
        for values in first if method == "create" and isinstance(first, list) else [first]:
            effects = x2many_effects(values, records._name, fields_of, creating=creating)
            check_reach(scope, effects, f"{method} through")
            references.check_references(records.env, values, records._name, fields_of)
