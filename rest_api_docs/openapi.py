"""The OpenAPI 3.1 document of the REST API, built from plain data.

Nothing here touches Odoo. The controller gathers, for the effective user and
the key's scope, one :class:`ModelDoc` per model (its ``fields_get()`` and the
operations allowed) and :func:`build_openapi` turns them into the document:
the model schemas (:mod:`.model_schemas`, from the field-type contract), the
paths (:mod:`.paths`) and the shared components (:mod:`.components`).
Without models (anonymous visitors) the document describes the generic
``/api/{model}/...`` paths only, so it reveals nothing about the database.
"""

from dataclasses import dataclass, field

from odoo.addons.rest_api_auth.scope import DENIED_MODEL_PREFIXES, model_denied
from odoo.addons.rest_api_core import batch
from odoo.addons.rest_api_core.model_schemas import field_schemas

from .components import (
    KEY_ONLY_SECURITY,
    OPERATIONS,
    SECURITY,
    TOKEN_SECURITY,
    error_responses,
    headers,
    parameters,
    security_schemes,
    shared_schemas,
)
from .examples import add_body_examples
from .file_paths import FileDoc
from .model_schemas import model_schemas
from .paths import batch_example, batch_paths, compact_paths, metrics_paths, model_paths, token_paths
from .tags import documentation_order
from .webhook_docs import (
    DELIVERY_DESCRIPTION,
    delivery_parameters,
    event_schema,
    event_webhooks,
    subscription_paths,
    subscription_schemas,
)

__all__ = [
    "KEY_ONLY_SECURITY",
    "OPERATIONS",
    "TOKEN_SECURITY",
    "FileDoc",
    "ModelDoc",
    "build_openapi",
    "field_schemas",
]

OPENAPI_VERSION = "3.1.0"
# The most models a document details (paths and field schemas of each, from fields_get()):
# more makes a compact document, and ``?models=`` may name at most this many. Bounds the
# cost of generating the document and keeps it usable in Swagger UI and Postman.
MAX_DETAILED_MODELS = 100
# the operations a batch may run: it is documented for a key allowed one of them on some model
BATCH_OPERATIONS = frozenset(batch.SCOPE_OPERATIONS.values())


@dataclass(frozen=True)
class ModelDoc:
    """What the documentation needs to know about one model, as seen by the effective user."""

    model: str  # technical name, e.g. "res.partner"
    description: str  # the model's label, e.g. "Contact"
    fields: dict  # fields_get() of the effective user
    operations: frozenset  # a subset of OPERATIONS
    methods: tuple = ()  # the key's execute_kw allow-list for this model; empty: any public method
    defaulted: frozenset = field(default_factory=frozenset)  # fields that get a value when omitted on create
    feed: bool = True  # whether the model keeps write dates, which its change feed needs
    files: FileDoc = None  # its binary fields, reports and attachments (catalog.with_fields); None: none
    # what the key may do on the comodels of its x2many fields that the document leaves out:
    # {model: operations} (catalog)
    comodels: dict = field(default_factory=dict)


# ---------------------------------------------------------------- the document

API_DESCRIPTION = """\
CRUD and method calls on Odoo models over HTTP+JSON. Every call runs as a real Odoo user,
under Odoo's access rights and record rules, narrowed by the API key's scope.

**Authentication.** Send the API key in the `api-key` header (or `X-API-Key`, or
`Authorization: Bearer <key>`). A login token from `POST /api/generate_token`, sent in
`Login-Token` with the same key, makes the request run as the token's user.

**Values.** Records are serialized as Odoo's `read()` does: many2one `[id, "name"]` or `false`,
x2many lists of ids, dates `YYYY-MM-DD`, datetimes `YYYY-MM-DD HH:MM:SS` (UTC), empty values `false`.

**Errors** are `application/problem+json` (RFC 9457) with the HTTP status: 400 bad input, 401 bad
credentials, 403 refused by scope or access rights, 404 unknown model or record, 405 method not
allowed on the path, 409 unique-constraint conflict, 422 refused by Odoo, 429 throttled
(`Retry-After`). A failed request writes nothing. Each operation lists the statuses it may answer;
its `default` response is the same problem shape for any other status.

**Throttling.** Throttled keys get `RateLimit-Policy` and `RateLimit` headers on every response.

**Several databases.** On a server hosting several databases, name the database of each request
in the `X-Odoo-Database` header (or the `db` query parameter); a single database needs nothing.
"""
CREDENTIALS_DESCRIPTION = (
    "\n**Credentials and the request log are never served**: models whose name starts with "
    + ", ".join(f"`{prefix}`" for prefix in DENIED_MODEL_PREFIXES)
    + " answer 403 on every path, whatever the key's scope (keys, tokens and the request log are managed in Odoo "
    "itself).\n"
)
LOGIN_REQUIRED_DESCRIPTION = """
**This API key requires a login token** on every request but `POST /api/generate_token` (and
this documentation): send the token with the key, in `Login-Token` (or as `Authorization: Bearer
<token>` with the key in `api-key`); a request with the key alone gets 401.
"""
LOGIN_FLOW_DESCRIPTION = """Get one with the key alone: `POST /api/generate_token` (body
`{"expiration_days": 10}`, optionally `"user_id"`) returns it in `login_token`.
"""
LOGIN_ISSUED_DESCRIPTION = """This key may not generate tokens itself: an administrator issues them
(user form, "REST API" tab).
"""


