#!/usr/bin/env python3
"""What a rate-limited key costs a request with each throttle store, in instructions (callgrind).

    python3 benchmarks/bench_store_callgrind.py [--requests 30] [--blocks 6] [--clock-scale 40]

Runs in Odoo's Python; needs valgrind, ``redis-server`` and the ``redis`` client. CPU time on a
shared 2-core VM moves by ±20 % from one second to the next (other processes, the host), ten
times the few per cent this measures; the instructions a process executes do not. The same
database, keys and read as ``bench_store.py`` (one partner, 5 fields, 500 partners round-robin),
but each store's Odoo server runs threaded (``--workers 0``: one process serves everything)
under ``valgrind --tool=callgrind``, instrumentation switched on after start-up
(``callgrind_control``). After a warm-up, blocks of ``--requests`` reads with the unlimited key
and with the rate-limited key alternate (ABBA), one request at a time, and callgrind's counter is
dumped after each block: instructions per request of the Odoo process, all its threads. Python's
cyclic garbage collector is off in that server (``REST_API_BENCH_NO_GC``): its collections of
Odoo's heap would land in one block or another.

Not counted by callgrind: the kernel (the system calls of a round trip, context switches) and
the other processes (PostgreSQL's backends, redis-server). So the script also counts the store
round trips (rows written to ``rest_api_throttle``, Redis ``EVALSHA`` calls) and reads the CPU of
the backends and of redis-server per block to the nanosecond, which the load still disturbs.
A request under valgrind takes some 50 times as long, so the per-process time windows would
cover that many times fewer requests than at native speed: a busy key would look quiet to the
quota leases' one-second windows, and each verified key's 60 s cache would lapse (its hash check
paid again) every few dozen requests. ``--clock-scale`` stretches those windows and the usage
counters' flush interval by that factor (``REST_API_BENCH_CLOCK_SCALE``, read by the benchmark
addon ``rest_api_bench``); the report gives the requests per lease window and the round trips
per request it led to.
"""

import argparse
import copy
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "rest_api_auth" / "tests"))  # redis_helpers

from bench_store import SCENARIOS, throttle_writes
from loadgen import run_sequential
from odoo_env import OdooServer, SetupError, exit_on_sigterm, pg_connect
from process_stats import cpu_ms_per_request, server_cpu
from redis_helpers import PrivateRedis
from run import bench_database, build_scenarios, probe

SERVER_ARGS = ["--workers=0", "--max-cron-threads=0"]
STATISTICS_DELAY = 11  # PostgreSQL publishes a backend's table statistics within 10 s


class Callgrind:
    """The callgrind counter of one process: instructions since the previous dump."""

    def __init__(self, pid, out_file):
        self.pid, self.out_file, self.dumps = pid, out_file, 0

    def control(self, *options):
        subprocess.run(["callgrind_control", *options, str(self.pid)], check=True, capture_output=True, timeout=120)

    def dump(self):
        """Dump the counter (which resets it) and return the instructions it held."""
        self.control("--dump")
        self.dumps += 1
        path = Path(f"{self.out_file}.{self.dumps}")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if path.exists():
                for line in path.read_text(errors="replace").splitlines():
                    if line.startswith("totals:"):
                        instructions = int(line.split()[1])
                        path.unlink()
                        return instructions
            time.sleep(0.2)
        raise SetupError(f"callgrind wrote no dump {path}")


def evalsha_calls(redis):
    import redis as redis_client  # noqa: PLC0415 - the optional client, as the store imports it

    stats = redis_client.Redis.from_url(redis.url).info("commandstats")
    return sum(stats.get(name, {}).get("calls", 0) for name in ("cmdstat_evalsha", "cmdstat_eval"))


def round_trips(store, database, redis):
    if store == "postgresql":
        time.sleep(STATISTICS_DELAY)
        return throttle_writes(database)
    return evalsha_calls(redis)


