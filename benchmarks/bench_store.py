#!/usr/bin/env python3
"""What a rate-limited key costs a request, with each throttle store: PostgreSQL and Redis.

    python3 benchmarks/bench_store.py [--rounds 5] [--duration 6] [--partners 2000]
    python3 benchmarks/bench_store.py --sequential 200 [--rounds 60] [--warm 50]

Runs in Odoo's Python; needs wrk and ``redis-server`` (Debian packages) and the ``redis``
client (requirements-redis.txt). Creates a throwaway database like ``run.py`` (partners,
an unlimited REST key and one rate-limited far above what the server serves, so every
request pays for the throttle and none is refused), starts a private ``redis-server`` on
a free port (no persistence), and two Odoo servers on that database, ``--workers 2`` each:
one with the PostgreSQL store, one with ``rest_api_throttle_store`` pointing at that Redis
in its configuration file. Each round reads one partner with each key on each server
(four wrk runs, the order shifted by one every round); a ratio is the median of the
ratios measured within each round. Server CPU per request counts the Odoo server (master
and workers), the PostgreSQL backends of the database and the private Redis; the throttle
table's rows written per request say what each store writes on the primary.

With ``--sequential N`` each run is N requests sent one at a time (no wrk), after ``--warm``
unmeasured ones of the same key (its lease demand builds up as for a key in steady use), and the
server CPU is read to the nanosecond: many short runs, the order alternating from round to round
(store and key: ABBA over four rounds), the cost reported as the median of the per-round
differences with its quartiles and a bootstrap 95 % interval. wrk's saturation makes the CPU of a
request depend on how many wait beside it; one request at a time keeps that constant.
"""

import argparse
import copy
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "rest_api_auth" / "tests"))  # redis_helpers

from loadgen import require_wrk, run_sequential, run_wrk
from odoo_env import OdooServer, SetupError, exit_on_sigterm, pg_connect, pg_value
from process_stats import cpu_ms_per_request, server_cpu
from redis_helpers import PrivateRedis
from run import SERVER_ARGS, bench_database, build_scenarios, probe

SCENARIOS = (("unlimited", "read.rest"), ("rate-limited", "read.rest_throttled"))
CPU_PARTS = ("odoo", "postgres", "redis")
TARGETS = {"postgresql": 5.0, "redis": 2.0}  # % of a request's server CPU (issue 21)


def throttle_writes(database):
    return pg_value(
        database, "SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables WHERE relname = 'rest_api_throttle'"
    )


def measured(server, scenario, args, redis_pid, database):
    before = server_cpu(server, database, redis=[redis_pid])
    result = run_wrk(server.base_url, scenario.requests, args.duration, args.connections)
    after = server_cpu(server, database, redis=[redis_pid])
    cpu = cpu_ms_per_request(before, after, result.requests)
    return {
        "requests": result.requests,
        "sent": result.requests,
        "rps": result.rps,
        "p50_ms": result.as_dict()["latency_ms"]["p50"],
        "errors": sum(result.errors.values()),
        "cpu_ms": cpu,
        "cpu_total_ms": sum(cpu.values()),
    }


def sequential_run(server, scenario, args, redis_pid, database):
    """``--warm`` requests of ``scenario`` unmeasured, then ``--sequential`` measured, one at a time."""
    start = random.randrange(len(scenario.requests))
    run_sequential(server.base_url, scenario.requests, args.warm, start)
    before = server_cpu(server, database, redis=[redis_pid])
    began = time.monotonic()
    statuses = run_sequential(server.base_url, scenario.requests, args.sequential, start + args.warm)
    seconds = time.monotonic() - began
    after = server_cpu(server, database, redis=[redis_pid])
    cpu = cpu_ms_per_request(before, after, args.sequential)
    return {
        "requests": args.sequential,
        "sent": args.warm + args.sequential,
        "rps": args.sequential / seconds,
        "p50_ms": 1000 * seconds / args.sequential,  # the mean: no per-request times are kept
        "errors": args.sequential - statuses.get(200, 0),
        "cpu_ms": cpu,
        "cpu_total_ms": sum(cpu.values()),
    }


