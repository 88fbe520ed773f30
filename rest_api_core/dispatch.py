"""What every ``/api`` controller method shares: errors, headers, database, CORS.

A controller method decorated with :func:`api_endpoint` (under
``@http.route``) may raise the typed errors of ``rest_api_auth.exceptions``
or let Odoo's own exceptions through; either way the client gets an
``application/problem+json`` response with the right status after the
transaction is rolled back, so a failed request writes nothing. Anything
unexpected becomes a generic 500, with the details only in the server log.

Every response carries ``X-Request-ID`` (the client's, or a new one), the
CORS headers when the request's ``Origin`` is allowed, and, once the request
is authenticated through :func:`authenticate_request`, the headers of the
key's policy (``RateLimit``...). ``OPTIONS`` preflights are answered here.

The request headers every endpoint takes are applied here too, from the endpoint registry:
``X-Odoo-Company`` (``company``), ``Idempotency-Key`` on the writing endpoints
(``idempotency``), ``ETag``/``If-Match``/``If-None-Match`` on a record's (``conditional``).
"""

import contextlib
import dataclasses
import functools
import logging
import threading
import time

import psycopg2
import psycopg2.errors
import werkzeug.exceptions

from odoo.exceptions import AccessDenied, AccessError, MissingError, RedirectWarning, UserError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, _as_validation_error

from odoo.addons.rest_api_auth.authentication import authenticate, charge
from odoo.addons.rest_api_auth.exceptions import (
    BadRequest,
    Conflict,
    MethodNotAllowed,
    NotFound,
    PermissionDenied,
    RestApiError,
    ServiceUnavailable,
    UnprocessableContent,
)

from . import availability, company, conditional, idempotency, multidb, request_log, settings
from .endpoints import FIXED_NAMES
from .errors import ContentTooLarge
from .http_headers import REQUEST_ID_HEADER, cors_headers, request_id
from .query import InvalidInput
from .responses import problem_response

_logger = logging.getLogger(__name__)

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CATCH_ALL_ROUTES = ("/api", "/api/", "/api/<path:subpath>")
# the many-records route matches every /api/<name>: it serves a path only when <name> is a model
MODEL_ROUTE = "/api/<string:model>"
# Errors Odoo handles itself around the request: it retries the whole request
# on concurrency errors, and re-runs it on a read-write cursor when a
# read-only route writes.
LET_ODOO_RETRY = (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, psycopg2.errors.ReadOnlySqlTransaction)
# The database server went away (stopped, restarted, network): see _connection_error.
CONNECTION_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)


class _ApiRequest:
    """Per-request state of the API layer, kept on ``odoo.http.request``."""

    def __init__(self, httprequest):
        self.request_id = request_id(httprequest.headers.get(REQUEST_ID_HEADER))
        self.endpoint = None  # the registry Endpoint serving the request (see routes.api_route)
        self.route_args = {}  # the route's arguments (model, record_id...)
        self.auth = None  # AuthContext once authenticated
        self.idempotency = None  # the idempotency.Claim of this attempt, once authenticated
        self.charged_more = False  # whether charge_more charged this request's further operations
        self.body_limit = None  # rest_api.max_body_size, once read (see body_limit)


def _state():
    state = getattr(request, "_rest_api", None)
    if state is None:
        state = request._rest_api = _ApiRequest(request.httprequest)
    return state


def body_limit():
    """``rest_api.max_body_size`` (``settings.max_body_size``), read once per request: the route's
    ``max_content_length`` needs it before the endpoint runs (``routes``), ``read_body`` after
    (two system parameters: some 3 % of the instructions of a one-record JSON-2 read)."""
    state = _state()
    if state.body_limit is None:
        state.body_limit = settings.max_body_size(request.env)
    return state.body_limit


def serve_endpoint(endpoint, route_args=None):
    """Record the registry ``Endpoint`` serving this request and its route's arguments (``routes.api_route`` does)."""
    state = _state()
    state.endpoint = endpoint
    state.route_args = route_args or {}


