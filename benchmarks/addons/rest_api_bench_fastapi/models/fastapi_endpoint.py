"""A minimal FastAPI app on OCA's ``fastapi`` addon: ``GET /peer/res.partner/{id}?fields=[...]``.

The peer of ``GET /api/res.partner/<id>`` in ``benchmarks/bench_peer_fastapi.py``: the same
read, as the same user, written the way the addon's own demo app is. Authentication is that
demo's ``api-key`` header dependency (``api_key_based_authenticated_partner_impl``), the
closest of its examples to our ``api-key`` header: one indexed query, but the "key" is a
user's login, no secret is checked (the demo's other choice, HTTP Basic, hashes a password on
every request).
"""

import json
from typing import Annotated

from fastapi import APIRouter, Depends

from odoo import fields, models
from odoo.api import Environment

from odoo.addons.fastapi.dependencies import authenticated_partner, authenticated_partner_impl, odoo_env
from odoo.addons.fastapi.models.fastapi_endpoint_demo import api_key_based_authenticated_partner_impl

APP = "rest_api_bench_peer"
router = APIRouter()


# The read runs in the endpoint's environment (its user, no sudo: the same access rules as
# ours); the demo's authenticated-partner environment would be a sudo one.
@router.get("/res.partner/{record_id}", dependencies=[Depends(authenticated_partner)])
async def read_partner(record_id: int, fields: str, env: Annotated[Environment, Depends(odoo_env)]) -> dict:
    return env["res.partner"].browse(record_id).read(json.loads(fields))[0]


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(selection_add=[(APP, "REST API benchmark peer")], ondelete={APP: "cascade"})

    def _get_fastapi_routers(self):
        if self.app == APP:
            return [router]
        return super()._get_fastapi_routers()

    def _get_app(self):
        app = super()._get_app()
        if self.app == APP:
            app.dependency_overrides[authenticated_partner_impl] = api_key_based_authenticated_partner_impl
        return app
