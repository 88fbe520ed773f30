"""``GET /api/<model>/reports`` and ``GET /api/<model>/<id>/report/<report>``: printing records.

Authenticated first; the records are checked and rendered as the effective user (see ``reports``).
"""

from odoo import http
from odoo.http import content_disposition, request

from .. import reports, settings
from ..dispatch import authenticate_request
from ..responses import json_response
from ..routes import api_route
from .api import _checked_id, _model


class RestApiReports(http.Controller):
    @api_route("reports")
    def reports(self, model, **_params):
        """The model's reports the user may print."""
        authenticate_request(model=model)
        _model(model).check_access("read")
        return json_response(reports.model_reports(request.env, model))

    @api_route("report")
    def report(self, model, record_id, report, ids=None, **params):
        """The report printed for the record (and those of ``ids``), as a PDF or HTML file."""
        authenticate_request(model=model)
        _model(model)
        action = reports.find_report(request.env, model, report)
        output = reports.parse_format(params.get("format"))
        _default_limit, max_limit = settings.page_limits(request.env)
        record_ids = reports.parse_ids(_checked_id(record_id), ids, max_limit)
        records = reports.readable_records(request.env, model, record_ids)
        content, content_type = reports.render(request.env, action, records, output)
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(content))),
            ("Content-Disposition", content_disposition(reports.file_name(action, records, content_type))),
        ]
        return request.make_response(content, headers=headers)