def sequential_order(number):
    """Round ``number``'s runs: the store order alternates every round, the key order every two."""
    stores = ("postgresql", "redis")[:: 1 if number % 2 == 0 else -1]
    keys = SCENARIOS[:: 1 if number // 2 % 2 == 0 else -1]
    return [(store, key, name) for store in stores for key, name in keys]


def writes_per_request(rounds, writes):
    """The throttle table's rows written per rate-limited request of each store, from the run's
    total (PostgreSQL publishes a backend's statistics up to 10 s late: per run they would blur).
    Every row is charged to the PostgreSQL store's requests; what is left is the Redis store's."""
    postgresql = sum(entry[("postgresql", "rate-limited")]["sent"] for entry in rounds)
    redis = sum(entry[("redis", "rate-limited")]["sent"] for entry in rounds)
    return {"postgresql": writes / postgresql, "redis": max(0, writes - postgresql) / redis}


def costs(rounds, store, metric):
    """Per round, rate-limited / unlimited - 1, in %."""
    return [
        100 * (entry[(store, "rate-limited")][metric] / entry[(store, "unlimited")][metric] - 1) for entry in rounds
    ]


def median_ratio(rounds, store, metric):
    """Median over the rounds of (rate-limited / unlimited - 1), in %, with the smallest and largest."""
    values = costs(rounds, store, metric)
    return statistics.median(values), min(values), max(values)


def median_interval(values, resamples=5000, seed=21):
    """The median of ``values``, its quartiles and a bootstrap 95 % interval (rounds resampled)."""
    draw = random.Random(seed)
    medians = sorted(statistics.median(draw.choices(values, k=len(values))) for _ in range(resamples))
    quartiles = statistics.quantiles(values, n=4)
    return {
        "median": statistics.median(values),
        "quartiles": (quartiles[0], quartiles[2]),
        "interval": (medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]),
    }


def verdict(interval, target):
    """Met when the whole 95 % interval is at or under ``target``, missed when it is all above."""
    low, high = interval
    if high <= target:
        return "met"
    return "not met" if low > target else "not resolved"


def report(rounds, args, load_before, writes):
    client = (
        f"{args.sequential} requests one at a time after {args.warm} unmeasured"
        if args.sequential
        else f"{args.duration} s of wrk, {args.connections} connections"
    )
    lines = [
        f"`python3 benchmarks/bench_store.py {' '.join(args.argv)}`, {len(rounds)} rounds, each run {client}, "
        f"`{' '.join(SERVER_ARGS)}`; load average at the start {load_before}, at the end "
        + ", ".join(f"{load:.2f}" for load in os.getloadavg()),
        "",
        "| store | key | req/s | latency ms (wrk: p50; sequential: mean) "
        "| server CPU ms/request (Odoo + PostgreSQL + Redis) |",
        "|---|---|---|---|---|",
    ]
    for store in ("postgresql", "redis"):
        for key, _scenario in SCENARIOS:
            runs = [entry[(store, key)] for entry in rounds]
            cpu = {
                name: statistics.median(run["cpu_ms"][name] for run in runs) for name in ("odoo", "postgres", "redis")
            }
            lines.append(
                f"| {store} | {key} | {statistics.median(r['rps'] for r in runs):.0f} "
                f"| {statistics.median(r['p50_ms'] for r in runs):.1f} "
                f"| {sum(cpu.values()):.2f} ({cpu['odoo']:.2f} + {cpu['postgres']:.2f} + {cpu['redis']:.3f}) |"
            )
    per_request = writes_per_request(rounds, writes)
    if args.sequential:
        return "\n".join(lines + sequential_costs(rounds, per_request))
    lines += [
        "",
        "| store | cost of the rate limit: throughput | server CPU per request "
        "| PostgreSQL throttle rows written per request |",
        "|---|---|---|---|",
    ]
    for store in ("postgresql", "redis"):
        rps = median_ratio(rounds, store, "rps")
        cpu = median_ratio(rounds, store, "cpu_total_ms")
        lines.append(
            f"| {store} | {-rps[0]:+.1f} % (rounds {-rps[2]:+.1f} to {-rps[1]:+.1f} %) "
            f"| {cpu[0]:+.1f} % (rounds {cpu[1]:+.1f} to {cpu[2]:+.1f} %) | {per_request[store]:.2f} |"
        )
    return "\n".join(lines)


