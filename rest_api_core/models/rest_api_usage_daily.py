"""Requests per key and day, with the duration percentiles ``read_group`` cannot compute."""

from odoo import fields, models, tools
from odoo.tools import SQL

from .. import request_log


class RestApiUsageDaily(models.Model):
    """A SQL view over the request log: what the usage pivot and graph show.

    A cell that spans several days or keys shows the sum of the counts and the
    largest of the daily percentiles (the maximum), not a percentile of the
    whole span. Successful requests are counted only in the "All requests"
    log mode, and then only the sampled ones.
    """

    _name = "rest.api.usage.daily"
    _description = "REST API usage per key and day"
    _auto = False
    _order = "day desc"
    _rec_name = "day"

    day = fields.Date(readonly=True)
    key_id = fields.Many2one("rest.api.key", string="API key", readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    request_count = fields.Integer(string="Requests", readonly=True)
    error_count = fields.Integer(string="Errors", readonly=True, help="Requests answered with 4xx or 5xx.")
    throttled_count = fields.Integer(string="Throttled (429)", readonly=True)
    duration_avg = fields.Float(string="Average duration (ms)", readonly=True, aggregator="avg", digits=(16, 1))
    duration_p50 = fields.Float(string="Median duration (ms)", readonly=True, aggregator="max", digits=(16, 1))
    duration_p95 = fields.Float(string="p95 duration (ms)", readonly=True, aggregator="max", digits=(16, 1))
    duration_max = fields.Float(string="Longest duration (ms)", readonly=True, aggregator="max", digits=(16, 1))

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE VIEW %s AS
SELECT min(id) AS id,
       date::date AS day,
       key_id,
       user_id,
       count(*) AS request_count,
       count(*) FILTER (WHERE status >= 400) AS error_count,
       count(*) FILTER (WHERE status = 429) AS throttled_count,
       avg(duration_ms) AS duration_avg,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS duration_p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS duration_p95,
       max(duration_ms) AS duration_max
  FROM %s
 GROUP BY 2, 3, 4""",
                SQL.identifier(self._table),
                SQL.identifier(request_log.TABLE),
            )
        )
