{
    "name": "REST API",
    "summary": "REST endpoints over HTTP+JSON for any Odoo model: search, read, "
    "count, schema, create, update, delete and method calls",
    "version": "18.0.1.0.0",
    "category": "Extra Tools",
    "author": "odoo-rest-api contributors",
    "website": "https://github.com/odoo-rest-api/odoo-rest-api",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["rest_api_auth"],
    "external_dependencies": {"python": ["jsonschema"]},
    "data": [
        "security/ir.model.access.csv",
        "security/rest_api_security.xml",
        "security/rest_api_webhook_security.xml",
        "data/rest_api_webhook_data.xml",
        "data/ir_cron.xml",
        "views/res_config_settings_views.xml",
        "views/ir_model_views.xml",
        "views/rest_api_request_log_views.xml",
        "views/rest_api_webhook_views.xml",
    ],
    # Loaded server-wide (--load=base,web,rest_api_core), routes /api requests
    # to the database they name; see multidb.py.
    "post_load": "post_load",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
    "application": True,
}
