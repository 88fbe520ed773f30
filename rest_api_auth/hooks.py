from .keys import REST_API_KEY_SCOPE
from .settings import JWT_SECRET


def uninstall_hook(env):
    """Leave no REST API credential behind: its native key rows and the token signing secret."""
    env.cr.execute("DELETE FROM res_users_apikeys WHERE scope = %s", [REST_API_KEY_SCOPE])
    env["ir.config_parameter"].sudo().search([("key", "=", JWT_SECRET)]).unlink()
    env["rest.api.throttle"]._drop_store()
    env.registry.clear_cache()
