from odoo import http
from odoo.http import request

from odoo.addons.rest_api_auth.exceptions import NotFound, PermissionDenied
from odoo.addons.rest_api_auth.tokens import TOKEN_REFUSALS, parse_token_request, token_refusal

from .. import serialization
from ..dispatch import api_endpoint, authenticate_request
from ..endpoints import ISSUED_MESSAGE
from ..responses import json_response


class TokenController(http.Controller):
    @http.route(
        ["/api/generate_token", "/api/<string:model>/generate_token"],
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    @api_endpoint
    def generate_token(self, model=None):
        """Issue a login token (JWT) for the key's user, or any user when the key's user is an administrator.

        Authenticated by the API key alone; the optional ``model`` segment of the
        original API is accepted and ignored.
        """
        context = authenticate_request("token")
        key = context.key
        raw = request.httprequest.get_data()
        # An empty body is an empty object: a token for the key's user, valid for the default days.
        user_id, days = parse_token_request(serialization.parse_json_object(raw) if raw.strip() else {})
        user_id = user_id or key.uid
        allowed = bool(key.api_key_id) and key.allow_token_generation  # never with a personal key
        refusal = token_refusal(allowed, key.uid, key.owner_is_system, user_id)
        if refusal:
            raise PermissionDenied(TOKEN_REFUSALS[refusal])
        user = request.env["res.users"].sudo().browse(user_id).exists()
        if not user or not user.active:
            raise NotFound(f"There is no active user with id {user_id}.")
        api_key = request.env["rest.api.key"].sudo().browse(key.api_key_id)
        token, login_token = request.env["rest.api.token"]._issue(api_key, user, days)
        body = {
            "login_token": login_token,
            "message": ISSUED_MESSAGE,
            "token_type": "JWT",
            "expires_in_days": days,
            "expiration_date": token.expires_at.isoformat(),
            "user_info": {"user_id": user.id, "user_name": user.name, "user_login": user.login},
        }
        return json_response(body, headers={"Cache-Control": "no-store"})
