#!/usr/bin/env python3
"""Cost of authenticating one request in-process: verified-key cache hit vs Odoo's hash.

    python3 benchmarks/bench_auth.py [--db NAME] [--rounds N]

Without ``--db`` it creates a throwaway database with the addons (about a
minute) and drops it afterwards. It times, on one cursor and without HTTP:

* ``verify (cached)``: the key found in the worker's verified-key cache;
* ``verify (uncached)``: the same key after dropping just its cache entry, so the
  SELECT on ``res_users_apikeys``, Odoo's pbkdf2 check and the policy load run;
* ``authenticate (cached, unlimited key)``: the whole entry point as a route runs
  it (``resolve``: headers, key, policy checks, scope, usage count), for a key
  without a rate limit: no round trip to PostgreSQL at all;
* ``authenticate (cached, throttled key)``: the same for a key with a rate
  limit, which adds the throttle store's single round trip;
* ``authenticate + login token (cached)``: the unlimited key with a JWT login token.

Target: a cached key check under 0.2 ms at p50 (the exit status says whether it is met).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from odoo_env import OdooWorkspace, SetupError


def percentiles(samples_ms):
    cuts = statistics.quantiles(samples_ms, n=100)
    return {"p50": statistics.median(samples_ms), "p90": cuts[89], "p99": cuts[98]}


def timed(function, rounds, before=None):
    samples = []
    for _round in range(rounds):
        if before:
            before()
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def run(config_file, database, rounds):
    import odoo  # noqa: PLC0415 - Odoo is imported once the configuration is known
    from odoo.tools.cache import get_cache_key_counter  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", str(config_file), "-d", database])
    from odoo.addons.rest_api_auth.authentication import resolve  # noqa: PLC0415
    from odoo.addons.rest_api_auth.keys import secret_digest  # noqa: PLC0415
    from odoo.addons.rest_api_auth.throttling import throttle  # noqa: PLC0415

    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        keys = env["rest.api.key"]
        secret = keys.generate_api_key(
            {"name": "benchmark", "user_id": admin.id, "rate_limit": 0, "allow_token_generation": True}
        )["key"]
        throttled_secret = keys.generate_api_key(
            {"name": "benchmark, throttled", "user_id": admin.id, "rate_limit": 10**9, "rate_period": 1}
        )["key"]
        key = keys.search([("name", "=", "benchmark")])
        _token, login_token = env["rest.api.token"]._issue(key, admin, 1)
        headers = {"api-key": secret}
        token_headers = {"api-key": secret, "Login-Token": login_token}
        cache, cache_key, _counter = get_cache_key_counter(
            keys._rest_api_verify_secret, secret_digest(secret), secret, None
        )

        def drop_entry():
            cache.pop(cache_key)

        def authenticate(headers=headers):
            resolve(env, headers, "127.0.0.1", "read", model="res.partner")

        for _warm_up in range(50):
            authenticate(token_headers)
            authenticate({"api-key": throttled_secret})
        results = {
            "verify (cached)": timed(lambda: keys._rest_api_verified_key(secret), rounds),
            "verify (uncached)": timed(lambda: keys._rest_api_verified_key(secret), max(50, rounds // 20), drop_entry),
            "authenticate (cached, unlimited key)": timed(authenticate, rounds),
            "authenticate (cached, throttled key)": timed(lambda: authenticate({"api-key": throttled_secret}), rounds),
            "authenticate + login token (cached)": timed(lambda: authenticate(token_headers), rounds),
        }
        throttle.flush_usage(env)  # before the database goes away
        cr.rollback()
    print(f"{'':38} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'n':>6}")
    for name, samples in results.items():
        cuts = percentiles(samples)
        print(f"{name:38} {cuts['p50']:8.3f} {cuts['p90']:8.3f} {cuts['p99']:8.3f} {len(samples):6d}")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing database with the REST API addons (default: a throwaway one)")
    parser.add_argument("--config", help="an Odoo configuration file to use (default: a throwaway one)")
    parser.add_argument("--rounds", type=int, default=5000)
    args = parser.parse_args()
    try:
        workspace = OdooWorkspace.attach(args.config) if args.config else OdooWorkspace(prefix="bench_auth")
        database = args.db or workspace.create_database()
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    try:
        results = run(workspace.config_file, database, args.rounds)
    finally:
        workspace.cleanup()  # drops only what it created; an attached workspace is left alone
    return 0 if statistics.median(results["verify (cached)"]) < 0.2 else 1


if __name__ == "__main__":
    sys.exit(main())
