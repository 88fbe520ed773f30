"""``POST /json/2/<model>/<method>``: Odoo 19's JSON-2 API on Odoo 18, under this API's keys.

As Odoo 19 defines it: ``Authorization: bearer <key>`` (any credential the API takes: REST
keys, personal keys, ``api-key``), the body the method's named arguments with optional
``ids`` and ``context``, the answer the method's result as JSON, an error the JSON-2 error
object (``json2.py``) with Odoo 19's status. The call runs the rules of ``execute_kw``
(``api.check_operations``, ``api.checked_call``, ``api.run_call``, which ``api.call_method``
runs too) on the named arguments, bound once to the method's signature: the key's scope with
its method allow-list, the operations of the ORM's generic methods, private methods refused,
the reach checks and the bounds of search limits, the throttle.
"""

import functools

from odoo import http
from odoo.http import request

from odoo.addons.rest_api_auth.exceptions import NotFound, UnprocessableContent

from .. import json2, method_call
from ..dispatch import api_endpoint, authenticate_request, serve_endpoint
from ..endpoints import WRITE_ERRORS, Endpoint
from ..query import InvalidInput
from ..responses import json_bytes_response
from ..routes import JSON_ROUTE
from ..serialization import MAX_ID
from .api import _model, check_operations, checked_call, json_body, public_method, run_call

JSON2 = Endpoint("json2", "POST", "/json/2/{model}/{method}", "execute", errors=WRITE_ERRORS)
_ERROR_ATTRIBUTE = "_rest_api_json2_error"  # the exception a JSON-2 request failed with


def json2_endpoint(function):
    """``api_endpoint`` (authentication state, headers, request log), its problems as JSON-2 errors."""

    @functools.wraps(function)
    def serve(controller, *args, **kwargs):
        serve_endpoint(JSON2)
        try:
            return function(controller, *args, **kwargs)
        except Exception as exc:
            setattr(request, _ERROR_ATTRIBUTE, exc)
            raise

    served = api_endpoint(serve)

    @functools.wraps(function)
    def wrapper(controller, *args, **kwargs):
        response = served(controller, *args, **kwargs)
        if response.status_code < 400:  # a problem is an error
            return response
        return json2.from_problem(response, getattr(request, _ERROR_ATTRIBUTE, None))

    return wrapper


class Json2(http.Controller):
    @http.route("/json/2/<string:model>/<string:method>", methods=["POST"], **JSON_ROUTE)
    @json2_endpoint
    def json2(self, model, method, **_params):
        auth = authenticate_request(model=model, method=method)  # the scope with the method's allow-list
        body = json_body(empty={})
        ids = _record_ids(body.pop("ids", []))
        context = body.pop("context", None) or {}
        records = _model(model)
        try:
            function, signature = public_method(records, method)  # private methods: 403
        except AttributeError:
            raise NotFound(f"The method '{model}.{method}' does not exist.") from None
        record_method = not getattr(function, "_api", None)
        if ids and not record_method:
            raise UnprocessableContent(f"cannot call {model}.{method} with ids")
        try:
            bound = signature.bind(records, **body)
        except TypeError as error:
            raise UnprocessableContent(str(error)) from None
        if getattr(function, "_api", None) == "model_create":
            _records, *positional = bound.args  # Odoo's call_kw reads create's values by position
            if positional and isinstance(positional[0], dict):  # Odoo 19 answers a list of ids, also for one
                bound.arguments[list(signature.parameters)[1]] = [positional[0]]
        method_call.check_method_name(method)
        context = method_call.filter_context(context)
        check_operations(auth.scope, model, method)
        args, kwargs = checked_call(records, method, ids if record_method else None, bound, auth.scope)
        return json_bytes_response(run_call(records, method, args, kwargs, context))

    @http.route(["/json/2", "/json/2/<path:subpath>"], methods=["GET", "POST", "PUT", "PATCH", "DELETE"], **JSON_ROUTE)
    @json2_endpoint
    def not_found(self, subpath=None, **_params):
        raise NotFound("Did you mean POST /json/2/<model>/<method>?")


def _record_ids(value):
    """The body's ``ids``: an id or a list of ids (Odoo 19 browses whatever it gets)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) and 0 < item <= MAX_ID for item in value
    ):
        raise InvalidInput(("ids", "must be a list of record ids (positive integers)"))
    return value
