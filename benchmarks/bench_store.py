#!/usr/bin/env python3
"""What a rate-limited key costs a request, with each throttle store: PostgreSQL and Redis.

    python3 benchmarks/bench_store.py [--rounds 5] [--duration 6] [--partners 2000]

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
"""

import argparse
import copy
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import run_wrk, wrk_path
from odoo_env import OdooServer, OdooWorkspace, SetupError, addons_path, exit_on_sigterm, free_port, pg_connect
from run import BENCH_DIR, SERVER_ARGS, build_scenarios, prepare_database, probe

SCENARIOS = (("unlimited", "read.rest"), ("rate-limited", "read.rest_throttled"))
CPU_PARTS = ("odoo", "postgres", "redis")


class PrivateRedis:
    """A ``redis-server`` of this benchmark alone, on loopback, keeping nothing on disk."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self):
        binary = shutil.which("redis-server")
        if not binary:
            raise SetupError("redis-server is not installed (Debian/Ubuntu: apt-get install redis-server).")
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [binary, *arguments], cwd=self.directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(0.5)
        if self.process.poll() is not None:
            raise SetupError(f"redis-server exited with {self.process.returncode}")
        return self

    def __exit__(self, *exc_info):
        self.process.terminate()
        self.process.wait(timeout=10)


def process_cpu(pids):
    import psutil  # noqa: PLC0415 - Odoo's dependency: Odoo's Python has it

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def cpu_seconds(server, redis_pid, database):
    """{"odoo", "postgres", "redis"}: CPU seconds used so far by this Odoo server, the PostgreSQL
    backends of the database (the machine is shared: other databases' are not ours), the Redis."""
    import psutil  # noqa: PLC0415

    master = psutil.Process(server.process.pid)
    postgres = [
        p.pid
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["name"] == "postgres" and f" {database} " in " ".join(p.info["cmdline"] or ())
    ]
    return {
        "odoo": process_cpu([master.pid, *(child.pid for child in master.children(recursive=True))]),
        "postgres": process_cpu(postgres),
        "redis": process_cpu([redis_pid]),
    }


def throttle_writes(database):
    connection = pg_connect(database)
    try:
        with connection.cursor() as cr:
            cr.execute("SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables WHERE relname = 'rest_api_throttle'")
            return cr.fetchone()[0]
    finally:
        connection.close()


def measured(server, scenario, args, redis_pid, database):
    before = cpu_seconds(server, redis_pid, database)
    result = run_wrk(server.base_url, scenario.requests, args.duration, args.connections)
    after = cpu_seconds(server, redis_pid, database)
    requests = max(result.requests, 1)
    cpu = {name: 1000 * (after[name] - before[name]) / requests for name in before}
    return {
        "requests": result.requests,
        "rps": result.rps,
        "p50_ms": result.as_dict()["latency_ms"]["p50"],
        "errors": sum(result.errors.values()),
        "cpu_ms": cpu,
        "cpu_total_ms": sum(cpu.values()),
    }


def writes_per_request(rounds, writes):
    """The throttle table's rows written per rate-limited request of each store, from the run's
    total (PostgreSQL publishes a backend's statistics up to 10 s late: per run they would blur).
    Every row is charged to the PostgreSQL store's requests; what is left is the Redis store's."""
    postgresql = sum(entry[("postgresql", "rate-limited")]["requests"] for entry in rounds)
    redis = sum(entry[("redis", "rate-limited")]["requests"] for entry in rounds)
    return {"postgresql": writes / postgresql, "redis": max(0, writes - postgresql) / redis}


def median_ratio(rounds, store, metric):
    """Median over the rounds of (rate-limited / unlimited - 1), in %."""
    values = [
        100 * (entry[(store, "rate-limited")][metric] / entry[(store, "unlimited")][metric] - 1) for entry in rounds
    ]
    return statistics.median(values), min(values), max(values)


def report(rounds, args, load_before, writes):
    lines = [
        f"`python3 benchmarks/bench_store.py {' '.join(args.argv)}`, {len(rounds)} rounds of {args.duration} s, "
        f"`{' '.join(SERVER_ARGS)}`, wrk {args.connections} connections; load average at the start {load_before}",
        "",
        "| store | key | req/s | p50 ms | server CPU ms/request (Odoo + PostgreSQL + Redis) |",
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


def run(args):
    load_before = ", ".join(f"{load:.2f}" for load in os.getloadavg())
    workspace = OdooWorkspace(prefix="rest_api_bench_store")
    try:
        workspace.write_config(addons_path=f"{addons_path()},{BENCH_DIR / 'addons'}")
        database = f"rest_api_bench_store_{os.getpid()}"
        setup = prepare_database(workspace, database, False, args.partners, 10)
        scenarios = {scenario.name: scenario for scenario in build_scenarios(setup, database)}
        with PrivateRedis(workspace.directory) as redis:
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
                for number in range(args.rounds):
                    shift = number % len(order)
                    entry = {}
                    for store, key, name in order[shift:] + order[:shift]:
                        entry[(store, key)] = result = measured(
                            servers[store], scenarios[name], args, redis.process.pid, database
                        )
                        print(
                            f"[bench] round {number + 1} {store:10} {key:12} {result['rps']:7.1f} req/s "
                            f"CPU {result['cpu_total_ms']:.2f} ms/request {json.dumps(result['cpu_ms'])} "
                            f"errors {result['errors']}",
                            flush=True,
                        )
                    rounds.append(entry)
                time.sleep(11)  # PostgreSQL publishes a backend's table statistics within 10 s
                writes = throttle_writes(database) - writes
        print("\n" + report(rounds, args, load_before, writes))
        return 0
    finally:
        workspace.cleanup()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=6, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per scenario and server")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--partners", type=int, default=2000)
    args = parser.parse_args(argv)
    args.argv = argv
    exit_on_sigterm()
    try:
        pg_connect().close()
        if not wrk_path():
            raise SetupError("wrk is not installed (Debian/Ubuntu: apt-get install wrk).")
        return run(args)
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
