#!/usr/bin/env python3
"""Creating many partners three ways, side by side on one server: one REST array request
(``POST /api/res.partner/create`` with a list), one REST request per partner, and Odoo's own
``/jsonrpc`` ``execute_kw`` ``create`` with the list (one call); and a ``POST /api/batch`` of
mixed operations against the same operations as separate requests.

    python3 benchmarks/bench_bulk.py [--rounds N] [--partners N] [--operations N]

Creates a throwaway database with the addons (about a minute) and an unthrottled REST key,
starts Odoo with ``--workers=2``, then runs each way ``--rounds`` times, the ways interleaved
round by round (each round starting one way later), one request at a time over a kept-alive
connection. Per way: records (or operations) per second, the median over the rounds. Targets:
the array at least 10x the single-request loop and at least 0.95x the native list create (the
same ORM call); the batch faster than its separate requests. The exit status says whether the
array targets are met.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from odoo_env import OdooRpc, OdooServer, OdooWorkspace

ARRAY_TARGET = 10.0  # x the single-request loop
NATIVE_TARGET = 0.95  # x the native list create


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


def measure(ways, count, rounds, label):
    """``{way: median items per second}`` over ``rounds`` interleaved rounds (after a warm-up)."""
    for name, call in ways.items():
        call(f"warmup-{label}-{name[:4]}", min(count, 10))
    rates = {name: [] for name in ways}
    names = list(ways)
    for round_number in range(rounds):
        for name in names[round_number % len(names) :] + names[: round_number % len(names)]:
            started = time.perf_counter()
            done = ways[name](f"{label}{round_number}-{names.index(name)}", count)
            rates[name].append(done / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in rates.items()}


def main():
    import requests  # noqa: PLC0415 - Odoo's dependency

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--operations", type=int, default=100)
    args = parser.parse_args()
    workspace = OdooWorkspace(prefix="rest_api_bench_bulk")
    try:
        database = workspace.create_database()
        arguments = ["--workers=2", "--max-cron-threads=0", "--limit-time-real=600", "--limit-time-cpu=600"]
        with OdooServer(workspace, database, extra_args=arguments) as server, requests.Session() as session:
            rpc = OdooRpc(server.base_url, database)
            key = rpc.generate_api_key("bench bulk", user_id=rpc.uid, scope_mode="all", rate_limit=0)["key"]
            creates = measure(
                create_ways(server.base_url, database, rpc, key, session), args.partners, args.rounds, "c"
            )
            batches = measure(batch_ways(server.base_url, key, session), args.operations, args.rounds, "b")
    finally:
        workspace.cleanup()
    print(f"Creating {args.partners} partners, {args.rounds} rounds, one request at a time (median records/s)")
    for name, rate in creates.items():
        print(f"  {name:<28} {rate:>10.1f}")
    array, single, native = creates.values()
    print(f"  array / single loop: {array / single:.1f}x (target >= {ARRAY_TARGET}x)")
    print(f"  array / native list: {array / native:.2f}x (target >= {NATIVE_TARGET}x)")
    print(f"{args.operations} mixed operations (create, update, read, delete), median operations/s")
    for name, rate in batches.items():
        print(f"  {name:<28} {rate:>10.1f}")
    batch, separate = batches.values()
    print(f"  batch / separate requests: {batch / separate:.1f}x")
    return 0 if array / single >= ARRAY_TARGET and array / native >= NATIVE_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
