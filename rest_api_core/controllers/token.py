from odoo import http
from odoo.http import request

from odoo.addons.rest_api_auth.tokens import token_request

from .. import endpoints
from ..dispatch import authenticate_request
from ..responses import json_response
from ..routes import api_route
from .api import json_body


class TokenController(http.Controller):
    @api_route("generate_token")
    def generate_token(self, model=None):
        """Issue a login token (JWT) for the key's user, or any user when the key's user is an administrator.

        Authenticated by the API key alone; the optional ``model`` segment of the
        original API is accepted and ignored.
        """
        context = authenticate_request()
        key = context.key
        # An empty body is an empty object: a token for the key's user, valid for the default days.
        body = json_body(empty={})
        endpoints.check_body(endpoints.token_request_schema(), body)
        user_id, days = token_request(body)
        user = request.env["res.users"].sudo().browse(user_id or key.uid)
        api_key = request.env["rest.api.key"].sudo().browse(key.api_key_id)  # none for a personal key
        token, login_token = request.env["rest.api.token"]._issue_for(api_key, user, days)
        body = {
            "login_token": login_token,
            "message": endpoints.BY_ACTION["generate_token"].message,
            "token_type": "JWT",
            "expires_in_days": days,
            "expiration_date": token.expires_at.isoformat(),
            "user_info": {"user_id": user.id, "user_name": user.name, "user_login": user.login},
        }
        return json_response(body, headers={"Cache-Control": "no-store"})
