import odoo

from . import availability, controllers, models, multidb


def post_load():
    """Odoo's ``post_load`` hook: loaded server-wide, the API chooses the database of an ``/api``
    request that names one (``multidb``) and answers a database outage (``availability``)."""
    multidb.post_load()
    if "rest_api_core" in odoo.conf.server_wide_modules:
        availability.install()


def uninstall_hook(env):
    """Odoo's ``uninstall_hook``: what the ORM does not drop with the models (their SQL functions)."""
    env["rest.api.idempotency"]._drop_functions()
    env["rest.api.webhook.event"]._drop_functions()
