#!/usr/bin/env python3
"""Cost of the OpenAPI document and the Postman collection for a key with hundreds of models.

    python3 benchmarks/bench_openapi.py [--db NAME] [--keep] [--modules a,b,...] [--rounds N]

Without ``--db`` it creates a throwaway database with the three addons and
``--modules`` (by default a few business apps, for several hundred models;
installing them takes minutes), and drops it afterwards unless ``--keep``.
For the administrator with a key of scope ``all`` it times two documents:

* ``all``: every model the user may read: more than ``MAX_DETAILED_MODELS``,
  so the compact document (operations and models, no fields);
* ``detailed``: ``?models=`` with the ``MAX_DETAILED_MODELS`` models that
  have the most fields: the largest detailed document a request can ask for.

In-process: ``collect`` (``catalog.model_docs``: models, operations and
``fields_get()``; first call in the process, then warm), ``build``
(``build_openapi``), ``encode`` (JSON bytes, as sent) and ``postman``
(``build_postman`` + JSON). Then over HTTP on loopback (``--workers 2``),
``GET /api/openapi.json`` and ``/api/postman_collection.json`` with the key:
the first two requests (each worker's first), then warm. Milliseconds,
median and max of ``--rounds``.
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
    from odoo.addons.rest_api_docs.openapi import MAX_DETAILED_MODELS, build_openapi  # noqa: PLC0415
    from odoo.addons.rest_api_docs.postman import build_postman  # noqa: PLC0415

    registry = odoo.modules.registry.Registry(database)
    figures, shapes = {}, {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = env(user=admin, context={"lang": admin.lang})
        readable, _detailed = catalog.model_docs(env, FULL_SCOPE)
        largest = sorted(readable, key=lambda doc: -len(env[doc.model]._fields))[:MAX_DETAILED_MODELS]
        cases = {"all": None, "detailed": sorted(doc.model for doc in largest)}
        for case, names in cases.items():
            (docs, detailed), samples = timed(lambda n=names: catalog.model_docs(env, FULL_SCOPE, n), rounds + 1)
            figures[f"{case}: collect (first)"], figures[f"{case}: collect"] = samples[:1], samples[1:]
            spec, figures[f"{case}: build"] = timed(
                lambda d=docs, c=not detailed: build_openapi("http://127.0.0.1", d, version="18.0", compact=c), rounds
            )
            body, figures[f"{case}: encode"] = timed(lambda s=spec: dumps(s), rounds)
            collection, figures[f"{case}: postman"] = timed(lambda s=spec: dumps(build_postman(s)), rounds)
            shapes[case] = {
                "models": len(docs),
                "detailed": detailed,
                "fields": sum(len(doc.fields) for doc in docs),
                "operations": sum(len(item) for item in spec["paths"].values()),
                "document bytes": len(body),
                "collection bytes": len(collection),
            }
        policy = {"name": "bench docs", "user_id": admin.id, "rate_limit": 0}
        secret = env["rest.api.key"].sudo().generate_api_key(policy)["key"]
        cr.commit()
    return figures, shapes, secret, ",".join(cases["detailed"])


def over_http(workspace, database, secret, detailed_models, rounds):
    figures = {}

    def fetch(url):
        request = urllib.request.Request(url, headers={"api-key": secret})
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.read()

    with OdooServer(workspace, database, extra_args=["--workers=2", "--max-cron-threads=0"]) as server:
        for case, query in (("all", ""), ("detailed", f"?models={detailed_models}")):
            for path in ("/api/openapi.json", "/api/postman_collection.json"):
                url = server.base_url + path + query
                _body, figures[f"{case}: GET {path} (first two)"] = timed(lambda u=url: fetch(u), 2)
                _body, figures[f"{case}: GET {path}"] = timed(lambda u=url: fetch(u), rounds)
    return figures


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="an existing database with the addons (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument("--modules", default=DEFAULT_MODULES, help="more modules for a throwaway database")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    workspace = OdooWorkspace(prefix="bench_openapi", keep=args.keep)
    try:
        database = args.db or workspace.create_database(
            modules=("rest_api_auth", "rest_api_core", "rest_api_docs", *filter(None, args.modules.split(",")))
        )
        figures, shapes, secret, detailed_models = in_process(workspace.config_file, database, args.rounds)
        figures.update(over_http(workspace, database, secret, detailed_models, args.rounds))
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    finally:
        workspace.cleanup()
    for case, shape in shapes.items():
        print(case, json.dumps(shape))
    print(f"{'step':<52} {'median ms':>10} {'max ms':>10}")
    for name, samples in figures.items():
        print(f"{name:<52} {statistics.median(samples):>10.1f} {max(samples):>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
