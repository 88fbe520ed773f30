from odoo import http
from odoo.http import request

from .. import metrics, request_log, settings
from ..dispatch import authenticate_request
from ..routes import api_route


class MetricsController(http.Controller):
    @api_route("metrics")
    def metrics(self):
        """Request counters of every worker and host, for Prometheus.

        Needs a key with the "Read Metrics" permission (the figures span every
        key), or nothing from loopback when the setting allows it.
        """
        loopback = request.httprequest.remote_addr in metrics.LOOPBACK
        if not (loopback and settings.metrics_loopback(request.env)):
            metrics.check_permission(request.env, authenticate_request().key)
        request_log.flush(request.db)  # this process's latest requests, at least
        body = metrics.render(*metrics.read_counters(request.db))
        return request.make_response(
            body, headers=[("Content-Type", metrics.CONTENT_TYPE), ("Cache-Control", "no-store")]
        )
