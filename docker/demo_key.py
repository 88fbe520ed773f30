"""Issue the Docker demo's API key through the provisioning API; run by `odoo shell`.

`odoo shell` executes this file with `env`, a superuser environment on the demo
database. A key's secret is stored only hashed and cannot be shown twice, so every
run replaces the previous demo key by a new one and prints it. It also sets the throttle
store from REST_API_THROTTLE_STORE (the compose file's `redis` profile).
"""

import os

DEMO_KEY_NAME = "Docker demo key"

public_url = os.environ.get("ODOO_PUBLIC_URL", "http://localhost:8069")
keys = env["rest.api.key"]  # noqa: F821 - provided by `odoo shell`
keys.with_context(active_test=False).search([("name", "=", DEMO_KEY_NAME)]).unlink()
admin = keys.env.ref("base.user_admin")
issued = keys.generate_api_key(
    {
        "name": DEMO_KEY_NAME,
        "user_id": admin.id,
        "scope_mode": "all",
        "expiration_date": False,
        "allow_token_generation": True,
        "rate_limit": 0,  # unlimited: a whole Postman collection runs at once (as tools/run_dev.py's key)
    }
)
# The throttle store (docs/settings.md): `postgresql`, or the `redis` profile's redis://redis:6379/0
throttle_store = os.environ.get("REST_API_THROTTLE_STORE")
if throttle_store:
    keys.env["ir.config_parameter"].set_param("rest_api.throttle_store", throttle_store)
keys.env.cr.commit()

key = issued["key"]
print(
    f"""
================================================================================
 odoo-rest-api demo: Odoo starts next on {public_url}
   API key:     {key}
                (user '{admin.login}', every model, login tokens allowed, no rate limit;
                 it replaces the key printed by any earlier `up`)
   API docs:    {public_url}/api/docs   (OpenAPI: {public_url}/api/openapi.json)
   Web client:  {public_url}/web   (login admin, password admin)
   Try it:
     curl -g -H 'api-key: {key}' \\
       '{public_url}/api/res.partner/search?fields=["name","email"]&limit=5'
================================================================================
""",
    flush=True,
)
