from odoo import http, release
from odoo.http import request

from ..responses import json_response
from ..routes import api_route

REST_API_MODULES = ("rest_api_auth", "rest_api_core", "rest_api_docs")


class HealthController(http.Controller):
    @api_route("health")
    def health(self):
        """Liveness for load balancers: the database answers and the addons are installed."""
        request.env.cr.execute(
            "SELECT name, latest_version FROM ir_module_module WHERE name IN %s AND state = 'installed'",
            [REST_API_MODULES],
        )
        return json_response(
            {
                "status": "ok",
                "odoo_version": release.version,
                "modules": dict(request.env.cr.fetchall()),
            }
        )
