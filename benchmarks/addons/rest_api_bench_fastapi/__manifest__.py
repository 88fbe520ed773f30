{
    "name": "REST API benchmark peer: OCA fastapi",
    "summary": "Benchmarks only: the single-record read of the REST API served by OCA's fastapi addon "
    "through a minimal router (benchmarks/bench_peer_fastapi.py). Never install it on a real database.",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "odoo-rest-api contributors",
    "website": "https://github.com/odoo-rest-api/odoo-rest-api",
    "license": "LGPL-3",
    "depends": ["fastapi"],
    "data": ["data/fastapi_endpoint.xml"],
    "installable": True,
}