def authenticate_request(model=None, method=None):
    """Authenticate the request for its endpoint (see ``rest_api_auth.authentication.authenticate``):
    the scope operation and the login-token policy the registry declares for it.

    Switches ``request.env`` to the effective user and makes every later
    response, error or not, carry the key policy's headers.

    Odoo may run the same request again (after a serialization failure, or on a
    read-write cursor after a read-only one): the request is then authenticated
    again but charged only once, and keeps the first attempt's RateLimit headers.

    Then the request headers apply: ``X-Odoo-Company`` switches the companies (403 outside the
    user's), a writing endpoint's ``Idempotency-Key`` replays a stored response (or 409, 422),
    a record's ``If-Match`` is checked under a row lock (412).
    """
    state = _state()
    endpoint = state.endpoint
    charged = state.auth is not None
    context = authenticate(
        request,
        endpoint.operation,
        model=model,
        method=method,
        login_token=endpoint.login_token,
        charge=not charged,
    )
    if charged:
        context = dataclasses.replace(context, response_headers=state.auth.response_headers)
    state.auth = context
    company.apply(request)
    if endpoint.writes:
        state.idempotency = idempotency.begin(request, context)
    conditional.check_if_match(request, endpoint, state.route_args)
    return context


def charge_more(count):
    """Charge the authenticated request ``count`` more requests of its key's rate (a batch's
    operations beyond the first): 429 when over it. Once: not again when Odoo runs the request
    again. Later responses carry the last charge's ``RateLimit`` headers."""
    state = _state()
    if state.charged_more or count < 1:
        return
    state.charged_more = True
    verdict = charge(request.env, state.auth.key, count)
    if verdict:
        state.auth = dataclasses.replace(state.auth, response_headers=verdict.headers())


def api_endpoint(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        started = time.perf_counter()
        state = _state()
        headers = {REQUEST_ID_HEADER: state.request_id}
        if not request.db:
            response = problem_response(_database_error())
        else:
            preflight = request.httprequest.method == "OPTIONS"
            headers.update(_cors_headers(preflight))
            if preflight:
                response = request.make_response(b"", status=204)
                response.headers.pop("Content-Type", None)
            elif multidb.requested_database(request.httprequest) not in (None, request.db):
                response = problem_response(_database_error())
            elif "rest_api_core" not in request.registry._init_modules:
                # loaded server-wide, the routes exist in every database, installed or not
                response = problem_response(NotFound(f"The REST API is not installed in database {request.db!r}."))
            else:
                response = _call(method, self, args, kwargs)
        if state.auth is not None:  # an error's own policy headers (a 429's) win
            policy_headers = state.auth.response_headers.items()
            headers = {**{name: value for name, value in policy_headers if name not in response.headers}, **headers}
        _add_headers(response, headers)
        request_log.record(request, state.auth, response, started, state.request_id)
        return response

    return wrapper


def _cors_headers(preflight=False):
    """The CORS headers of this request's response (see ``http_headers.cors_headers``)."""
    origin = request.httprequest.headers.get("Origin")
    methods = allowed_methods(request.httprequest.path) if preflight and origin else None
    return cors_headers(origin, settings.cors_origins(request.env), methods)


def _add_headers(response, headers):
    """Set ``headers`` on ``response``, adding to its ``Vary`` rather than replacing it."""
    headers = dict(headers)
    vary = headers.pop("Vary", None)
    response.headers.update(headers)
    if vary:
        response.headers["Vary"] = ", ".join(filter(None, [response.headers.get("Vary"), vary]))


def _call(method, controller, args, kwargs):
    state = _state()
    state.idempotency = None  # Odoo may run the request again: each attempt claims its key afresh
    try:
        response = method(controller, *args, **kwargs)
        if state.endpoint is not None and 200 <= response.status_code < 300:
            response = conditional.finish(request, state.endpoint, state.route_args, response)
            idempotency.store(request, state.idempotency, response)
        return response
    except idempotency.Replay as replay:  # nothing was done: the stored response is the answer
        return replay.response
    except LET_ODOO_RETRY:
        raise
    except Exception as exc:
        _rollback()
        return problem_response(to_rest_error(exc))


def _rollback():
    """Roll back the request's transaction; a connection the database server dropped has nothing to roll back.

    The ``Idempotency-Key`` claim goes with it (its lock was the transaction's): a request whose
    effect was rolled back is never stored, even when it answers 2xx (an MCP tool error)."""
    _state().idempotency = None
    with contextlib.suppress(*CONNECTION_ERRORS):
        request.env.cr.rollback()


def to_rest_error(exc):
    """The :class:`RestApiError` to answer ``exc`` with (after a rollback)."""
    error = known_error(exc)
    if error is not None:
        return error
    httprequest = request.httprequest
    _logger.error(
        "Unexpected error serving %s %s (X-Request-ID %s)",
        httprequest.method,
        httprequest.path,
        _state().request_id,
        exc_info=exc,
    )
    return RestApiError("An unexpected error occurred; the server log has the details.")


# What Odoo's code raises on values or arguments of the wrong form: a date "2020-13-45" or a
# selection value not in the list (ValueError), a domain that is a string (AssertionError), an
# access mode "fly", a list where a specification object belongs (AttributeError), a field name
# that is not one, ir.model created without a model name (KeyError), a list nested too deep...
ARGUMENT_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, AssertionError, RecursionError)
OUR_MODULES = "odoo.addons.rest_api_"


