"""Odoo routes from the endpoint registry: a controller method names its endpoints, the
paths, HTTP methods and options of its ``@http.route`` come from ``endpoints.py``.

``@api_route("search")`` is ``@http.route(...)`` plus :func:`~.dispatch.api_endpoint`, and
tells :func:`~.dispatch.authenticate_request` which endpoint the request is served by (its
scope operation and login-token policy).
"""

import functools
import re

from odoo import http
from odoo.http import request

from . import settings
from .dispatch import api_endpoint, body_limit, method_not_allowed, serve_endpoint
from .endpoints import BY_ACTION, FIXED_NAMES

# the registry's path parameters as Odoo's route converters (and the controllers' argument names)
PATH_CONVERTERS = {
    "model": "string:model",
    "id": "int:record_id",
    "field": "string:field_name",
    "report": "string:report",
}
_PARAMETER = re.compile(r"\{(\w+)\}")


def _body_limit(_controller):
    """Odoo (werkzeug) refuses a body announcing more with 413 before reading any of it, and
    reads a chunked one no further; one byte more than the setting, so that
    ``controllers.api.read_body`` can tell a chunked body over the limit from one just at it.
    Without a database (none named on a multi-database server) there is no setting to read:
    the default."""
    return (body_limit() if request.db else settings.MAX_BODY_SIZE) + 1


# The options of every /api route.
JSON_ROUTE = {"type": "http", "auth": "none", "csrf": False, "save_session": False, "max_content_length": _body_limit}


def odoo_path(path):
    """``/api/{model}/{id}`` -> ``/api/<string:model>/<int:record_id>``."""
    return _PARAMETER.sub(lambda match: f"<{PATH_CONVERTERS[match[1]]}>", path)


def route(*actions, **options):
    """The ``@http.route`` of the registry endpoints ``actions``, served by one controller
    method: their paths (and aliases) and HTTP methods; read-only (a read replica may serve
    it) when they are all GETs that need not see the primary. ``options`` add to or override :data:`JSON_ROUTE`."""
    served = [BY_ACTION[action] for action in actions]
    paths = [odoo_path(path) for endpoint in served for path in (endpoint.path, *endpoint.aliases)]
    methods = list(dict.fromkeys(endpoint.method for endpoint in served))
    return http.route(
        list(dict.fromkeys(paths)),
        methods=methods,
        readonly=methods == ["GET"] and not any(endpoint.primary for endpoint in served),
        **{**JSON_ROUTE, **options},
    )


def api_route(*actions, **options):
    """:func:`route`, with ``api_endpoint``'s error handling and headers; the request is
    authenticated as the endpoint its HTTP method selects (HEAD as GET)."""
    by_method = {BY_ACTION[action].method: BY_ACTION[action] for action in actions}

    def decorator(function):
        @functools.wraps(function)
        def serve(controller, *args, **kwargs):
            method = request.httprequest.method
            endpoint = by_method.get("GET" if method == "HEAD" else method)
            # PUT /api/health reaches the many-records route, yet names no model: 405 before any
            # authentication, as the other methods no route serves (controllers.fallback)
            path = request.httprequest.path
            not_allowed = endpoint and kwargs.get("model") in FIXED_NAMES and method_not_allowed(path)
            if not_allowed:
                raise not_allowed
            serve_endpoint(endpoint, kwargs)
            return function(controller, *args, **kwargs)

        return route(*actions, **options)(api_endpoint(serve))

    return decorator
