#!/usr/bin/env python3
"""Added latency of throttling per API request: p50/p99 of each check, and of what a request pays.

    python3 benchmarks/bench_throttle.py [--requests 5000] [--processes 4] [--db NAME]

Runs in Odoo's Python. Without ``--db`` it installs ``rest_api_auth`` into a
throwaway database (dropped afterwards). Measures the real functions through an
Odoo environment, on PostgreSQL, first from one process, then from
``--processes`` processes (each loading Odoo on its own, like workers) hitting
the same key bucket at once, which is the contended case.

What an authenticated request of a key pays (the failed-authentication limit
applies only before a key hash is checked, never to a cached key):

* ``throttled key``: ``check_key_rate`` (one statement: decide, update; when
  refused, also when to retry) + ``record_usage`` (counted in the process);
* ``unlimited key``: ``record_usage`` only; no round trip at all;
* ``refused`` (429): the same single statement.

Target: a throttled key's request under 1 ms at p50, one store round trip.

Then the CPU of one ``check_key_rate`` with each store, PostgreSQL and a private
``redis-server`` it starts (``--no-redis`` to skip): in this process (the Odoo worker's
share) and in the store's server process (the PostgreSQL backend of the store's
connection; the Redis server), over ``--requests`` checks. Noise from other processes
moves these far less than latencies or throughput. These three parts run with quota
leases off (``rest_api.throttle_lease``): each check is one round trip.

Last, the CPU per request of a busy rate-limited key with quota leases on: ``--pace``
requests per second from one process (default 150, what one of two workers serves of a
single-record read), each store, less the same paced loop with an unlimited key, and the
store round trips per request.
"""

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from odoo_env import OdooWorkspace, SetupError, pg_connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import PrivateRedis

WARMUP = 200
CHECKS = ("check_key_rate", "record_usage", "throttled key", "unlimited key", "refused (429)")


def measure(config_file, database, requests, bucket):
    """Latencies (ms) of each check, measured ``requests`` times in this process."""
    import odoo  # noqa: PLC0415 - Odoo is configured first
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(config_file), "--log-level=warn"])
    from odoo.addons.rest_api_auth.exceptions import Throttled  # noqa: PLC0415
    from odoo.addons.rest_api_auth.throttling import throttle  # noqa: PLC0415
    from odoo.addons.rest_api_auth.throttling.gcra import RatePolicy  # noqa: PLC0415

    policy = RatePolicy(limit=10**9, period=1, burst=10**6)  # never refuses: measures the work
    unlimited = RatePolicy(limit=0, period=0, burst=0)
    tiny = RatePolicy(limit=1, period=3600, burst=1)  # refuses all but the first
    key_id = 4242
    timings = {name: [] for name in CHECKS}
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("rest_api.throttle_lease", "False")  # the round trip's latency
        with contextlib.suppress(Throttled):  # the first request of the bucket is admitted (in one process)
            throttle.check_key_rate(env, f"{bucket}:refused", tiny)
        for index in range(WARMUP + requests):
            started = time.perf_counter()
            verdict = throttle.check_key_rate(env, bucket, policy)
            rate_checked = time.perf_counter()
            throttle.record_usage(env, key_id)
            finished = time.perf_counter()
            assert verdict.admitted
            throttle.check_key_rate(env, bucket, unlimited)
            throttle.record_usage(env, key_id)
            unlimited_done = time.perf_counter()
            try:
                throttle.check_key_rate(env, f"{bucket}:refused", tiny)
                raise AssertionError("the refused bucket admitted a request")
            except Throttled:
                refused_done = time.perf_counter()
            if index >= WARMUP:
                timings["check_key_rate"].append((rate_checked - started) * 1000)
                timings["record_usage"].append((finished - rate_checked) * 1000)
                timings["throttled key"].append((finished - started) * 1000)
                timings["unlimited key"].append((unlimited_done - finished) * 1000)
                timings["refused (429)"].append((refused_done - unlimited_done) * 1000)
        throttle.flush_usage(env)
    return timings


