from odoo import models


class RestApiKey(models.Model):
    _inherit = "rest.api.key"

    def action_open_api_docs(self):
        """Swagger UI with the documentation of this key's scope, as its user sees it."""
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": f"/api/docs?key_id={self.id}", "target": "new"}

    def action_download_postman_collection(self):
        """The Postman collection of this key's scope (the secret is not in it: it is never stored)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/rest_api_docs/keys/{self.id}/postman_collection.json",
            "target": "download",
        }
