{
    "name": "REST API benchmark reference",
    "summary": "Benchmarks only: bare controllers doing the ORM work of the REST reads, as a fixed user, "
    "with no authentication or checks. Never install it on a real database.",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "odoo-rest-api contributors",
    "website": "https://github.com/odoo-rest-api/odoo-rest-api",
    "license": "LGPL-3",
    "depends": ["base", "web", "rest_api_auth"],
    "data": [],
    "installable": True,
}
