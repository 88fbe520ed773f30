#!/usr/bin/env python3
"""Cost of the OpenAPI document and the Postman collection for a key with hundreds of models.

    python3 benchmarks/bench_openapi.py [--db NAME] [--modules a,b,...] [--rounds N]

Without ``--db`` it creates a throwaway database with the three addons and
``--modules`` (by default a few business apps, for several hundred models;
installing them takes minutes), and drops it afterwards. For the
administrator with a key of scope ``all`` (every model the user may read) it
times, in-process:

* ``collect``: the models, their operations and ``fields_get()`` of each
  (``catalog.model_docs``): first call in a fresh process, then warm;
* ``build``: ``build_openapi`` on those descriptors;
* ``encode``: the document to JSON bytes, as the endpoint sends it;
* ``postman``: ``build_postman`` on the document;

then, over HTTP on loopback (``--workers 2``), ``GET /api/openapi.json`` and
``GET /api/postman_collection.json`` with that key: first request of each
worker, then warm. Figures are milliseconds (median of ``--rounds``).
"""

import argparse
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from odoo_env import OdooServer, OdooWorkspace, SetupError

DEFAULT_MODULES = "sale_management,purchase,stock,crm,project,hr_holidays,mrp"


def timed(function, rounds):
    samples = []
    result = None
    for _round in range(rounds):
        start = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - start) * 1000)
    return result, samples


def in_process(config_file, database, rounds):
    import odoo  # noqa: PLC0415 - Odoo is imported once the configuration is known

    odoo.tools.config.parse_config(["-c", str(config_file), "-d", database])
    from odoo.addons.rest_api_auth.scope import FULL_SCOPE  # noqa: PLC0415
    from odoo.addons.rest_api_core.serialization import dumps  # noqa: PLC0415
    from odoo.addons.rest_api_docs import catalog  # noqa: PLC0415
    from odoo.addons.rest_api_docs.openapi import build_openapi  # noqa: PLC0415
    from odoo.addons.rest_api_docs.postman import build_postman  # noqa: PLC0415

    registry = odoo.modules.registry.Registry(database)
    figures = {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = env(user=admin, context={"lang": admin.lang})
        docs, first = timed(lambda: catalog.model_docs(env, FULL_SCOPE), 1)
        figures["collect (first)"] = first
        docs, figures["collect"] = timed(lambda: catalog.model_docs(env, FULL_SCOPE), rounds)
        spec, figures["build"] = timed(lambda: build_openapi("http://127.0.0.1", docs, version="18.0"), rounds)
        body, figures["encode"] = timed(lambda: dumps(spec), rounds)
        collection, figures["postman"] = timed(lambda: dumps(build_postman(spec)), rounds)
        policy = {"name": "bench docs", "user_id": admin.id, "rate_limit": 0}
        secret = env["rest.api.key"].sudo().generate_api_key(policy)
        cr.commit()
    shape = {
        "models": len(docs),
        "fields": sum(len(doc.fields) for doc in docs),
        "paths": len(spec["paths"]),
        "operations": sum(len(item) for item in spec["paths"].values()),
        "document bytes": len(body),
        "collection bytes": len(collection),
    }
    return figures, shape, secret["key"]


def over_http(workspace, database, secret, rounds):
    figures = {}

    def fetch(url):
        request = urllib.request.Request(url, headers={"api-key": secret})  # noqa: S310 - loopback only
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
            return response.read()

    with OdooServer(workspace, database, extra_args=["--workers=2", "--max-cron-threads=0"]) as server:
        for path in ("/api/openapi.json", "/api/postman_collection.json"):
            _body, figures[f"GET {path} (first two)"] = timed(lambda p=path: fetch(server.base_url + p), 2)
            _body, figures[f"GET {path}"] = timed(lambda p=path: fetch(server.base_url + p), rounds)
    return figures


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="an existing database with the addons (kept)")
    parser.add_argument("--modules", default=DEFAULT_MODULES, help="more modules for a throwaway database")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    workspace = OdooWorkspace(prefix="bench_openapi")
    try:
        database = args.db or workspace.create_database(
            modules=("rest_api_auth", "rest_api_core", "rest_api_docs", *filter(None, args.modules.split(",")))
        )
        figures, shape, secret = in_process(workspace.config_file, database, args.rounds)
        figures.update(over_http(workspace, database, secret, args.rounds))
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    finally:
        workspace.cleanup()
    print(json.dumps(shape))
    print(f"{'step':<52} {'median ms':>10} {'max ms':>10}")
    for name, samples in figures.items():
        print(f"{name:<52} {statistics.median(samples):>10.1f} {max(samples):>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