@contextlib.contextmanager
def orm_values():
    """Around the ORM calls on the client's values (create, write, unlink, search): see :func:`orm_call`."""
    with orm_call(None):
        yield


@contextlib.contextmanager
def orm_call(target):
    """Around an ORM call on the client's values or arguments (``target``: the method
    ``execute_kw`` calls, ``res.partner.search``; None for the values of create, write...).

    One rule for both: a request whose values or arguments Odoo's code cannot take (an
    :data:`ARGUMENT_ERRORS` raised by Odoo) is malformed, a 400; a well-formed one that Odoo
    refuses on its data (``UserError``, constraints) is a 422 (see ``known_error``). Raised
    by our own code, an :data:`ARGUMENT_ERRORS` stays a bug (a 500).
    """
    try:
        yield
    except InvalidInput:
        raise
    except UnicodeEncodeError as exc:  # a ValueError whose only argument is "utf-8"
        raise _unencodable_text(exc) from exc
    except ARGUMENT_ERRORS as exc:
        if _raised_by_us(exc):
            raise
        if target is None and isinstance(exc, ValueError):
            raise BadRequest(_message(exc)) from exc
        if target is None:
            raise BadRequest(
                f"Odoo could not process these values ({type(exc).__name__}: {_message(exc)}); "
                "see the model's schema for the fields it needs."
            ) from exc
        detail = _message(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {_message(exc)}"
        raise BadRequest(f"The arguments do not fit {target}: {detail}") from exc


def _unencodable_text(exc):
    character = exc.object[exc.start : exc.end].encode("unicode_escape").decode()
    return BadRequest(
        f"A text contains {character}, which is not valid Unicode (a lone UTF-16 surrogate?); send UTF-8 text."
    )


def _raised_by_us(exc):
    """Whether the innermost frame of ``exc``'s traceback is in one of this project's addons."""
    traceback = exc.__traceback__
    while traceback and traceback.tb_next:
        traceback = traceback.tb_next
    return bool(traceback) and traceback.tb_frame.f_globals.get("__name__", "").startswith(OUR_MODULES)


def known_error(exc):
    """The :class:`RestApiError` for an exception the API expects, or None for a bug (a 500)."""
    for types, make_error in _ERROR_MAPPING:
        if isinstance(exc, types):
            return make_error(exc)
    return None


def _message(exc):
    return str(exc.args[0]) if exc.args else type(exc).__name__


def _integrity_error(exc):
    """Odoo's own wording of a constraint violation (as its RPC shows it); 409 for duplicates."""
    message = _message(_as_validation_error(request.env, exc))
    return Conflict(message) if isinstance(exc, psycopg2.errors.UniqueViolation) else UnprocessableContent(message)


def _connection_error(exc):
    """503 when the database server went away during the request (stopped, restarted, unreachable):
    connection errors carry no SQLSTATE, an administrator's shutdown one of class 57P."""
    if isinstance(exc, psycopg2.OperationalError) and exc.pgcode and not exc.pgcode.startswith("57P"):
        return None  # e.g. a statement timeout: not an outage
    return database_unreachable()


def database_unreachable():
    """The 503 of a database outage: retry later, nothing was changed."""
    retry_after = availability.RETRY_AFTER_SECONDS
    return ServiceUnavailable(
        "The database is unreachable; retry the request later. Nothing was changed.",
        headers={"Retry-After": str(retry_after)},
        retry_after=retry_after,
    )


def _http_error(exc):
    """werkzeug's HTTP errors (413 body too large, ...) as problems with the same status."""
    if exc.code == 413:  # refused by its Content-Length before it is read (see controllers.api.read_body)
        # the route's own limit: one byte over the setting (controllers.api._body_limit, files._upload_limit)
        route_limit = request.httprequest.max_content_length
        return ContentTooLarge(route_limit - 1 if route_limit else settings.max_body_size(request.env))
    error = RestApiError(exc.description)
    error.status, error.title = exc.code, exc.name
    error.slug = exc.name.lower().replace(" ", "-")
    return error


# First match wins: subclasses before their bases (AccessError and MissingError are
# UserErrors). A ValueError is a 400 only when the ORM raised it (``orm_values``).
_ERROR_MAPPING = (
    (RestApiError, lambda exc: exc),
    (InvalidInput, lambda exc: BadRequest(str(exc), invalid_params=exc.invalid_params)),
    (AccessDenied | AccessError, lambda exc: PermissionDenied(_message(exc))),
    (MissingError, lambda exc: NotFound(_message(exc))),
    (UserError | RedirectWarning, lambda exc: UnprocessableContent(_message(exc))),
    (psycopg2.IntegrityError, _integrity_error),
    (psycopg2.DataError, lambda exc: BadRequest(exc.diag.message_primary or "A value is invalid for the database.")),
    (werkzeug.exceptions.HTTPException, _http_error),
    (
        PG_CONCURRENCY_EXCEPTIONS_TO_RETRY,
        lambda exc: ServiceUnavailable("The database is busy with concurrent updates; retry the request."),
    ),
    (CONNECTION_ERRORS, _connection_error),
)


def _database_error():
    """The error of a request served without a database: an outage (503), or no database chosen."""
    name = multidb.requested_database(request.httprequest)
    if availability.database_unavailable(name):
        return database_unreachable()
    if name:
        return NotFound(f"Database {name!r} is not available on this server.")
    return BadRequest(
        f"This server hosts several databases: name one with the {multidb.DATABASE_HEADER} header "
        f"or the {multidb.DATABASE_PARAM} query parameter."
    )


def method_not_allowed(path):
    """The 405 answering a method the API does not serve on ``path``, with ``Allow``; None when
    no method serves it."""
    methods = allowed_methods(path)
    if not methods:
        return None
    return MethodNotAllowed(
        f"{request.httprequest.method} is not allowed on {path}; use {', '.join(methods)}.",
        headers={"Allow": ", ".join([*methods, "OPTIONS"])},
    )


def allowed_methods(path):
    """The HTTP methods the API serves on ``path`` (besides OPTIONS)."""
    router = request.env["ir.http"].routing_map().bind_to_environ(request.httprequest.environ)
    methods = []
    for method in HTTP_METHODS:
        try:
            rule, arguments = router.match(path, method=method, return_rule=True)
        except werkzeug.exceptions.HTTPException:
            continue
        if rule.rule in CATCH_ALL_ROUTES or arguments.get("model") in FIXED_NAMES:
            continue
        if rule.rule != MODEL_ROUTE or arguments["model"] in request.registry:
            methods.append(method)
    return methods


def error_response(exc):
    """The problem response for an error raised outside :func:`api_endpoint`.

    Used by ``ir.http._handle_error`` for ``/api`` paths: e.g. a request
    still failing on concurrent updates after Odoo's retries, or a form body
    over the size limit that Odoo refused before the endpoint ran. It carries
    the CORS headers too, so that a browser client can read it, and it is
    counted and logged like the endpoints' answers (when the database answers).
    """
    state = _state()
    response = problem_response(to_rest_error(exc))
    headers = {REQUEST_ID_HEADER: state.request_id}
    if request.db and request.env and not request.env.cr.closed:
        # Odoo rolls back anyway; the CORS setting is read on a sane transaction, if the database still answers
        with contextlib.suppress(*CONNECTION_ERRORS):
            request.env.cr.rollback()
            headers.update(_cors_headers())
            _add_headers(response, headers)
            request_log.record(request, state.auth, response, _request_started(), state.request_id)
            return response
    _add_headers(response, headers)
    return response


def _request_started():
    """When Odoo started serving this request, on the ``perf_counter`` clock (now if unknown)."""
    perf_t0 = getattr(threading.current_thread(), "perf_t0", None)
    return time.perf_counter() - (max(0.0, time.time() - perf_t0) if perf_t0 else 0.0)