def sequential_costs(rounds, per_request):
    lines = [
        "",
        "| store | cost in server CPU per request: median of the rounds | quartiles | 95 % interval "
        "| ratio of the totals | target | PostgreSQL throttle rows written per request |",
        "|---|---|---|---|---|---|---|",
    ]
    for store in ("postgresql", "redis"):
        cost = median_interval(costs(rounds, store, "cpu_total_ms"))
        total = {
            key: sum(entry[(store, key)]["cpu_total_ms"] * entry[(store, key)]["requests"] for entry in rounds)
            / sum(entry[(store, key)]["requests"] for entry in rounds)
            for key, _scenario in SCENARIOS
        }
        lines.append(
            f"| {store} | {cost['median']:+.2f} % | {cost['quartiles'][0]:+.1f} to {cost['quartiles'][1]:+.1f} % "
            f"| {cost['interval'][0]:+.2f} to {cost['interval'][1]:+.2f} % "
            f"| {100 * (total['rate-limited'] / total['unlimited'] - 1):+.2f} % "
            f"| ≤ {TARGETS[store]:.0f} %: {verdict(cost['interval'], TARGETS[store])} | {per_request[store]:.3f} |"
        )
    return lines


def run(args):
    load_before = ", ".join(f"{load:.2f}" for load in os.getloadavg())
    with bench_database("rest_api_bench_store", args.partners, 10) as (workspace, database, setup):
        scenarios = {scenario.name: scenario for scenario in build_scenarios(setup, database)}
        with PrivateRedis() as redis:
            redis_workspace = copy.copy(workspace)
            redis_workspace.config_file = workspace.directory / "odoo-redis.conf"
            redis_workspace.config_file.write_text(
                workspace.config_file.read_text() + f"rest_api_throttle_store = {redis.url}\n"
            )
            with (
                OdooServer(workspace, database, extra_args=SERVER_ARGS) as postgresql,
                OdooServer(redis_workspace, database, extra_args=SERVER_ARGS) as redis_server,
            ):
                servers = {"postgresql": postgresql, "redis": redis_server}
                order = [(store, key, name) for store in servers for key, name in SCENARIOS]
                for store, _key, name in order:
                    reason = probe(servers[store].base_url, scenarios[name])
                    if reason:
                        raise SetupError(f"{store} {name}: {reason}")
                    run_wrk(servers[store].base_url, scenarios[name].requests, args.warmup, args.connections)
                time.sleep(11)  # the warm-up's statistics are published (within 10 s) before counting
                writes = throttle_writes(database)
                rounds = []
                measure = sequential_run if args.sequential else measured
                for number in range(args.rounds):
                    shift = number % len(order)
                    runs = sequential_order(number) if args.sequential else order[shift:] + order[:shift]
                    entry = {}
                    for store, key, name in runs:
                        entry[(store, key)] = result = measure(
                            servers[store], scenarios[name], args, redis.process.pid, database
                        )
                        print(
                            f"[bench] round {number + 1} {store:10} {key:12} {result['rps']:7.1f} req/s "
                            f"CPU {result['cpu_total_ms']:.3f} ms/request {json.dumps(result['cpu_ms'])} "
                            f"errors {result['errors']}",
                            flush=True,
                        )
                    rounds.append(entry)
                time.sleep(11)  # PostgreSQL publishes a backend's table statistics within 10 s
                writes = throttle_writes(database) - writes
        print("\n" + report(rounds, args, load_before, writes))
        return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=6, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per scenario and server")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--sequential", type=int, metavar="N", help="N requests one at a time per run instead of wrk")
    parser.add_argument("--warm", type=int, default=50, help="with --sequential: unmeasured requests before each run")
    args = parser.parse_args(argv)
    args.argv = argv
    exit_on_sigterm()
    try:
        pg_connect().close()
        require_wrk()
        return run(args)
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
