from odoo import api, fields, models

from .. import settings


class IrModel(models.Model):
    """The per-model switch of change tracking; the fact itself is ``rest_api.tracked_models``."""

    _inherit = "ir.model"

    rest_api_track_deletions = fields.Boolean(
        string="REST API: record deletions",
        compute="_compute_rest_api_track_deletions",
        inverse="_inverse_rest_api_track_deletions",
        groups="base.group_system",
        help="Deletions of this model's records are kept (rest_api.tombstone_days) and listed in the "
        '"deleted" member of /api/<model>/changes.',
    )

    @api.depends("model")
    def _compute_rest_api_track_deletions(self):
        tracked = settings.tracked_models(self.env)
        for model in self:
            model.rest_api_track_deletions = model.model in tracked

    def _inverse_rest_api_track_deletions(self):
        tracked = set(settings.tracked_models(self.env))
        for model in self:
            (tracked.add if model.rest_api_track_deletions else tracked.discard)(model.model)
        self.env["ir.config_parameter"].sudo().set_param(settings.TRACKED_MODELS_PARAM, ",".join(sorted(tracked)))
