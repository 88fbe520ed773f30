from odoo import _, fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    rest_api_key_ids = fields.One2many("rest.api.key", "user_id", string="REST API Keys")
    rest_api_token_ids = fields.One2many("rest.api.token", "user_id", string="REST API Login Tokens")

    @property
    def SELF_READABLE_FIELDS(self):
        """Users see their own keys and login tokens in their preferences."""
        return [*super().SELF_READABLE_FIELDS, "rest_api_key_ids", "rest_api_token_ids"]

    def action_new_rest_api_key(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("rest_api_auth.rest_api_key_generate_action")
        return {**action, "context": {"default_user_id": self.id}}

    def action_issue_rest_api_token(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Issue a Login Token"),
            "res_model": "rest.api.token.issue",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_user_id": self.id},
        }
