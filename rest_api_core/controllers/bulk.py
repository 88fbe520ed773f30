"""Many records per request: ``PUT|PATCH /api/<model>`` (the same values on many records),
``DELETE /api/<model>?ids=`` and ``POST /api/batch`` (see ``bulk`` and ``batch``). The array
form of ``POST /api/<model>/create`` is served by ``controllers.api``."""

from odoo import http
from odoo.http import request

from .. import batch, bulk, endpoints
from ..dispatch import authenticate_request, charge_more
from ..responses import json_response
from ..routes import api_route
from .api import _model, json_body


class RestApiBulk(http.Controller):
    @api_route("bulk_update", "bulk_patch")
    def bulk_update(self, model, **_params):
        """Write ``values`` on every record of ``ids`` (PUT and PATCH alike), all or nothing."""
        auth = authenticate_request(model=model)
        records = _model(model)
        body = json_body()
        endpoints.check_body(endpoints.bulk_write_body_schema(), body)
        ids = bulk.write_records(auth.scope, records, bulk.checked_ids(body["ids"]), body["values"])
        return json_response({"ids": ids, "message": endpoints.BULK_UPDATED_MESSAGE})

    @api_route("bulk_delete")
    def bulk_delete(self, model, ids=None, **_params):
        """Delete every record of ``?ids=``, all or nothing."""
        authenticate_request(model=model)
        records = _model(model)
        deleted = bulk.unlink_records(records, bulk.parse_ids(records.env, ids))
        return json_response({"ids": deleted, "message": endpoints.BULK_DELETED_MESSAGE})

    @api_route("batch")
    def run_batch(self, **_params):
        """Run the operations of the body in order, in one transaction: their results, or the
        problem of the first that fails (with its index), after everything is rolled back.
        The request is charged one request of the key's rate per operation."""
        auth = authenticate_request()
        operations = batch.parse_operations(request.env, json_body())
        charge_more(len(operations) - 1)
        return json_response({"results": batch.run(auth, operations)})
