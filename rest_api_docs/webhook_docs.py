"""Webhooks in the OpenAPI document: the ``/api/webhooks`` subscription endpoints (for a key
allowed to manage its webhooks) and the events a receiver gets, as OpenAPI 3.1 top-level
``webhooks`` (see docs/webhooks.md).

The endpoints come from the registry (``rest_api_core.endpoints``), their bodies from
``rest_api_core.webhook_provisioning``, the headers of a delivery from
``rest_api_core.webhook_delivery``. An event's ``data`` is the model's record schema (the
field-type contract's, :mod:`.model_schemas`), referenced rather than repeated: a detailed
document has one entry per model and event (at most ``MAX_DETAILED_MODELS`` models); a compact
or generic one, one entry per event, whose ``type`` names the models (it has no model schemas).
"""

from odoo.addons.rest_api_auth.scope import MODEL_NAME
from odoo.addons.rest_api_core import webhook_delivery, webhook_provisioning
from odoo.addons.rest_api_core.endpoints import BY_ACTION
from odoo.addons.rest_api_core.model_schemas import record_schema_name

from .model_schemas import schema_ref
from .paths import _json_body, _operation, _responses

EVENTS = webhook_provisioning.EVENTS
SUBSCRIPTION_ACTIONS = ("webhooks", "webhook_create", "webhook_delete")
EXAMPLE_URL = "https://example.com/odoo-webhooks"
# the example subscription matches no record: running the Postman collection announces nothing
EXAMPLE_DOMAIN = [["id", "=", 0]]
EVENT_TEXT = {"created": "was created", "updated": "was updated", "deleted": "was deleted"}


def _header(name, description, schema, example):
    return {"name": name, "in": "header", "required": True, "description": description, "schema": schema,
            "example": example}  # fmt: skip


def delivery_parameters():
    """The Standard Webhooks headers of every delivery, as component parameters."""
    return {
        "webhook_id": _header(
            webhook_delivery.ID_HEADER,
            "The event's id: the same for every attempt and redelivery of the event; de-duplicate on it.",
            {"type": "string"},
            "msg_1f2e3d4c_812",
        ),
        "webhook_timestamp": _header(
            webhook_delivery.TIMESTAMP_HEADER,
            "When this attempt was signed, in Unix seconds: refuse one too old (Standard Webhooks libraries: "
            "5 minutes).",
            {"type": "string", "pattern": "^[0-9]+$"},
            "1796100000",
        ),
        "webhook_signature": _header(
            webhook_delivery.SIGNATURE_HEADER,
            "`v1,` + base64 of HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the "
            "base64-decoded part of the subscription's secret after `whsec_`; during a secret rotation, two "
            "such signatures separated by a space.",
            {"type": "string", "pattern": r"^v1,[A-Za-z0-9+/]+=*( v1,[A-Za-z0-9+/]+=*)*$"},
            "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
        ),
    }


def subscription_schemas():
    return {
        "WebhookRequest": webhook_provisioning.request_schema(),
        "Webhook": webhook_provisioning.subscription_schema(),
        "WebhookCreated": webhook_provisioning.created_schema(),
    }


def subscription_paths(tag, example_model="res.partner"):
    """``/api/webhooks`` (list, create) and ``/api/webhooks/{id}`` (delete), as the registry declares them."""
    example = {"name": "Example subscription", "url": EXAMPLE_URL, "model": example_model,
               "events": list(EVENTS), "domain": EXAMPLE_DOMAIN, "fields": ["display_name"]}  # fmt: skip
    listing, create, delete = (BY_ACTION[action] for action in SUBSCRIPTION_ACTIONS)

    def operation(action, **kwargs):
        return _operation(None, action, tag, **kwargs)

    return {
        listing.path: {
            listing.method.lower(): operation(
                listing.action,
                summary="List this key's webhooks",
                description="The subscriptions of the calling API key (never their secrets). Needs the *Manage "
                "Webhooks* permission, which a REST API manager sets (403 for any other key).",
                responses=_responses(
                    str(listing.status), "The subscriptions.", {"type": "array", "items": {"$ref": _ref("Webhook")}}
                ),
            ),
            create.method.lower(): operation(
                create.action,
                summary="Create a webhook",
                description="Subscribes a URL to the changes of a model, read as this API key reads them (its "
                "scope, its user's access rights and record rules) when each event is sent. `events` defaults "
                "to all three; `fields` to every field the key may read but binaries. The answer holds the "
                "signing secret, shown only there (an `Idempotency-Key` is not stored for it). 422: a model the "
                "key may not read, a URL the server refuses (internal addresses), an unknown field, a bad domain.",
                responses=_responses(str(create.status), "Created, with its secret.", {"$ref": _ref("WebhookCreated")}),
                body=_json_body({"$ref": _ref("WebhookRequest")}, example),
            ),
        },
        delete.path: {
            delete.method.lower(): operation(
                delete.action,
                summary="Delete a webhook",
                description="Deletes one of this key's subscriptions, and its pending events (404 for another key's).",
                responses=_responses(str(delete.status), "Deleted.", {"$ref": _ref("Deleted")}),
                parameters=({"$ref": "#/components/parameters/id"},),
            )
        },
    }


