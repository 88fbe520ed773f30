from odoo import http
from odoo.http import request

from .. import metrics, request_log, settings
from ..dispatch import api_endpoint, authenticate_request


class MetricsController(http.Controller):
    @http.route(
        "/api/metrics", type="http", auth="none", methods=["GET"], csrf=False, save_session=False, readonly=True
    )
    @api_endpoint
    def metrics(self):
        """Request counters of every worker and host, for Prometheus.

        Needs a key with the "Read Metrics" permission (the figures span every
        key), or nothing from loopback when the setting allows it.
        """
        loopback = request.httprequest.remote_addr in metrics.LOOPBACK
        if not (loopback and settings.metrics_loopback(request.env)):
            metrics.check_permission(request.env, authenticate_request("read").key)
        request_log.flush(request.db)  # this process's latest requests, at least
        body = metrics.render(*metrics.read_counters(request.db))
        return request.make_response(
            body, headers=[("Content-Type", metrics.CONTENT_TYPE), ("Cache-Control", "no-store")]
        )
