from odoo import models


class ResUsersApikeys(models.Model):
    _inherit = "res.users.apikeys"

    def unlink(self):
        """Removing a key (also from the owner's preferences) must stop it everywhere at once.

        Odoo itself clears no cache here; the verified-key cache of the REST API (and
        the XML-RPC credential cache) would otherwise keep accepting the key for a while.
        """
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
