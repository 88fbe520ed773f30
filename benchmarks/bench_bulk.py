#!/usr/bin/env python3
"""Creating many partners three ways, side by side on one server: one REST array request
(``POST /api/res.partner/create`` with a list), one REST request per partner, and Odoo's own
``/jsonrpc`` ``execute_kw`` ``create`` with the list (one call); and a ``POST /api/batch`` of
mixed operations against the same operations as separate requests.

    python3 benchmarks/bench_bulk.py [--rounds N] [--partners N] [--operations N]

Creates a throwaway database with the addons (about a minute) and an unthrottled REST key,
starts Odoo with ``--workers=2``, then runs each way ``--rounds`` times, the ways interleaved
round by round (each round starting one way later), one request at a time over a kept-alive
connection. Per way: records (or operations) per second and the server's CPU per record
(``tools/process_stats.py``: the Odoo master and workers, the PostgreSQL backends of the
database), the median over the rounds; a ratio is the median of the ratios within each round,
with their range. Targets:
the array at least 10x the single-request loop and at least 0.95x the native list create (the
same ORM call); the batch faster than its separate requests. The exit status says whether the
array targets are met.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from odoo_env import OdooRpc, OdooServer, OdooWorkspace, exit_on_sigterm, exits_on_setup_error
from process_stats import cpu_ms_per_request, server_cpu

ARRAY_TARGET = 10.0  # x the single-request loop
NATIVE_TARGET = 0.95  # x the native list create
SERVER_ARGS = ["--workers=2", "--max-cron-threads=0", "--limit-time-real=600", "--limit-time-cpu=600"]


def partner_values(tag, count):
    return [{"name": f"Bench {tag} {index}", "email": f"bench{index}@{tag}.example"} for index in range(count)]


def create_ways(base_url, database, rpc, key, session):
    """``{way: function(tag, count) -> records created}``."""
    headers = {"api-key": key}

    def rest_array(tag, count):
        response = session.post(
            f"{base_url}/api/res.partner/create", json=partner_values(tag, count), headers=headers, timeout=600
        )
        assert response.status_code == 201, response.text[:500]
        return len(response.json()["ids"])

    def rest_single(tag, count):
        for values in partner_values(tag, count):
            response = session.post(f"{base_url}/api/res.partner/create", json=values, headers=headers, timeout=60)
            assert response.status_code == 201, response.text[:500]
        return count

    def native_list(tag, count):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [database, rpc.uid, rpc.password, "res.partner", "create", [partner_values(tag, count)], {}],
            },
        }
        response = session.post(f"{base_url}/jsonrpc", json=payload, timeout=600)
        assert response.status_code == 200 and "result" in response.json(), response.text[:500]
        return len(response.json()["result"])

    return {
        "REST array (1 request)": rest_array,
        "REST single (1 per record)": rest_single,
        "/jsonrpc list": native_list,
    }


def mixed_operations(tag, count):
    """``count`` operations: a create, an update of it, a read of it, a delete of it, again and again."""
    operations = []
    while len(operations) < count:
        created = len(operations)
        operations += [
            {"op": "create", "model": "res.partner", "values": {"name": f"Bench {tag} {created}"}},
            {"op": "update", "model": "res.partner", "id": {"$result": created}, "values": {"function": "Buyer"}},
            {"op": "execute_kw", "model": "res.partner", "method": "read", "args": [[{"$result": created}], ["name"]]},
            {"op": "delete", "model": "res.partner", "id": {"$result": created}},
        ]
    return operations[:count]


def batch_ways(base_url, key, session):
    """``{way: function(tag, count) -> operations run}``."""
    headers = {"api-key": key}

    def batch(tag, count):
        body = {"operations": mixed_operations(tag, count)}
        response = session.post(f"{base_url}/api/batch", json=body, headers=headers, timeout=600)
        assert response.status_code == 200, response.text[:500]
        return len(response.json()["results"])

    def separate(tag, count):
        ran, record_id = 0, None
        for operation in mixed_operations(tag, count):
            path = f"{base_url}/api/res.partner"
            if operation["op"] == "create":
                response = session.post(f"{path}/create", json=operation["values"], headers=headers, timeout=60)
                record_id = response.json()["id"]
            elif operation["op"] == "update":
                response = session.patch(f"{path}/{record_id}", json=operation["values"], headers=headers, timeout=60)
            elif operation["op"] == "execute_kw":
                body = {"method": "read", "args": [[record_id], ["name"]]}
                response = session.post(f"{path}/execute_kw", json=body, headers=headers, timeout=60)
            else:
                response = session.delete(f"{path}/{record_id}", headers=headers, timeout=60)
            assert response.status_code in (200, 201), response.text[:500]
            ran += 1
        return ran

    return {"REST batch (1 request)": batch, "REST separate requests": separate}


def measure(server, database, ways, *, count, rounds, label):
    """``{way: [{"rate": items/s, "cpu_ms": server CPU ms per item}, ...]}``, one per round: the ways
    interleaved, each round starting one way later, after a warm-up of each."""
    for name, call in ways.items():
        call(f"warmup-{label}-{name[:4]}", min(count, 10))
    results = {name: [] for name in ways}
    names = list(ways)
    for number in range(rounds):
        for name in names[number % len(names) :] + names[: number % len(names)]:
            before, started = server_cpu(server, database), time.perf_counter()
            done = ways[name](f"{label}{number}-{names.index(name)}", count)
            seconds, after = time.perf_counter() - started, server_cpu(server, database)
            cpu = cpu_ms_per_request(before, after, done)
            results[name].append({"rate": done / seconds, "cpu_ms": sum(cpu.values()), "cpu_parts": cpu})
            print(
                f"[bench] round {number + 1} {name:<28} {done / seconds:8.1f}/s  server CPU "
                f"{cpu['odoo']:.3f} + {cpu['postgres']:.3f} ms per item (Odoo + PostgreSQL)",
                flush=True,
            )
    return results


def paired(results, mine, theirs, figure):
    """``(median, lowest, highest)`` of ``mine / theirs`` within each round."""
    ratios = [a[figure] / b[figure] for a, b in zip(results[mine], results[theirs], strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def ratio_text(ratio, digits=2):
    median, lowest, highest = ratio
    return f"{median:.{digits}f}x (rounds {lowest:.{digits}f} to {highest:.{digits}f})"


def table(results, unit):
    lines = [f"| way | {unit}/s, median | server CPU ms per {unit[:-1]}, median (Odoo + PostgreSQL) |", "|---|---|---|"]
    for name, rounds in results.items():
        odoo = statistics.median(r["cpu_parts"]["odoo"] for r in rounds)
        postgres = statistics.median(r["cpu_parts"]["postgres"] for r in rounds)
        lines.append(
            f"| {name} | {statistics.median(r['rate'] for r in rounds):.1f} "
            f"| {statistics.median(r['cpu_ms'] for r in rounds):.3f} ({odoo:.3f} + {postgres:.3f}) |"
        )
    return lines


def report(creates, batches, args, loads):
    array, single, native = creates
    batch, separate = batches
    vs_single, vs_native = paired(creates, array, single, "rate"), paired(creates, array, native, "rate")
    met = vs_single[0] >= ARRAY_TARGET and vs_native[0] >= NATIVE_TARGET
    cpu_native = paired(creates, native, array, "cpu_ms")  # native's CPU per record / the array's
    lines = [
        f"`python3 benchmarks/bench_bulk.py {' '.join(args.argv)}`, commit {args.commit}, "
        f"`{' '.join(SERVER_ARGS)}`, one request at a time; load average {loads[0]} at the start, "
        f"{loads[1]} at the end",
        "",
        f"Creating {args.partners} partners, {args.rounds} rounds:",
        "",
        *table(creates, "records"),
        "",
        f"- array / single loop, records/s: {ratio_text(vs_single, 1)} (target >= {ARRAY_TARGET:.0f}x)",
        f"- array / native list, records/s: {ratio_text(vs_native)} (target >= {NATIVE_TARGET}x)",
        f"- native list / array, server CPU per record: {ratio_text(cpu_native)}",
        f"- targets {'met' if met else 'MISSED'}",
        "",
        f"{args.operations} mixed operations (create, update, read, delete), {args.rounds} rounds:",
        "",
        *table(batches, "operations"),
        "",
        f"- batch / separate requests, operations/s: {ratio_text(paired(batches, batch, separate, 'rate'), 1)}",
        f"- separate / batch, server CPU per operation: {ratio_text(paired(batches, separate, batch, 'cpu_ms'), 1)}",
    ]
    return "\n".join(lines), met


def load_average():
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def git_commit():
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown"


@contextmanager
def bench_server(prefix):
    """``(server, database, rpc, key)``: Odoo (``SERVER_ARGS``) on a throwaway database with the
    addons, and an unthrottled REST key of ``admin`` with every scope; all dropped on exit."""
    workspace = OdooWorkspace(prefix=prefix)
    try:
        database = workspace.create_database()
        with OdooServer(workspace, database, extra_args=SERVER_ARGS) as server:
            rpc = OdooRpc(server.base_url, database)
            key = rpc.generate_api_key("bench", user_id=rpc.uid, scope_mode="all", rate_limit=0)["key"]
            yield server, database, rpc, key
    finally:
        workspace.cleanup()


@exits_on_setup_error
def main(argv):
    import requests  # noqa: PLC0415 - Odoo's dependency

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--operations", type=int, default=100)
    args = parser.parse_args(argv)
    args.argv, args.commit = argv, git_commit()  # the code the server runs
    exit_on_sigterm()
    load_before = load_average()
    with bench_server("rest_api_bench_bulk") as (server, database, rpc, key), requests.Session() as session:
        ways = create_ways(server.base_url, database, rpc, key, session)
        creates = measure(server, database, ways, count=args.partners, rounds=args.rounds, label="c")
        ways = batch_ways(server.base_url, key, session)
        batches = measure(server, database, ways, count=args.operations, rounds=args.rounds, label="b")
    text, met = report(creates, batches, args, (load_before, load_average()))
    print("\n" + text)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
