import functools

from odoo import http
from odoo.http import request
from odoo.modules.module import get_manifest
from odoo.tools import file_open

from odoo.addons.rest_api_auth.credentials import parse_credentials
from odoo.addons.rest_api_auth.exceptions import AuthenticationFailed
from odoo.addons.rest_api_core.dispatch import api_endpoint, authenticate_request
from odoo.addons.rest_api_core.responses import json_response
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
NO_STORE = {"Cache-Control": "no-store", "Vary": "api-key, X-API-Key, api_key, Authorization, Login-Token"}


@functools.cache
def _docs_page():
    with file_open("rest_api_docs/static/src/html/docs.html", "rb") as page:
        return page.read()


def _server_url():
    return request.httprequest.url_root.rstrip("/")


def build_document(models_param=None):
    """The OpenAPI document this request may see: generic when anonymous, else its key's models."""
    names = catalog.parse_models_param(models_param)
    credentials = parse_credentials(request.httprequest.headers)
    options = {
        "version": get_manifest("rest_api_core")["version"],
        "title": TITLE,
        "max_limit": page_limits(request.env)[1],
    }
    if not (credentials.api_key or credentials.login_token):
        if names is not None:
            raise AuthenticationFailed("Per-model documentation needs an API key.", error="invalid_request")
        if not docs_public(request.env):
            raise AuthenticationFailed("The API documentation needs an API key.", error="invalid_request")
        return build_openapi(_server_url(), None, **options)
    context = authenticate_request("docs")
    docs = catalog.model_docs(request.env, context.scope, names)
    key = context.key
    token_generation = bool(key and key.api_key_id and key.allow_token_generation)
    return build_openapi(_server_url(), docs, token_generation=token_generation, **options)


class DocsController(http.Controller):
    @http.route(
        "/api/openapi.json", type="http", auth="none", methods=["GET"], csrf=False, save_session=False, readonly=True
    )
    @api_endpoint
    def openapi_document(self, models=None, **_params):
        """The OpenAPI 3.1 document: generic when anonymous, per model for an API key (``?models=`` narrows)."""
        return json_response(build_document(models), headers=NO_STORE)

    @http.route(
        "/api/postman_collection.json",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
        readonly=True,
    )
    @api_endpoint
    def postman_collection(self, models=None, **_params):
        """The same document as a Postman v2.1 collection."""
        collection = build_postman(build_document(models), name=f"{TITLE} ({request.httprequest.host})")
        return json_response(collection, headers=NO_STORE)

    @http.route("/api/docs", type="http", auth="none", methods=["GET"], csrf=False, save_session=False, readonly=True)
    def docs_page(self, **_params):
        """Swagger UI, from this addon's static files: it loads ``/api/openapi.json`` (with the key once authorized)."""
        return request.make_response(_docs_page(), headers=DOCS_PAGE_HEADERS)
