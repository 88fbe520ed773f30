#!/usr/bin/env python3
"""What an ``Idempotency-Key`` costs a single create: server CPU per request, with the header vs without.

    python3 benchmarks/bench_idempotency.py [--rounds 10] [--duration 5] [--connections 4] [--records 1]

Creates a throwaway database with the addons and an unthrottled REST key (``bench_bulk``'s
``bench_server``), starts Odoo with ``--workers 2`` and, in each round, loads
``POST /api/res.partner/create`` with wrk for ``--duration`` seconds without the header and with
it, in turn, the order alternating from round to round. With the header, every request carries a
key of its own (a list of distinct requests far longer than a run sends), so that each one claims
its key (the advisory lock and the look-up), creates the partner and stores its response: none is
a replay. Server CPU per request (``tools/process_stats.py``): the Odoo master and workers plus
the PostgreSQL backends of the benchmark's database; the figure is the median of the per-round
ratios with the header / without it, with their range. Target: at most 5 % more. ``--records
N`` sends an array of N partners per request instead (one array create): the key's cost is per
request, and this shows its share of a bigger write (the target is for one partner).

On a shared machine the per-round ratio moves by more than 5 %, so the run also measures, in a
process of its own on the same database, what the key adds to a request part by part: the
fingerprint of the request, the look-up with the advisory lock (``idempotency.begin``) and the
insert of the stored response (``idempotency.store``), each in this process's CPU and the
PostgreSQL backend's.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_bulk import SERVER_ARGS, bench_server, git_commit, load_average
from loadgen import Request, require_wrk, run_wrk
from odoo_env import SetupError, exit_on_sigterm, exits_on_setup_error, http_json
from report import paired_ratio, paired_rows
from run import run_measured

WITHOUT, WITH = "without key", "with key"
MODES = (WITHOUT, WITH)
TARGET = 0.05  # at most 5 % more server CPU per create with an Idempotency-Key
CREATE_PATH = "/api/res.partner/create"
PARTNER = {"name": "Idempotency bench", "email": "idempotency@bench.example"}


def body(records):
    """One partner, or an array of ``records`` partners (one array create: the key's fixed cost on a bigger write)."""
    return json.dumps(PARTNER if records == 1 else [PARTNER] * records)


def creates(key, mode, count, records=1):
    """``count`` create requests; with the header, each with a key of its own."""
    headers = {"api-key": key, "Content-Type": "application/json"}
    data = body(records)
    if mode == WITHOUT:
        return [Request("POST", CREATE_PATH, headers, data)]
    run = uuid.uuid4().hex[:12]
    return [Request("POST", CREATE_PATH, {**headers, "Idempotency-Key": f"{run}-{n}"}, data) for n in range(count)]


def check(server, key, records):
    """One request of each mode answers 201; the keyed one stores its response (a retry replays)."""
    for mode in MODES:
        request = creates(key, mode, 1, records)[0]
        for attempt in (1, 2) if mode == WITH else (1,):
            status, headers, answer = http_json(
                "POST", server.base_url + CREATE_PATH, json.loads(request.body), request.headers
            )
            replayed = headers.get("Idempotent-Replayed") == "true"
            if status != 201 or replayed != (attempt == 2):
                raise SetupError(f"{mode}, attempt {attempt}: HTTP {status}, replayed {replayed}: {answer}")


def measure(server, database, key, args):
    """``{mode: [round figures]}``."""
    check(server, key, args.records)
    count = args.requests
    for mode in MODES:  # warm-up
        run_wrk(server.base_url, creates(key, mode, count, args.records), args.warmup, args.connections)
    rounds = {mode: [] for mode in MODES}
    for number in range(1, args.rounds + 1):
        for mode in MODES if number % 2 else MODES[::-1]:
            requests = creates(key, mode, count, args.records)
            result = run_measured(server, database, requests, args.duration, args.connections)
            if mode == WITH and result["requests"] > len(requests):
                raise SetupError(f"{result['requests']} requests for {len(requests)} keys: raise --requests")
            rounds[mode].append(result)
            cpu = result.get("server_cpu_ms", {})
            print(
                f"[bench] round {number} {mode:11} {result['rps']:7.1f} req/s  server CPU/request "
                f"{cpu.get('odoo', 0):.3f} + {cpu.get('postgres', 0):.3f} ms (Odoo + PostgreSQL)  "
                f"errors {sum(result['errors'].values())}",
                flush=True,
            )
    return rounds


def report(rounds, args, loads):
    scenarios = {mode: {"status": "ok", "rounds": runs} for mode, runs in rounds.items()}
    lines = [
        f"`python3 benchmarks/bench_idempotency.py {' '.join(args.argv)}`, commit {args.commit}, "
        f"`{' '.join(SERVER_ARGS)}`, wrk {args.connections} connections, {args.rounds} rounds of "
        f"{args.duration} s per mode; load average {loads[0]} at the start, {loads[1]} at the end",
        "",
        "| figure | without key | with key | with / without, median of the rounds (range) |",
        "|---|---|---|---|",
    ]
    lines += paired_rows(
        rounds,
        WITHOUT,
        WITH,
        (("server_cpu_ms", "server CPU per request (ms, Odoo + PostgreSQL)"), ("rps", "requests/s")),
    )
    errors = sum(sum(r["errors"].values()) for runs in rounds.values() for r in runs)
    cpu = paired_ratio(scenarios, WITH, WITHOUT, "server_cpu_ms")[0] - 1
    verdict = "met" if cpu <= TARGET else "MISSED"
    if args.records == 1:
        lines.append(f"\nTarget: ≤ {TARGET:.0%} more server CPU per create: {cpu:+.1%}, {verdict}. Errors: {errors}.")
    else:  # the target is for one partner
        lines.append(f"\n{args.records} partners per request: {cpu:+.1%} server CPU with a key. Errors: {errors}.")
    return "\n".join(lines), cpu <= TARGET or args.records != 1


def component_costs(config_file, database, count=4000):
    """Microseconds per keyed create of each part the key adds (run in a process of its own): the
    look-up with the lock (``begin``) and the insert (``store``) over loops of commits alone."""
    import types  # noqa: PLC0415

    import psutil  # noqa: PLC0415 - Odoo's dependency
    import werkzeug.test  # noqa: PLC0415
    import werkzeug.wrappers  # noqa: PLC0415

    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(config_file), "--log-level=warn"])
    from odoo import api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    from odoo.addons.rest_api_core import idempotency  # noqa: PLC0415

    run = uuid.uuid4().hex[:12]
    requests = [
        werkzeug.wrappers.Request(
            werkzeug.test.EnvironBuilder(
                method="POST",
                path=CREATE_PATH,
                data=body(1),
                headers={"api-key": "x", "Content-Type": "application/json", "Idempotency-Key": f"{run}-{n}"},
            ).get_environ()
        )
        for n in range(count)
    ]
    response = werkzeug.wrappers.Response(
        json.dumps({"id": 42, "message": "Created."}), status=201, mimetype="application/json"
    )
    response.headers["Location"] = "/api/res.partner/42"
    with Registry(database).cursor() as cr:
        env = api.Environment(cr, 2, {})  # admin, the owner of the benchmark's key
        native_key_id = env["rest.api.key"].sudo().search([], limit=1).native_key_id.id
        auth = types.SimpleNamespace(key=types.SimpleNamespace(native_key_id=native_key_id))
        cr.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cr.fetchone()[0])
        cr.commit()

        def loop(part, batch):
            """This process's and the backend's CPU seconds for ``part(request)`` on each of ``batch``,
            each in a transaction of its own (whole loops: both clocks count in 10 ms ticks)."""
            backend_before, started = sum(backend.cpu_times()[:2]), time.process_time()
            for httprequest in batch:
                part(types.SimpleNamespace(env=env, httprequest=httprequest))
                cr.commit()
            return time.process_time() - started, sum(backend.cpu_times()[:2]) - backend_before

        def begin(request):
            return idempotency.begin(request, auth)

        def begin_and_store(request):
            idempotency.store(request, idempotency.begin(request, auth), response)

        half = len(requests) // 2
        nothing = loop(lambda request: None, requests[:half])  # the commits alone
        begun = loop(begin, requests[:half])  # these keys are claimed, never stored
        stored = loop(begin_and_store, requests[half:])
        started = time.process_time()
        for httprequest in requests:
            idempotency.fingerprint(httprequest)
        fingerprinted = time.process_time() - started
    return {
        "fingerprint_us": 1e6 * fingerprinted / len(requests),
        "begin_client_us": 1e6 * (begun[0] - nothing[0] - fingerprinted / 2) / half,
        "begin_postgres_us": 1e6 * (begun[1] - nothing[1]) / half,
        "store_client_us": 1e6 * (stored[0] - begun[0]) / half,
        "store_postgres_us": 1e6 * (stored[1] - begun[1]) / half,
    }


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per mode and round")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per mode")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--requests", type=int, default=3000, help="distinct keys per run (more than a run sends)")
    parser.add_argument(
        "--records", type=int, default=1, help="partners per request: above 1, one array create (the target is for 1)"
    )
    args = parser.parse_args(argv)
    args.argv, args.commit = argv, git_commit()  # the code the server runs
    return args


@exits_on_setup_error
def main(argv):
    if argv[:1] == ["--components"]:  # the child process of component_costs
        print(json.dumps(component_costs(argv[1], argv[2])))
        return 0
    args = parse_args(argv)
    exit_on_sigterm()
    require_wrk()
    load_before = load_average()
    with bench_server("rest_api_bench_idem") as (server, database, _rpc, key):
        rounds = measure(server, database, key, args)
        loads = (load_before, load_average())
        child = [sys.executable, __file__, "--components", str(server.workspace.config_file), database]
        parts = json.loads(subprocess.run(child, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
    table, met = report(rounds, args, loads)
    print("\n" + table, flush=True)
    without = statistics.median(sum(r["server_cpu_ms"].values()) for r in rounds[WITHOUT]) * 1000
    total = sum(parts.values())
    print(
        "\nWhat the key adds per create, measured part by part (µs): "
        + ", ".join(f"{name} {value:.1f}" for name, value in parts.items())
        + f"; in all {total:.1f} µs = {total / without:.2%} of a create's {without / 1000:.2f} ms without a key"
        f" (load average {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