def cpu_per_check(config_file, database, requests, stores):
    """{store: (client µs, server µs)} of one ``check_key_rate``; ``stores``: {name: (setting, server pid or None)}."""
    import psutil  # noqa: PLC0415 - Odoo's dependency

    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(config_file), "--log-level=warn"])
    from odoo.addons.rest_api_auth.throttling import store, throttle  # noqa: PLC0415
    from odoo.addons.rest_api_auth.throttling.gcra import RatePolicy  # noqa: PLC0415

    policy = RatePolicy(limit=10**9, period=1, burst=10**6)
    figures = {}
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("rest_api.throttle_lease", "False")  # one round trip each
        for name, (setting, server_pid) in stores.items():
            env["ir.config_parameter"].set_param("rest_api.throttle_store", setting)
            for _warm_up in range(WARMUP):
                throttle.check_key_rate(env, "bench:cpu", policy)
            # Redis: its server; PostgreSQL: the backend of this process's one idle store connection
            server = psutil.Process(server_pid or store._pool_for(database).idle[-1].connection.get_backend_pid())
            client_before, server_before = time.process_time(), sum(server.cpu_times()[:2])
            for _request in range(requests):
                throttle.check_key_rate(env, "bench:cpu", policy)
            client = (time.process_time() - client_before) / requests * 1e6
            figures[name] = (client, (sum(server.cpu_times()[:2]) - server_before) / requests * 1e6)
        cr.rollback()
    return figures


def cpu_leased(config_file, database, requests, stores, pace):
    """{store: (client µs, server µs, round trips)} per request of a busy key with quota leases.

    ``pace`` requests per second from this process (what one Odoo worker serves of a busy key),
    against a policy whose limit is never reached. The client's share is the CPU of the calls
    themselves (not of the sleeps between them) less that of the same calls with an unlimited
    key; the server's, its CPU during the run less its CPU during the unlimited run (Redis works
    on its own 10 times a second).
    """
    import psutil  # noqa: PLC0415 - Odoo's dependency

    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(config_file), "--log-level=warn"])
    from odoo.addons.rest_api_auth.throttling import redis_store, store, throttle  # noqa: PLC0415
    from odoo.addons.rest_api_auth.throttling.gcra import RatePolicy  # noqa: PLC0415

    trips = []
    for store_class in (store.ThrottleStore, redis_store.RedisStore):  # count the round trips
        store_class.lease = _counted(store_class.lease, trips)
    policy = RatePolicy(limit=10**9, period=1, burst=10**6)
    unlimited = RatePolicy(limit=0, period=0, burst=0)

    def paced(env, rate_policy, count, server=None):
        """(CPU of the calls, CPU of ``server`` meanwhile), seconds."""
        started, interval, spent = time.monotonic(), 1 / pace, 0.0
        server_before = sum(server.cpu_times()[:2]) if server else 0.0
        for index in range(count):
            before = time.process_time()
            throttle.check_key_rate(env, "bench:leased", rate_policy)
            spent += time.process_time() - before
            time.sleep(max(0.0, started + (index + 1) * interval - time.monotonic()))
        return spent, (sum(server.cpu_times()[:2]) - server_before if server else 0.0)

    figures = {}
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("rest_api.throttle_lease", "True")
        for name, (setting, server_pid) in stores.items():
            env["ir.config_parameter"].set_param("rest_api.throttle_store", setting)
            paced(env, policy, 2 * pace)  # two seconds: the leases reach their size
            pid = server_pid or store._pool_for(database).idle[-1].connection.get_backend_pid()
            server = psutil.Process(pid)
            trips_before = len(trips)
            client, server_cpu = paced(env, policy, requests, server)
            round_trips = len(trips) - trips_before
            client_unlimited, server_idle = paced(env, unlimited, requests, server)
            figures[name] = (
                (client - client_unlimited) / requests * 1e6,
                (server_cpu - server_idle) / requests * 1e6,
                round_trips / requests,
            )
        cr.rollback()
    return figures


