#!/usr/bin/env python3
"""Headless load test: two Odoo servers on one database, Locust against both, assertions.

    python3 loadtests/run.py [--duration 60] [--crud-users 4] [--store redis://127.0.0.1:6379/0] [--keep-db]

Runs in Odoo's Python. Creates a throwaway database with the three addons,
starts Odoo on loopback with ``--workers 2`` plus a second Odoo server (threaded)
on another port sharing the database (two "hosts"), issues keys through the
provisioning API over JSON-RPC (admin/admin), runs the Locust scenarios of
``loadtests/locustfile.py`` for ``--duration`` seconds against both servers,
then checks, for every throttled key, that the admitted requests (HTTP 200)
stay within ``burst + rate * T`` and reach at least 90 % of it (T: from the
sending of the key's first admitted request to the response to its last one:
every admission happened in between), that the servers' usage count of each
key equals its admitted requests, that no request got a 5xx, and that every
429 carried ``Retry-After`` and the RateLimit headers. Prints RPS and
p50/p95/p99; exits non-zero when a check fails. ``--store`` sets the database's
``rest_api.throttle_store`` first (default ``postgresql``; a ``redis://`` URL puts the
buckets in that Redis, keys prefixed by the throwaway database's name).

Locust comes from the tools virtualenv: ``$TOOLS_VENV`` (default ``.venv-tools``
in the repository, ``make tools-venv`` creates it).
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tools.odoo_env import (  # noqa: E402
    OdooRpc,
    OdooServer,
    OdooWorkspace,
    SetupError,
    exit_on_sigterm,
    http_json,
    pg_connect,
    tools_venv,
)

LOCUSTFILE = REPO_ROOT / "loadtests" / "locustfile.py"
MODEL = "res.partner"
USERS_PER_KEY = 3  # throttled users per key, each sending up to 10 requests/s
LOWER_SHARE = 0.9  # admitted requests must reach this share of burst + rate * T
# rest_api_auth.throttling.USAGE_FLUSH_INTERVAL: how often each server process stores its usage counts
USAGE_FLUSH_INTERVAL = 5
# No cron, and no websocket process: the load test needs neither, and both would compete for the CPU.
SERVER_ARGS = ("--max-cron-threads=0", "--gevent-port=0")


@dataclass(frozen=True)
class ThrottledKey:
    name: str
    limit: int
    period: int
    burst: int

    def ceiling(self, seconds):
        """The most requests GCRA may admit in ``seconds``: burst (at least one) plus rate * T."""
        return max(self.burst, 1) + self.limit / self.period * seconds


THROTTLED_KEYS = (
    ThrottledKey("steady 2/s", limit=120, period=60, burst=10),
    ThrottledKey("bursty 3/s", limit=30, period=10, burst=30),
    ThrottledKey("fast 5/s", limit=5, period=1, burst=5),
    # a burst large enough for quota leases (rest_api.throttle_lease): 120 / 8 = 15 at first
    ThrottledKey("leased 15/s", limit=900, period=60, burst=120),
)


def provision_keys(base_url, database):
    """Keys issued by the provisioning API as admin: ``(crud_key, [(ThrottledKey, id, secret), ...])``."""
    rpc = OdooRpc(base_url, database)
    crud_key = rpc.generate_api_key("load test CRUD", rate_limit=0, rate_period=60, rate_burst=0)["key"]
    throttled = []
    for key in THROTTLED_KEYS:
        created = rpc.generate_api_key(
            f"load test {key.name}", rate_limit=key.limit, rate_period=key.period, rate_burst=key.burst
        )
        throttled.append((key, created["id"], created["key"]))
    return crud_key, throttled


def warm_up(base_urls, api_key, requests=12):
    """Load every server's registry and caches before the clock starts (a cold first request takes seconds)."""
    for base_url in base_urls:
        url = f"{base_url}/api/{MODEL}/search?limit=5"
        for _ in range(requests):  # enough to reach each prefork worker and the threaded server's threads
            status, _headers, body = http_json("GET", url, headers={"api-key": api_key})
            if status != 200:
                raise SetupError(f"Warming up {base_url} failed: HTTP {status}: {str(body)[:500]}")


