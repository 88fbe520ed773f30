"""Throwaway models for the documentation tests (loaded with odoo-test-helper's FakeModelLoader)."""

from odoo import api, fields, models


class RestApiDocsFakeParent(models.Model):
    _name = "rest.api.docs.fake.parent"
    _description = "REST API docs test: parent"

    name = fields.Char(required=True)
    properties_definition = fields.PropertiesDefinition()
    child_ids = fields.One2many("rest.api.docs.fake", "parent_id")


class RestApiDocsFake(models.Model):
    _name = "rest.api.docs.fake"
    _description = "REST API docs test: one field of every type"

    name = fields.Char(required=True, size=32)
    code = fields.Char(required=True, default="X")
    note = fields.Text()
    body = fields.Html()
    quantity = fields.Integer()
    ratio = fields.Float(digits=(16, 3))
    currency_id = fields.Many2one("res.currency")
    amount = fields.Monetary(currency_field="currency_id")
    done = fields.Boolean()
    day = fields.Date()
    moment = fields.Datetime()
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    lang = fields.Selection(selection="_lang_selection")
    data = fields.Binary(attachment=False)
    image = fields.Image()
    parent_id = fields.Many2one("rest.api.docs.fake.parent")
    tag_ids = fields.Many2many("res.partner.category")
    target = fields.Reference(selection=[("res.partner", "Contact"), ("res.users", "User")])
    res_model = fields.Char()
    res_id = fields.Many2oneReference(model_field="res_model")
    payload = fields.Json()
    properties = fields.Properties(definition="parent_id.properties_definition")
    secret = fields.Char(groups="base.group_system")
    total = fields.Float(compute="_compute_total")

    @api.model
    def _lang_selection(self):
        return self.env["res.lang"].get_installed()

    @api.depends("quantity", "ratio")
    def _compute_total(self):
        for record in self:
            record.total = record.quantity * record.ratio
