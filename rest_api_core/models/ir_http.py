from odoo import api, models, tools
from odoo.http import request

from .. import dispatch, multidb, serialization


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _handle_error(cls, exception):
        """problem+json, not Odoo's HTML error page, for ``/api`` errors raised outside the controllers
        (e.g. concurrent updates that still fail after Odoo's retries)."""
        if multidb.is_api_path(request.httprequest.path):
            return dispatch.error_response(exception)
        return super()._handle_error(exception)

    @api.model
    def _rest_api_default_fields(self, model_name):
        """The fields a read of ``model_name`` without ``fields`` returns to the current user (a tuple).

        Every field the user may read except binaries: what a field's
        ``groups`` allow depends on the user's groups, superuser mode and
        debug mode (``base.group_no_one``), so the list is cached per model
        and combination of those, in the registry's cache, which Odoo clears
        whenever models, fields or access rules change (and a new registry
        starts empty).
        """
        debug = bool(request and request.session.debug)
        return self._rest_api_default_fields_for(model_name, self.env.user._get_group_ids(), self.env.su, debug)

    @tools.ormcache("model_name", "group_ids", "superuser", "debug")
    def _rest_api_default_fields_for(self, model_name, group_ids, superuser, debug):
        env = self.env
        return tuple(serialization.default_field_names(env[model_name]._fields, lambda field: field.is_accessible(env)))
