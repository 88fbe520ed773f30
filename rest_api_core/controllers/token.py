from odoo import http
from odoo.http import request

from odoo.addons.rest_api_auth.tokens import parse_token_request

from .. import serialization
from ..dispatch import api_endpoint, authenticate_request
from ..endpoints import ISSUED_MESSAGE
from ..responses import json_response
from .api import JSON_ROUTE, read_body


class TokenController(http.Controller):
    @http.route(
        ["/api/generate_token", "/api/<string:model>/generate_token"], methods=["POST"], readonly=False, **JSON_ROUTE
    )
    @api_endpoint
    def generate_token(self, model=None):
        """Issue a login token (JWT) for the key's user, or any user when the key's user is an administrator.

        Authenticated by the API key alone; the optional ``model`` segment of the
        original API is accepted and ignored.
        """
        context = authenticate_request("token")
        key = context.key
        raw = read_body()
        # An empty body is an empty object: a token for the key's user, valid for the default days.
        user_id, days = parse_token_request(serialization.parse_json_object(raw) if raw.strip() else {})
        user = request.env["res.users"].sudo().browse(user_id or key.uid)
        api_key = request.env["rest.api.key"].sudo().browse(key.api_key_id)  # none for a personal key
        token, login_token = request.env["rest.api.token"]._issue_for(api_key, user, days)
        body = {
            "login_token": login_token,
            "message": ISSUED_MESSAGE,
            "token_type": "JWT",
            "expires_in_days": days,
            "expiration_date": token.expires_at.isoformat(),
            "user_info": {"user_id": user.id, "user_name": user.name, "user_login": user.login},
        }
        return json_response(body, headers={"Cache-Control": "no-store"})