def measure_store(store, workspace, database, scenarios, redis, *, args):
    """Start ``store``'s server under callgrind, warm it up, then the alternating blocks."""
    out_file = workspace.directory / f"callgrind.{store}"
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_file}"]
    server = OdooServer(
        workspace,
        database,
        extra_args=SERVER_ARGS,
        prefix=valgrind,
        env={"REST_API_BENCH_CLOCK_SCALE": str(args.clock_scale), "REST_API_BENCH_NO_GC": "1"},
    )
    server.start(timeout=900)
    try:
        for _key, name in SCENARIOS:  # uninstrumented: valgrind alone is some 5 times slower, not 50
            reason = probe(server.base_url, scenarios[name])
            if reason:
                raise SetupError(f"{store} {name}: {reason}")
            run_sequential(server.base_url, scenarios[name].requests, args.warm)
        counter = Callgrind(server.process.pid, out_file)
        counter.control("--instr=on")
        for _key, name in SCENARIOS:  # callgrind translates the code afresh
            run_sequential(server.base_url, scenarios[name].requests, 5)
        trips_before = round_trips(store, database, redis)
        counter.dump()  # the warm-up and the wait
        blocks = []
        for number in range(args.blocks):
            for key, name in SCENARIOS[:: 1 if number % 2 == 0 else -1]:
                before = server_cpu(server, database, redis=[redis.process.pid])
                began = time.monotonic()
                statuses = run_sequential(
                    server.base_url, scenarios[name].requests, args.requests, random.randrange(500)
                )
                seconds = time.monotonic() - began
                after = server_cpu(server, database, redis=[redis.process.pid])
                block = {
                    "key": key,
                    "instructions": counter.dump() / args.requests,
                    "errors": args.requests - statuses.get(200, 0),
                    "seconds": seconds / args.requests,
                    "cpu_ms": cpu_ms_per_request(before, after, args.requests),
                }
                blocks.append(block)
                print(
                    f"[bench] {store:10} block {number + 1} {key:12} {block['instructions'] / 1e6:9.3f} M instructions"
                    f" per request, {block['seconds']:.2f} s per request, PostgreSQL "
                    f"{block['cpu_ms']['postgres']:.3f} ms, Redis {block['cpu_ms']['redis']:.3f} ms, "
                    f"errors {block['errors']}",
                    flush=True,
                )
        trips = round_trips(store, database, redis) - trips_before
    finally:
        server.stop()
    limited = [block for block in blocks if block["key"] == "rate-limited"]
    return {
        "blocks": blocks,
        "round_trips": trips / (len(limited) * args.requests),
        "requests_per_window": statistics.median(args.clock_scale / block["seconds"] for block in limited),
    }


def paired_costs(blocks):
    """Per pair of consecutive blocks (one of each key), rate-limited / unlimited - 1, in %."""
    costs = []
    for first, second in zip(blocks[::2], blocks[1::2], strict=True):
        pair = {first["key"]: first, second["key"]: second}
        costs.append(100 * (pair["rate-limited"]["instructions"] / pair["unlimited"]["instructions"] - 1))
    return costs


def report(results, args, load_before):
    lines = [
        f"`python3 benchmarks/bench_store_callgrind.py {' '.join(args.argv)}`: {args.blocks} blocks of "
        f"{args.requests} requests per key and store, `{' '.join(SERVER_ARGS)}` under callgrind, time windows "
        f"x{args.clock_scale}; load average at the start {load_before}, at the end "
        + ", ".join(f"{load:.2f}" for load in os.getloadavg()),
        "",
        "| store | key | Odoo instructions per request (M), median (range) | PostgreSQL backends CPU ms/request "
        "| redis-server CPU ms/request |",
        "|---|---|---|---|---|",
    ]
    for store, result in results.items():
        for key, _name in SCENARIOS:
            blocks = [block for block in result["blocks"] if block["key"] == key]
            values = [block["instructions"] / 1e6 for block in blocks]
            lines.append(
                f"| {store} | {key} | {statistics.median(values):.3f} ({min(values):.3f} to {max(values):.3f}) "
                f"| {statistics.median(block['cpu_ms']['postgres'] for block in blocks):.3f} "
                f"| {statistics.median(block['cpu_ms']['redis'] for block in blocks):.3f} |"
            )
    lines += [
        "",
        "| store | cost in Odoo instructions per request: median of the pairs (range) "
        "| store round trips per rate-limited request | rate-limited requests per lease window (per process) |",
        "|---|---|---|---|",
    ]
    for store, result in results.items():
        costs = paired_costs(result["blocks"])
        lines.append(
            f"| {store} | {statistics.median(costs):+.2f} % ({min(costs):+.2f} to {max(costs):+.2f} %) "
            f"| {result['round_trips']:.3f} | {result['requests_per_window']:.0f} |"
        )
    return "\n".join(lines)


def run(args):
    load_before = ", ".join(f"{load:.2f}" for load in os.getloadavg())
    with bench_database("rest_api_bench_callgrind", args.partners, 10) as (workspace, database, setup):
        scenarios = {scenario.name: scenario for scenario in build_scenarios(setup, database)}
        with PrivateRedis() as redis:
            redis_workspace = copy.copy(workspace)
            redis_workspace.config_file = workspace.directory / "odoo-redis.conf"
            redis_workspace.config_file.write_text(
                workspace.config_file.read_text() + f"rest_api_throttle_store = {redis.url}\n"
            )
            results = {
                store: measure_store(store, store_workspace, database, scenarios, redis, args=args)
                for store, store_workspace in (("postgresql", workspace), ("redis", redis_workspace))
            }
        print("\n" + report(results, args, load_before))
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30, help="requests per block")
    parser.add_argument("--blocks", type=int, default=6, help="blocks per key and store")
    parser.add_argument("--warm", type=int, default=30, help="unmeasured requests per key before the blocks")
    parser.add_argument("--clock-scale", type=float, default=40, help="the time windows' stretch under valgrind")
    parser.add_argument("--partners", type=int, default=2000)
    args = parser.parse_args(argv)
    args.argv = argv
    exit_on_sigterm()
    try:
        pg_connect().close()
        for tool in ("valgrind", "callgrind_control"):
            if not shutil.which(tool):
                raise SetupError(f"{tool} is not installed (Debian/Ubuntu: apt-get install valgrind).")
        return run(args)
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
