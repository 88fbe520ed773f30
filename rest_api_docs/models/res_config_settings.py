from odoo import api, fields, models

from odoo.addons.rest_api_auth.settings import parse_flag

DOCS_PUBLIC_PARAM = "rest_api.docs_public"


def docs_public(env):
    """Whether visitors without an API key get the generic documentation (default: yes)."""
    return parse_flag(env["ir.config_parameter"].sudo().get_param(DOCS_PUBLIC_PARAM), True)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Not a ``config_parameter`` field: Odoo deletes a boolean parameter set to False,
    # which would bring the default (public) back. Stored explicitly as "True"/"False".
    rest_api_docs_public = fields.Boolean(
        string="Public API documentation",
        help="Visitors without an API key may read the generic API documentation (/api/openapi.json, "
        "/api/postman_collection.json): paths and shapes, no model or field of this database. When off, "
        "the documents need an API key (the /api/docs page stays up, to authorize with one); per-model "
        "documentation always does.",
    )

    @api.model
    def get_values(self):
        values = super().get_values()
        values["rest_api_docs_public"] = docs_public(self.env)
        return values

    def set_values(self):  # pylint: disable=missing-return
        super().set_values()
        self.env["ir.config_parameter"].sudo().set_param(
            DOCS_PUBLIC_PARAM, "True" if self.rest_api_docs_public else "False"
        )