def _counted(method, calls):
    def counted(self, *arguments):
        calls.append(1)
        return method(self, *arguments)

    return counted


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(title, timings):
    print(f"\n{title}")
    print(f"  {'':<16} {'calls':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name in CHECKS:
        values = timings[name]
        print(
            f"  {name:<16} {len(values):>7} {percentile(values, 0.5):>8.3f} {percentile(values, 0.9):>8.3f}"
            f" {percentile(values, 0.99):>8.3f} {statistics.fmean(values):>8.3f}"
        )
    return percentile(timings["throttled key"], 0.5)


def run(args, config_file, database):
    timings = measure(config_file, database, args.requests, "bench:single")
    single_p50 = report(f"1 process, {args.requests} requests (key bucket and usage row uncontended)", timings)
    command = [sys.executable, __file__, "--worker", str(config_file), database, str(args.requests)]
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(args.processes)]
    merged = {name: [] for name in CHECKS}
    for worker in workers:
        output, _ = worker.communicate()
        if worker.returncode:
            raise SystemExit(f"a benchmark worker failed (exit {worker.returncode})")
        for name, values in json.loads(output.splitlines()[-1]).items():
            merged[name].extend(values)
    report(f"{args.processes} processes at once, {args.requests} requests each, one shared key bucket", merged)
    print(f"\nadded latency per request of a throttled key, p50: {single_p50:.3f} ms (target < 1 ms)")
    with contextlib.ExitStack() as stack:
        stores = {"postgresql": ("postgresql", None)}
        if not args.no_redis:
            redis = stack.enter_context(PrivateRedis())
            stores["redis"] = (redis.url, redis.process.pid)
        command = [
            sys.executable,
            __file__,
            "--cpu",
            str(config_file),
            database,
            str(args.requests),
            json.dumps(stores),
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # a fresh process
        print(f"\nCPU of one check_key_rate, {args.requests} checks (µs): this process + the store's server process")
        for name, (client, server) in json.loads(output.splitlines()[-1]).items():
            print(f"  {name:<12} {client:7.1f} + {server:7.1f} = {client + server:7.1f}")
        command[2] = "--leased"
        command.append(str(args.pace))
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    print(
        f"\nCPU per request of a busy rate-limited key with quota leases, {args.requests} requests at "
        f"{args.pace}/s (µs, over an unlimited key): this process + the store's server process"
    )
    for name, (client, server, trips) in json.loads(output.splitlines()[-1]).items():
        print(
            f"  {name:<12} {client:7.1f} + {server:7.1f} = {client + server:7.1f}   round trips per request {trips:.3f}"
        )
    return 0 if single_p50 < 1.0 else 1


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000, help="measured requests per process")
    parser.add_argument("--processes", type=int, default=4, help="processes in the contended run")
    parser.add_argument("--db", help="an existing database with rest_api_auth installed")
    parser.add_argument("--no-redis", action="store_true", help="measure the PostgreSQL store only")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--pace", type=int, default=150, help="requests/s of the busy key with leases")
    parser.add_argument("--cpu", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--leased", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cpu:
        config_file, database, requests, stores = args.cpu
        print(json.dumps(cpu_per_check(config_file, database, int(requests), json.loads(stores))))
        return 0
    if args.leased:
        config_file, database, requests, stores, pace = args.leased
        print(json.dumps(cpu_leased(config_file, database, int(requests), json.loads(stores), int(pace))))
        return 0
    if args.worker:
        config_file, database, requests = args.worker
        print(json.dumps(measure(config_file, database, int(requests), "bench:shared")))
        return 0
    try:
        pg_connect().close()
        workspace = OdooWorkspace(prefix="rest_api_bench_throttle", keep=bool(args.db))
        database = args.db or workspace.create_database(modules=("rest_api_auth",))
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    try:
        return run(args, workspace.config_file, database)
    finally:
        workspace.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