def run_locust(venv_bin, config, duration, users, out_dir):
    config_file = out_dir / "locust_config.json"
    config_file.write_text(json.dumps(config))
    command = [
        str(venv_bin / "locust"), "-f", str(LOCUSTFILE), "--headless",
        "-u", str(users), "-r", str(users), "-t", f"{duration}s", "--stop-timeout", "10",
        "--host", config["hosts"][0], "--only-summary", "--loglevel", "WARNING",
        "--csv", str(out_dir / "locust"),
    ]  # fmt: skip
    print(f"[load] locust: {users} users for {duration}s against {', '.join(config['hosts'])}", flush=True)
    completed = subprocess.run(  # noqa: S603 - our own command line
        command, env={**os.environ, "LOADTEST_CONFIG": str(config_file)}, capture_output=True, text=True, check=False
    )
    results_file = Path(config["results"])
    if not results_file.exists():
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SetupError(f"Locust wrote no results (exit {completed.returncode})")
    return json.loads(results_file.read_text())


def server_usage(database, key_ids):
    """Admitted requests per key as the servers counted them (the usage counters)."""
    connection = pg_connect(database)
    try:
        with connection.cursor() as cr:
            cr.execute("SELECT api_key_id, request_count FROM rest_api_key_usage WHERE api_key_id = ANY(%s)", [key_ids])
            return dict(cr.fetchall())
    finally:
        connection.close()


def postgresql_key_buckets(database, key_ids):
    """The keys' buckets in the PostgreSQL store: there are some only when it is the store in use."""
    connection = pg_connect(database)
    try:
        with connection.cursor() as cr:
            patterns = [f"key:{key_id}@%" for key_id in key_ids]
            cr.execute("SELECT count(*) FROM rest_api_throttle WHERE bucket LIKE ANY(%s)", [patterns])
            return cr.fetchone()[0]
    finally:
        connection.close()


def check_store(store, buckets):
    """The buckets were where ``rest_api.throttle_store`` says: a failed check, or None."""
    if store == "postgresql" and not buckets:
        return "no key bucket in PostgreSQL: the PostgreSQL store was not used"
    if store != "postgresql" and buckets:
        return f"{buckets} key buckets in PostgreSQL: the store {store.rpartition('@')[2]} was not used"
    return None


