"""``/api/webhooks``: the calling key's own webhook subscriptions (see docs/webhooks.md).

Only for keys a REST API manager allowed to ("Manage Webhooks" on the key): a subscription
reads data as the key's user, within the key's scope, which the subscription's constraints
check; so the key's user needs no access right on the subscriptions themselves, and they are
created, listed and deleted as superuser, limited to the calling key's own.
"""

from odoo import http
from odoo.http import request

from odoo.addons.rest_api_auth.exceptions import NotFound, PermissionDenied

from .. import endpoints, webhook_provisioning
from ..dispatch import authenticate_request
from ..responses import json_response
from ..routes import api_route
from .api import MAX_ID, json_body


def may_manage(env, key_id):
    """Whether REST API key ``key_id`` may manage its own webhooks (and see these endpoints in its
    OpenAPI document): the "Manage Webhooks" permission a manager sets. A personal key may not."""
    return bool(key_id) and env["rest.api.key"].sudo().browse(key_id).allow_webhooks


def _own_key():
    """The calling REST API key (sudo), when it may manage its webhooks; 403 otherwise."""
    auth = authenticate_request()
    if not may_manage(request.env, auth.api_key_id):
        raise PermissionDenied("This API key may not manage webhooks ('Manage Webhooks', set by a REST API manager).")
    return request.env["rest.api.key"].sudo().browse(auth.api_key_id)


def _describe(webhook):
    return {
        "id": webhook.id,
        "name": webhook.name,
        "url": webhook.url,
        "model": webhook.model,
        "events": [event for event in webhook_provisioning.EVENTS if webhook[f"event_{event}"]],
        "domain": webhook.domain,
        "fields": webhook._field_list(),
        "active": webhook.active,
        "state": webhook.state,
    }


class WebhookController(http.Controller):
    @api_route("webhooks", "webhook_create")
    def webhooks(self):
        key = _own_key()
        webhooks = request.env["rest.api.webhook"].sudo().with_context(active_test=False)
        if request.httprequest.method == "GET":
            return json_response([_describe(webhook) for webhook in webhooks.search([("key_id", "=", key.id)])])
        body = json_body()
        endpoints.check_body(webhook_provisioning.request_schema(), body)
        created = webhooks.generate_webhook({**body, "key_id": key.id})
        request.env.flush_all()  # constraint violations surface here, as problems
        endpoint = endpoints.BY_ACTION["webhook_create"]
        return json_response(created, status=endpoint.status, headers={"Cache-Control": "no-store"})

    @api_route("webhook_delete")
    def webhook_delete(self, record_id):
        key = _own_key()
        webhooks = request.env["rest.api.webhook"].sudo().with_context(active_test=False)
        webhook = webhooks.browse(record_id).exists() if 0 < record_id <= MAX_ID else webhooks
        if not webhook or webhook.key_id != key:
            raise NotFound(f"This API key has no webhook {record_id}.")
        webhook.unlink()
        return json_response({"message": endpoints.BY_ACTION["webhook_delete"].message})