def _ref(name):
    return schema_ref(name)


DELIVERY_DESCRIPTION = f"""
**Webhooks.** A subscription (`rest.api.webhook`: by a REST API manager, or `POST /api/webhooks` for a
key allowed to) posts the changes of a model to a URL, read as its key reads them: the document's
top-level `webhooks` are those posts, one per model and event the key may read. Each is signed with
Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`): verify it before trusting
the body. Sent after the change's commit, at least once (de-duplicate on `webhook-id`), in the order
of the subscription's changes; a `2xx` answer delivers it, `410` disables the subscription, anything
else (or no answer within {webhook_delivery.TIMEOUT} s) is retried with back-off,
{webhook_delivery.MAX_ATTEMPTS} attempts over about {sum(webhook_delivery.RETRY_DELAYS) // 3600} hours.
*Send Test Event* posts `<model>.test` with `data` `{{"id": 0}}`.
"""
RESPONSES = {
    "2XX": {"description": "Delivered."},
    "410": {"description": "Gone: the subscription is disabled."},
    "default": {"description": "Not delivered: retried with back-off."},
}


def event_schema():
    """The envelope of every event (component ``WebhookEvent``); an entry narrows ``type`` and ``data``."""
    return {
        "type": "object",
        "title": "Webhook event",
        "required": ["type", "timestamp", "data"],
        "properties": {
            "type": {"type": "string", "description": "`<model>.<event>`."},
            "timestamp": {
                "type": "string",
                "description": "When the change was made (its transaction's start), UTC, ISO 8601.",
                "examples": ["2026-12-02T06:50:00Z"],
            },
            "data": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer", "minimum": 0}},
                "description": "The record as the subscription's key reads it when the event is sent (its "
                "fields, and `id`); only `id` for a deletion.",
            },
        },
    }


def _delivery(summary, type_schema, record=None):
    payload = {"allOf": [{"$ref": _ref("WebhookEvent")}], "properties": {"type": type_schema}}
    if record is not None:
        payload["properties"]["data"] = record
    return {
        "post": {
            "summary": summary,
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in delivery_parameters()],
            "requestBody": {"required": True, "content": {"application/json": {"schema": payload}}},
            "responses": RESPONSES,
            "security": [],
        }
    }


def event_webhooks(models, detailed):
    """The top-level ``webhooks``: ``models``, the names of the models whose events the key could be
    subscribed to (those it may read; None: the generic document); ``detailed``: the document has
    their record schemas (one entry per model and event), else one entry per event."""
    if detailed:
        return {
            f"{model}.{event}": _delivery(
                f"A {model} record {EVENT_TEXT[event]}",
                {"const": f"{model}.{event}"},
                None if event == "deleted" else {"$ref": _ref(record_schema_name(model))},
            )
            for model in models
            for event in EVENTS
        }
    entries = {}
    for event in EVENTS:
        if models is None:
            type_schema = {"pattern": rf"^{MODEL_NAME}\.{event}$", "examples": [f"res.partner.{event}"]}
        else:
            type_schema = {"enum": [f"{model}.{event}" for model in models]}
        entries[f"{{model}}.{event}"] = _delivery(f"A record {EVENT_TEXT[event]}", type_schema)
    return entries
