import functools
import re

from odoo import http
from odoo.http import request
from odoo.modules.module import get_manifest
from odoo.tools import file_open

from odoo.addons.rest_api_auth.credentials import API_KEY_HEADERS, LOGIN_TOKEN_HEADERS, parse_credentials
from odoo.addons.rest_api_auth.exceptions import AuthenticationFailed, NotFound
from odoo.addons.rest_api_core import metrics
from odoo.addons.rest_api_core.controllers.webhooks import may_manage as may_manage_webhooks
from odoo.addons.rest_api_core.dispatch import api_endpoint, authenticate_request
from odoo.addons.rest_api_core.responses import json_response
from odoo.addons.rest_api_core.routes import api_route, route
from odoo.addons.rest_api_core.settings import page_limits

from .. import catalog
from ..models.res_config_settings import docs_public
from ..openapi import build_openapi
from ..postman import build_postman

TITLE = "Odoo REST API"
# the Swagger UI page loads only its own static files and talks only to this server
DOCS_PAGE_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]
# a document made for one key's scope must not be cached by anything between
NO_STORE = {
    "Cache-Control": "no-store",
    "Vary": ", ".join((*API_KEY_HEADERS, "Authorization", *LOGIN_TOKEN_HEADERS)),
}


@functools.cache
def _docs_page():
    with file_open("rest_api_docs/static/src/html/docs.html", "rb") as page:
        return page.read()


def _server_url():
    """This server as the client reached it: the request's URL root (behind a proxy, with
    ``--proxy-mode``, the ``X-Forwarded-Host``/``-Proto`` it set), never a configured host."""
    return request.httprequest.url_root.rstrip("/")


def _options():
    return {
        "version": get_manifest("rest_api_core")["version"],
        "title": TITLE,
        "page_limits": page_limits(request.env),
    }


def build_document(models_param=None):
    """``(document, authenticated)``: the OpenAPI document this request may see, and whether
    it is a key's (its models) rather than the generic one (anonymous)."""
    names = catalog.parse_models_param(models_param)
    credentials = parse_credentials(request.httprequest.headers)
    if not (credentials.api_key or credentials.login_token):
        if names is not None:
            raise AuthenticationFailed("Per-model documentation needs an API key.", error="invalid_request")
        if not docs_public(request.env):
            raise AuthenticationFailed("The API documentation needs an API key.", error="invalid_request")
        return build_openapi(_server_url(), None, **_options()), False
    # a key that requires login tokens reads its documentation without one (the registry's policy)
    context = authenticate_request()
    docs, detailed = catalog.model_docs(request.env, context.scope, names)
    key = context.key
    document = build_openapi(
        _server_url(),
        docs,
        compact=not detailed,
        token_generation=bool(key.api_key_id and key.allow_token_generation),
        login_token_required=key.require_login_token,
        metrics=metrics.may_read(request.env, key.api_key_id),
        webhooks=may_manage_webhooks(request.env, key.api_key_id),
        **_options(),
    )
    return document, True


def key_document(key_id):
    """The document of REST API key ``key_id`` for a web client user who may read the key (its form's buttons).

    Built as the key's user (never as superuser): what a request with the key would see.
    A key that does not exist and one the user may not read are alike: 404.
    """
    key = request.env["rest.api.key"].browse(key_id).exists()
    if not (key and key.has_access("read")):
        raise NotFound(f"There is no REST API key with id {key_id}.")
    # the key's policy as authentication reads it (its lines name models through ir.model,
    # which users may not read); the documentation itself is built as the key's user
    scope = key.sudo()._rest_api_scope()
    docs, detailed = catalog.model_docs(request.env(user=key.user_id.id), scope)
    document = build_openapi(
        _server_url(),
        docs,
        compact=not detailed,
        token_generation=key.allow_token_generation,
        login_token_required=key.require_login_token,
        metrics=metrics.may_read(request.env, key.id),
        webhooks=may_manage_webhooks(request.env, key.id),
        **_options(),
    )
    return key, document


def _attachment(filename):
    safe = re.sub(r"[^\w. -]+", "_", filename).strip() or "collection"
    return {"Content-Disposition": f'attachment; filename="{safe}.postman_collection.json"'}


class DocsController(http.Controller):
    @api_route("openapi")
    def openapi_document(self, models=None, **_params):
        """The OpenAPI 3.1 document: generic when anonymous, per model for an API key (``?models=`` narrows)."""
        document, _authenticated = build_document(models)
        return json_response(document, headers=NO_STORE)

    @api_route("postman_collection")
    def postman_collection(self, models=None, **_params):
        """The same document as a Postman v2.1 collection (a key's names its database; the generic one does not)."""
        document, authenticated = build_document(models)
        name = f"{TITLE} ({request.httprequest.host})"
        collection = build_postman(document, name=name, database=request.db if authenticated else "")
        return json_response(collection, headers=NO_STORE)

    @route("docs_page")
    def docs_page(self, **_params):
        """Swagger UI, from this addon's static files: it loads ``/api/openapi.json`` (with the key once authorized)."""
        return request.make_response(_docs_page(), headers=DOCS_PAGE_HEADERS)

    @http.route(
        "/rest_api_docs/keys/<int:key_id>/openapi.json", type="http", auth="user", methods=["GET"], readonly=True
    )
    @api_endpoint
    def key_openapi_document(self, key_id, **_params):
        """The document of a key, for its form's "Open API Docs" (web client session)."""
        _key, document = key_document(key_id)
        return json_response(document, headers={"Cache-Control": "no-store"})

    @http.route(
        "/rest_api_docs/keys/<int:key_id>/postman_collection.json",
        type="http",
        auth="user",
        methods=["GET"],
        readonly=True,
    )
    @api_endpoint
    def key_postman_collection(self, key_id, **_params):
        """The collection of a key, downloaded from its form (the secret is left for the user to fill in)."""
        key, document = key_document(key_id)
        name = f"{TITLE} ({request.httprequest.host}) - {key.name}"
        collection = build_postman(document, name=name, database=request.db)
        return json_response(collection, headers={"Cache-Control": "no-store", **_attachment(key.name)})
