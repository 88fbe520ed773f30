"""The floor the REST endpoints are measured against (benchmarks/run.py).

Each route does the same ORM call as its REST counterpart, as the fixed user
``base.user_admin``, and nothing else: no credentials, scope, throttle,
parameter validation or error handling. ``auth='none'`` with no checks is
exactly what a real endpoint must never be, which is why this addon exists
only on the benchmark's own database.
"""

import json

from odoo import http
from odoo.http import request

ROUTE_OPTIONS = {"type": "http", "auth": "none", "methods": ["GET"], "csrf": False, "save_session": False}


def _as_fixed_user():
    # _xmlid_to_res_id is cached by the registry; env.ref() would also check that
    # the user exists, one more query per request than the floor should pay.
    request.update_env(user=request.env["ir.model.data"]._xmlid_to_res_id("base.user_admin"))
    return request.env


class BenchReference(http.Controller):
    @http.route("/bench/bare/<string:model>/<int:record_id>", readonly=True, **ROUTE_OPTIONS)
    def read(self, model, record_id, fields):
        records = _as_fixed_user()[model].browse(record_id).read(json.loads(fields))
        return request.make_json_response(records[0])

    @http.route("/bench/bare/<string:model>/search", readonly=True, **ROUTE_OPTIONS)
    def search(self, model, fields, limit, offset="0"):
        records = _as_fixed_user()[model].search_read([], json.loads(fields), limit=int(limit), offset=int(offset))
        return request.make_json_response(records)
