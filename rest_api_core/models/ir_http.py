from odoo import models
from odoo.http import request

from .. import dispatch, json2, multidb


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _handle_error(cls, exception):
        """problem+json, not Odoo's HTML error page, for ``/api`` errors raised outside the controllers
        (e.g. concurrent updates that still fail after Odoo's retries)."""
        if multidb.is_api_path(request.httprequest.path):
            return dispatch.error_response(exception)
        if json2.is_json2_path(request.httprequest.path):
            return json2.from_problem(dispatch.error_response(exception), exception)
        return super()._handle_error(exception)
