from odoo import http
from odoo.http import request

from odoo.addons.rest_api_auth.exceptions import PermissionDenied

from .. import metrics, request_log, settings
from ..dispatch import api_endpoint, authenticate_request

MANAGER_GROUP = "rest_api_auth.group_rest_api_manager"


class MetricsController(http.Controller):
    @http.route(
        "/api/metrics", type="http", auth="none", methods=["GET"], csrf=False, save_session=False, readonly=True
    )
    @api_endpoint
    def metrics(self):
        """Request counters of every worker and host, for Prometheus.

        Needs a key with scope ``all`` of a REST API manager (the figures span
        every key), or nothing from loopback when the setting allows it.
        """
        loopback = request.httprequest.remote_addr in metrics.LOOPBACK
        if not (loopback and settings.metrics_loopback(request.env)):
            context = authenticate_request("read")
            if context.scope.mode != "all" or not request.env.user.has_group(MANAGER_GROUP):
                raise PermissionDenied("The metrics need an API key with scope 'all' of a REST API manager.")
        request_log.flush(request.db)  # this process's latest requests, at least
        body = metrics.render(metrics.read_counters(request.db))
        return request.make_response(
            body, headers=[("Content-Type", metrics.CONTENT_TYPE), ("Cache-Control", "no-store")]
        )
