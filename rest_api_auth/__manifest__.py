{
    "name": "REST API: Authentication",
    "summary": "API keys on Odoo's native key model, per-key scopes, JWT login tokens and throttling for the REST API",
    "version": "18.0.1.0.0",
    "category": "Extra Tools",
    "author": "odoo-rest-api contributors",
    "website": "https://github.com/odoo-rest-api/odoo-rest-api",
    "license": "LGPL-3",
    "depends": ["base", "web"],
    "external_dependencies": {"python": ["jwt"]},
    "data": [],
    "installable": True,
    "application": False,
}
