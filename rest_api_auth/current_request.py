"""Whether the current HTTP request was authenticated by the REST API (a key, maybe a login token).

Models use it to refuse what must never be done through the REST API, even
indirectly (another model's x2many commands), whatever the key's scope.
"""

from odoo import _
from odoo.exceptions import AccessError
from odoo.http import request

_ATTRIBUTE = "rest_api_auth_context"


def mark_authenticated(http_request, context):
    """Remember on ``http_request`` that it runs under the REST API's ``context`` (an AuthContext)."""
    setattr(http_request, _ATTRIBUTE, context)


def authenticated_through_rest_api():
    return bool(request) and getattr(request, _ATTRIBUTE, None) is not None


def refuse_through_rest_api():
    """Keys and login tokens are never managed through the REST API: a leaked key must not
    mint, widen or revive credentials (provisioning stays on XML-RPC/JSON-RPC and the web client)."""
    if authenticated_through_rest_api():
        raise AccessError(_("REST API keys and login tokens cannot be managed through the REST API."))
