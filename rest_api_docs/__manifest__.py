{
    "name": "REST API: Documentation",
    "summary": "Live OpenAPI 3.1 spec, Swagger UI at /api/docs and a Postman collection for the REST API",
    "version": "18.0.1.0.0",
    "category": "Extra Tools",
    "author": "odoo-rest-api contributors",
    "website": "https://github.com/odoo-rest-api/odoo-rest-api",
    "license": "LGPL-3",
    "depends": ["rest_api_auth", "rest_api_core"],
    "data": ["views/rest_api_key_views.xml", "views/res_config_settings_views.xml"],
    "assets": {
        "web.assets_tests": ["rest_api_docs/static/tests/tours/*.js"],
    },
    "installable": True,
    "application": False,
}
