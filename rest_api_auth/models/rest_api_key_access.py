import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..current_request import refuse_through_rest_api
from ..scope import PUBLIC_METHOD, model_denied

_METHOD_NAME = re.compile(f"^{PUBLIC_METHOD}$")


class RestApiKeyAccess(models.Model):
    _name = "rest.api.key.access"
    _description = "REST API Key Model Access"
    _order = "key_id, model_id"

    key_id = fields.Many2one("rest.api.key", required=True, index=True, ondelete="cascade")
    model_id = fields.Many2one("ir.model", required=True, ondelete="cascade")
    model = fields.Char(related="model_id.model", string="Model Name")
    perm_read = fields.Boolean(string="Read")
    perm_create = fields.Boolean(string="Create")
    perm_write = fields.Boolean(string="Write")
    perm_unlink = fields.Boolean(string="Delete")
    perm_execute = fields.Boolean(string="Execute")
    allowed_methods = fields.Char(
        help="Methods execute_kw may call on this model, separated by commas or spaces. Empty: any public method.",
    )

    _sql_constraints = [
        ("key_model_unique", "UNIQUE(key_id, model_id)", "A key has one access line per model."),
    ]

    def _method_names(self):
        self.ensure_one()
        return [name for name in re.split(r"[\s,;]+", self.allowed_methods or "") if name]

    @api.constrains("model_id")
    def _check_model(self):
        for line in self:
            if model_denied(line.model):
                raise ValidationError(
                    _("%s cannot be granted: API keys and login tokens are never managed with an API key.", line.model)
                )

    @api.constrains("allowed_methods")
    def _check_allowed_methods(self):
        for line in self:
            for name in line._method_names():
                if not _METHOD_NAME.match(name):
                    raise ValidationError(
                        _("%(name)r is not a public method name (model %(model)s).", name=name, model=line.model)
                    )

    @api.model_create_multi
    def create(self, vals_list):
        refuse_through_rest_api()
        keys = self.env["rest.api.key"].browse({vals["key_id"] for vals in vals_list if vals.get("key_id")})
        keys._check_may_manage_keys()
        lines = super().create(vals_list)
        self.env.registry.clear_cache()
        return lines

    def write(self, vals):
        refuse_through_rest_api()
        self.key_id._check_may_manage_keys()
        if vals.get("key_id"):
            self.key_id.browse(vals["key_id"])._check_may_manage_keys()
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        refuse_through_rest_api()
        self.key_id._check_may_manage_keys()
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