def check(results, throttled, usage):
    """Print the figures; return the list of failed checks."""
    failures = []
    print(
        f"\n[load] {results['requests']} requests, {results['rps']:.1f} req/s, "
        f"p50 {results['p50_ms']:.0f} ms, p95 {results['p95_ms']:.0f} ms, p99 {results['p99_ms']:.0f} ms"
    )
    print(f"  {'request':<18} {'count':>7} {'failed':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for name, entry in results["by_name"].items():
        print(
            f"  {name:<18} {entry['requests']:>7} {entry['failures']:>7} {entry['p50_ms']:>7.0f}"
            f" {entry['p95_ms']:>7.0f} {entry['p99_ms']:>7.0f}"
        )
    print(f"\n  {'key':<12} {'policy':<16} {'T s':>6} {'200':>5} {'429':>5} {'server':>6} {'ceiling':>8} {'share':>6}")
    for key, key_id, _secret in throttled:
        counts = results["throttle"][key.name]
        if counts["first_admitted_sent"] is None:
            failures.append(f"{key.name}: no request was admitted")
            continue
        seconds = counts["last_admitted_done"] - counts["first_admitted_sent"]
        admitted = int(counts["statuses"].get("200", 0))
        refused = int(counts["statuses"].get("429", 0))
        ceiling = key.ceiling(seconds)
        print(
            f"  {key.name:<12} {f'{key.limit}/{key.period}s b{key.burst}':<16} {seconds:>6.1f} {admitted:>5} "
            f"{refused:>5} {usage.get(key_id, 0):>6} {ceiling:>8.1f} {admitted / ceiling:>6.1%}"
        )
        if admitted > ceiling:
            failures.append(f"{key.name}: {admitted} admitted > burst + rate * T = {ceiling:.1f}")
        if admitted < LOWER_SHARE * ceiling:
            failures.append(f"{key.name}: {admitted} admitted < {LOWER_SHARE:.0%} of {ceiling:.1f}")
        if not refused:
            failures.append(f"{key.name}: never throttled; the load did not exceed the rate")
        if usage.get(key_id, 0) != admitted:
            failures.append(
                f"{key.name}: the servers counted {usage.get(key_id, 0)} requests, {admitted} were admitted"
            )
    problems = results["problems"]
    if problems["server_errors"]:
        failures.append(f"{problems['server_errors']} responses with a 5xx status")
    if problems["missing_headers"]:
        failures.append(f"{problems['missing_headers']} responses without the RateLimit/Retry-After headers")
    if problems["unexpected_status"]:
        failures.append(f"unexpected statuses: {problems['unexpected_status']}")
    if problems["examples"]:
        print("\n  examples: " + "\n            ".join(problems["examples"]))
    return failures


def run_load_test(workspace, database, duration, crud_users, venv_bin, *, store="postgresql"):
    """Start both servers, set the throttle store (restored afterwards: the database may be shared),
    provision, run Locust, check; returns the list of failed checks."""
    out_dir = workspace.directory / "loadtest"
    out_dir.mkdir(exist_ok=True)
    with (
        OdooServer(workspace, database, extra_args=["--workers=2", *SERVER_ARGS]) as prefork,
        OdooServer(workspace, database, extra_args=["--workers=0", *SERVER_ARGS]) as threaded,
        contextlib.ExitStack() as stack,
    ):
        print(
            f"[load] servers: {prefork.base_url} (--workers 2), {threaded.base_url} (threaded); "
            f"throttle store {store.rpartition('@')[2]}",  # never a password
            flush=True,
        )
        settings = OdooRpc(prefork.base_url, database).config_parameters({"rest_api.throttle_store": store})
        stack.enter_context(settings)  # every server process reads it anew: Odoo signals the change
        crud_key, throttled = provision_keys(prefork.base_url, database)
        warm_up([prefork.base_url, threaded.base_url], crud_key)
        config = {
            "hosts": [prefork.base_url, threaded.base_url],
            "model": MODEL,
            "crud_key": crud_key,
            "throttle_keys": [
                {"name": key.name, "key": secret, "limit": key.limit, "period": key.period, "burst": key.burst}
                for key, _key_id, secret in throttled
            ],
            "users_per_key": USERS_PER_KEY,
            "results": str(out_dir / "results.json"),
        }
        users = crud_users + USERS_PER_KEY * len(throttled)  # the locustfile's fixed count of throttled users
        results = run_locust(venv_bin, config, duration, users, out_dir)
        time.sleep(USAGE_FLUSH_INTERVAL + 1)  # every server process has stored its usage counts
        key_ids = [key_id for _key, key_id, _secret in throttled]
        usage = server_usage(database, key_ids)
        misplaced = check_store(store, postgresql_key_buckets(database, key_ids))
    if results["problems"]["server_errors"]:
        for server in (prefork, threaded):
            errors = [line for line in server.log_file.read_text().splitlines() if " ERROR " in line]
            print(f"[load] {server.base_url} logged {len(errors)} errors; last ones:\n" + "\n".join(errors[-5:]))
    return check(results, throttled, usage) + ([misplaced] if misplaced else [])


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--crud-users", type=int, default=4, help="users running the CRUD mix (default 4)")
    parser.add_argument("--store", default="postgresql", help="rest_api.throttle_store (default postgresql)")
    parser.add_argument("--keep-db", action="store_true", help="keep the database and the server logs")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    try:
        venv_bin = tools_venv("locust")
        pg_connect().close()
        workspace = OdooWorkspace(prefix="rest_api_load", keep=args.keep_db)
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    try:
        database = workspace.create_database()
        failures = run_load_test(workspace, database, args.duration, args.crud_users, venv_bin, store=args.store)
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    finally:
        workspace.cleanup()
    for failure in failures:
        print(f"FAIL: {failure}")
    print("\n[load] " + ("FAILED" if failures else "all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
