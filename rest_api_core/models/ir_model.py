from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import change_feed, settings


class IrModel(models.Model):
    """The per-model switches of the change feed: tracking deletions (the fact itself is
    ``rest_api.tracked_models``), and the index the feed reads the table by (the fact itself is
    the index, see ``change_feed.feed_index``)."""

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

    rest_api_feed_index = fields.Boolean(
        string="REST API: change feed index",
        compute="_compute_rest_api_feed_index",
        inverse="_inverse_rest_api_feed_index",
        groups="base.group_system",
        help="An index on (write_date, id) of this model's table, the order /api/<model>/changes reads it in: "
        "on a large table a page of changes then costs about a search page, instead of sorting the table. "
        "Building it blocks writes to the table meanwhile (seconds per million rows).",
    )

    @api.depends("model")
    def _compute_rest_api_feed_index(self):
        indexed = change_feed.indexed_models(self.env, self.mapped("model"))
        for model in self:
            model.rest_api_feed_index = model.model in indexed

    def _inverse_rest_api_feed_index(self):
        for model in self:
            records = self.env.get(model.model)
            if model.rest_api_feed_index and (records is None or not change_feed.indexable(records)):
                raise UserError(_("%s has no change feed to index: it keeps no write dates in a table.", model.model))
            if records is not None:
                change_feed.set_feed_index(records, model.rest_api_feed_index)