def _document_description(models, compact, token_generation, login_token_required):
    description = API_DESCRIPTION + CREDENTIALS_DESCRIPTION
    if models is None:
        description += (
            "\nThis is the generic document. Authorize with an API key to get one set of paths per model "
            "the key may use, with the fields of each model.\n"
        )
    elif compact:
        description += (
            f"\nThis API key may use {len(models)} models: more than the {MAX_DETAILED_MODELS} a document details, "
            "so each operation lists them in its `model` parameter. For the paths and fields of the models you "
            f"need, ask for them, up to {MAX_DETAILED_MODELS} at a time: `?models=res.partner,sale.order`; "
            "`GET /api/{model}/schema` describes the fields of any of them.\n"
        )
    if login_token_required:
        description += LOGIN_REQUIRED_DESCRIPTION
        description += LOGIN_FLOW_DESCRIPTION if token_generation else LOGIN_ISSUED_DESCRIPTION
    return description


def _in_documentation_order(models):
    """``models`` (ModelDocs) as their tags appear: see :mod:`.tags`."""
    by_name = {doc.model: doc for doc in models}
    return [by_name[name] for name in documentation_order(by_name)]


def _batch_example(models):
    """The batch example on the first model (in documentation order) the key may create records of."""
    creatable = [doc for doc in _in_documentation_order(models or ()) if "create" in doc.operations]
    if not creatable:
        return None
    return batch_example(creatable[0].model, creatable[0].operations, creatable[0].methods)


def build_openapi(
    server_url,
    models=None,
    *,
    version,
    title="Odoo REST API",
    page_limits=None,
    token_generation=True,
    login_token_required=False,
    compact=False,
    metrics=False,
    webhooks=False,
):
    """The OpenAPI 3.1 document (a dict, ready for JSON).

    ``models``: the :class:`ModelDoc` of every model to document, or ``None``
    for the anonymous document (generic ``/api/{model}`` paths only); models
    for which ``rest_api_auth.scope.model_denied`` holds are never documented.
    ``compact``: document ``models`` (their fields unused) through the
    generic paths, each operation listing the models it may be used on.
    ``page_limits``: the server's ``(default, maximum)`` page size (``settings.page_limits``).
    ``token_generation``: whether to document ``POST /api/generate_token``.
    ``login_token_required``: the key needs a login token on data requests:
    they require it (``TOKEN_SECURITY``), and the token endpoint comes first.
    ``metrics``: whether to document ``GET /api/metrics``: only for a key that may read it,
    since its figures span every key.
    ``webhooks``: whether to document ``/api/webhooks``: only for a key allowed to manage its
    webhooks. The events a subscription of the key may post are documented in any case (top-level
    ``webhooks``): a manager may subscribe any key to the models it may read.
    """
    if models is not None:
        models = [doc for doc in models if doc.operations and not model_denied(doc.model)]
    schemas = shared_schemas()
    paths, tags = {}, []
    if models is None:
        paths.update(model_paths(None, "Records", set(OPERATIONS)))
        tags.append({"name": "Records", "description": "Any model the API key may use."})
    elif compact:
        paths.update(compact_paths(models))
        tags.append({"name": "Records", "description": "The models this API key may use."})
    else:
        documented = {doc.model: doc.operations for doc in models}
        for model_doc in _in_documentation_order(models):
            paths.update(
                model_paths(
                    model_doc.model,
                    model_doc.model,
                    model_doc.operations,
                    model_doc.methods,
                    feed=model_doc.feed,
                    files=model_doc.files,
                )
            )
            schemas.update(model_schemas(model_doc, documented))
            tags.append({"name": model_doc.model, "description": model_doc.description or model_doc.model})
    if models is None or any(doc.operations & BATCH_OPERATIONS for doc in models):
        paths.update(batch_paths("Batch", _batch_example(models)))
        tags.append({"name": "Batch", "description": "Operations on any models in one transaction."})
    if token_generation:
        paths.update(token_paths("Login tokens"))
        token_tag = {"name": "Login tokens", "description": "JWT login tokens acting as an individual user."}
        # a key that requires tokens starts there (in Swagger UI, and as the collection's first folder)
        tags.insert(0 if login_token_required else len(tags), token_tag)
    if metrics:
        paths.update(metrics_paths("Monitoring"))
        tags.append({"name": "Monitoring", "description": "Counters of every key's requests, for Prometheus."})
    # the models whose events a subscription of the key may post (None: any, the generic document)
    readable = (
        None if models is None else [doc.model for doc in _in_documentation_order(models) if "read" in doc.operations]
    )
    if webhooks and models is not None:
        paths.update(subscription_paths("Webhooks", readable[0] if readable else "res.partner"))
        schemas.update(subscription_schemas())
        tags.append({"name": "Webhooks", "description": "This key's subscriptions to the changes of models."})
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": version,
            "description": _document_description(models, compact, token_generation, login_token_required),
        },
        "servers": [{"url": server_url}],
        "security": TOKEN_SECURITY if login_token_required else SECURITY,
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": parameters(page_limits),
            "headers": headers(),
            "responses": error_responses(),
            "securitySchemes": security_schemes(),
        },
    }
    if readable is None or readable:
        document["webhooks"] = event_webhooks(readable, detailed=models is not None and not compact)
        document["components"]["parameters"].update(delivery_parameters())
        document["components"]["schemas"]["WebhookEvent"] = event_schema()
        document["info"]["description"] += DELIVERY_DESCRIPTION
    return add_body_examples(document)
