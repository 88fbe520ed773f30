import re

from odoo import http
from odoo.http import request

from odoo.addons.rest_api_auth.exceptions import BadRequest, NotFound

from ..dispatch import CATCH_ALL_ROUTES, api_endpoint, method_not_allowed
from ..routes import JSON_ROUTE

# /api/<model>/<something that is not an action nor a record id>
_RECORD_PATH = re.compile(r"^/api/[^/]+/[^/]+$")


class RestApiFallback(http.Controller):
    @http.route(list(CATCH_ALL_ROUTES), readonly=True, **JSON_ROUTE)
    @api_endpoint
    def unknown_path(self, subpath=None, **_params):
        """problem+json for the /api paths and verbs no endpoint serves (instead of Odoo's HTML pages)."""
        path = request.httprequest.path
        not_allowed = method_not_allowed(path)
        if not_allowed:
            raise not_allowed
        if _RECORD_PATH.match(path):
            raise BadRequest(f"{path.rsplit('/', 1)[1]!r} is not a record id (a positive integer) nor an endpoint.")
        raise NotFound(f"No API endpoint at {path}.")
