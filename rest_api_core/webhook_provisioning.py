"""The input checks of ``rest.api.webhook.generate_webhook`` (and of ``POST /api/webhooks``):
plain data in, a subscription's values out. What needs the database (the key, the model, its
fields) is checked by the model's constraints."""

from odoo.exceptions import ValidationError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__, default_lang="en_US")

EVENTS = ("created", "updated", "deleted")
# a subscription's state -> its label (the model's selection)
STATES = {"healthy": "Healthy", "failing": "Failing", "disabled": "Disabled"}
PROVISIONING_MEMBERS = {"name", "key_id", "url", "model", "events", "domain", "fields"}
MAX_URL_LENGTH = 2048
MAX_DOMAIN_LENGTH = 4096
MAX_FIELDS = 200


def _invalid(message):
    return ValidationError(str(message))


def webhook_values(vals):
    """The ``rest.api.webhook`` values of a ``generate_webhook`` call (the model as ``model_name``)."""
    if not isinstance(vals, dict):
        raise _invalid(_lt("generate_webhook expects a dictionary of values."))
    unknown = sorted(set(vals) - PROVISIONING_MEMBERS)
    if unknown:
        raise _invalid(_lt("Unknown member(s) in generate_webhook values: %s", ", ".join(unknown)))
    name, url, model = vals.get("name"), vals.get("url"), vals.get("model")
    if not isinstance(name, str) or not name.strip():
        raise _invalid(_lt("A webhook needs a name (a non-empty string)."))
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL_LENGTH:
        raise _invalid(
            _lt("A webhook needs a url (an http:// or https:// URL of at most %s characters).", MAX_URL_LENGTH)
        )
    if not isinstance(model, str) or not model:
        raise _invalid(_lt("A webhook needs a model (a model name such as res.partner)."))
    key_id = vals.get("key_id")
    if not isinstance(key_id, int) or isinstance(key_id, bool):
        raise _invalid(_lt("key_id must be a rest.api.key id."))
    events = vals.get("events", list(EVENTS))
    if not isinstance(events, list) or not events or any(event not in EVENTS for event in events):
        raise _invalid(_lt("events must be a non-empty list of 'created', 'updated', 'deleted'."))
    domain = vals.get("domain") or "[]"
    if not isinstance(domain, str | list) or len(str(domain)) > MAX_DOMAIN_LENGTH:
        raise _invalid(
            _lt("domain must be a domain (a list, or its text) of at most %s characters.", MAX_DOMAIN_LENGTH)
        )
    field_names = vals.get("fields") or []
    if (
        not isinstance(field_names, list)
        or len(field_names) > MAX_FIELDS
        or not all(isinstance(field, str) for field in field_names)
    ):
        raise _invalid(_lt("fields must be a list of at most %s field names.", MAX_FIELDS))
    return {
        "name": name.strip(),
        "key_id": key_id,
        "url": url.strip(),
        "model_name": model,
        **{f"event_{event}": event in events for event in EVENTS},
        "domain": domain if isinstance(domain, str) else repr(domain),
        "field_names": ", ".join(field_names) or False,
    }


def parse_field_names(text):
    """``"name, email"`` -> ``["name", "email"]``."""
    return [name.strip() for name in (text or "").replace(";", ",").split(",") if name.strip()]


def request_schema():
    """The body of ``POST /api/webhooks``: ``generate_webhook``'s values but the key (the caller's)."""
    return {
        "type": "object",
        "required": ["name", "url", "model"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 256},
            "url": {"type": "string", "minLength": 1, "maxLength": MAX_URL_LENGTH, "description": "http(s) URL"},
            "model": {"type": "string", "minLength": 1, "maxLength": 128},
            "events": {"type": "array", "items": {"enum": list(EVENTS)}, "minItems": 1, "uniqueItems": True},
            "domain": {"type": "array", "maxItems": 100, "description": "Only the records matching it."},
            "fields": {"type": "array", "items": {"type": "string", "maxLength": 128}, "maxItems": MAX_FIELDS},
        },
        "additionalProperties": False,
    }


def subscription_schema():
    """One subscription as ``GET /api/webhooks`` lists it (``controllers.webhooks``); never its secret."""
    return {
        "type": "object",
        "required": ["id", "name", "url", "model", "events", "domain", "fields", "active", "state"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "name": {"type": "string"},
            "url": {"type": "string"},
            "model": {"type": "string"},
            "events": {"type": "array", "items": {"enum": list(EVENTS)}},
            "domain": {"type": "string", "description": "The domain, as text (a Python literal)."},
            "fields": {"type": "array", "items": {"type": "string"}, "description": "Empty: every readable field."},
            "active": {"type": "boolean"},
            "state": {"enum": list(STATES)},
        },
    }


def created_schema():
    """The answer of ``POST /api/webhooks`` (and of ``generate_webhook``): the secret, shown only there."""
    return {
        "type": "object",
        "required": ["id", "secret"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "secret": {
                "type": "string",
                "pattern": "^whsec_[A-Za-z0-9+/]+=*$",
                "description": "The signing secret (Standard Webhooks), returned only here: keep it.",
            },
        },
    }
