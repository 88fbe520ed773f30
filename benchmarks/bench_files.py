#!/usr/bin/env python3
"""A 10 MB download three ways, side by side on one server: the REST API's raw stream,
Odoo's own ``/web/content``, and base64 in JSON (``GET /api/ir.attachment/<id>?fields=["datas"]``).

    python3 benchmarks/bench_files.py [--rounds N] [--size-mb MB]

Creates a throwaway database with the addons (about a minute), a filestore attachment of
``--size-mb`` random bytes and an API key (``odoo shell``), starts Odoo with ``--workers=2``,
then downloads the attachment ``--rounds`` times per way, the ways interleaved round by round,
one request at a time. Per way: throughput (MB/s of file bytes, median over the rounds), the
server's CPU (Odoo master and workers, user + system, over all rounds) per MB, and the peak RSS growth of the
worker that served. Target: the raw stream at least 0.9x ``/web/content``'s throughput, and far
below the JSON path's memory. The exit status says whether the throughput target is met.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from odoo_env import OdooRpc, OdooServer, OdooWorkspace, SetupError
from process_stats import RssGrowth, cpu_by_pid, odoo_processes

MB = 1024 * 1024
SETUP = """
import os
attachment = env["ir.attachment"].create({{"name": "bench.bin", "raw": os.urandom({size}), "res_model": "res.partner",
                                          "res_id": env.ref("base.main_partner").id}})
key = env["res.users.apikeys"].with_user(env.ref("base.user_admin")).sudo()._generate(None, "bench files", False)
env.cr.commit()
print("BENCH", attachment.id, key)
"""


def odoo_cpu(server):
    """CPU seconds used so far by the Odoo server, master and workers."""
    return sum(cpu_by_pid(odoo_processes(server)).values())


def worker_growth(server):
    """The largest RSS growth of any worker of ``server`` while the ``with`` block runs."""
    return RssGrowth([child.pid for child in odoo_processes(server)[0].children()])


def ways(base_url, attachment_id, key, session):
    import requests  # noqa: PLC0415 - Odoo's dependency

    def raw():
        return requests.get(f"{base_url}/api/ir.attachment/{attachment_id}/raw", headers={"api-key": key}, timeout=300)

    def web_content():
        return requests.get(f"{base_url}/web/content/{attachment_id}", cookies={"session_id": session}, timeout=300)

    def base64_json():
        return requests.get(
            f"{base_url}/api/ir.attachment/{attachment_id}",
            params={"fields": '["datas"]'},
            headers={"api-key": key},
            timeout=300,
        )

    return {"REST raw stream": raw, "/web/content": web_content, "REST base64 JSON": base64_json}


def login_session(base_url, database):
    import requests  # noqa: PLC0415

    response = requests.post(
        f"{base_url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": database, "login": "admin", "password": "admin"}},
        timeout=60,
    )
    return response.cookies["session_id"]


def measure(server, database, attachment_id, key, *, size, rounds):
    session = login_session(server.base_url, database)
    calls = ways(server.base_url, attachment_id, key, session)
    for call in calls.values():  # warm-up, and a check of what each way answers
        response = call()
        assert response.status_code == 200, response.text[:500]
    results = {name: {"seconds": [], "cpu": [], "growth": 0} for name in calls}
    names = list(calls)
    for round_number in range(rounds):
        for name in names[round_number % len(names) :] + names[: round_number % len(names)]:
            cpu_before = odoo_cpu(server)
            with worker_growth(server) as memory:
                started = time.perf_counter()
                response = calls[name]()
                elapsed = time.perf_counter() - started
            assert response.status_code == 200
            assert len(response.content) >= size
            results[name]["seconds"].append(elapsed)
            results[name]["cpu"].append(odoo_cpu(server) - cpu_before)
            results[name]["growth"] = max(results[name]["growth"], memory.growth)
    megabytes = size / MB
    return {
        name: {
            "mb_per_s": megabytes / statistics.median(values["seconds"]),
            # summed over the rounds: the kernel counts CPU time in 10 ms ticks, a request costs a few
            "cpu_ms_per_mb": 1000 * sum(values["cpu"]) / (megabytes * len(values["cpu"])),
            "peak_rss_growth_mb": values["growth"] / MB,
        }
        for name, values in results.items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--size-mb", type=int, default=10)
    args = parser.parse_args()
    size = args.size_mb * MB
    workspace = OdooWorkspace(prefix="rest_api_bench_files")
    try:
        database = workspace.create_database()
        match = re.search(r"BENCH (\d+) ([0-9a-f]{40})", workspace.shell(database, SETUP.format(size=size)))
        if not match:
            raise SetupError("Could not create the benchmark's attachment")
        arguments = ["--workers=2", "--max-cron-threads=0"]
        with OdooServer(workspace, database, extra_args=arguments) as server:
            OdooRpc(server.base_url, database)  # the admin can log in (web/content needs its session)
            results = measure(server, database, int(match[1]), match[2], size=size, rounds=args.rounds)
    finally:
        workspace.cleanup()
    print(f"{args.size_mb} MB attachment in the filestore, {args.rounds} rounds, one request at a time")
    print(f"{'way':<20} {'MB/s':>8} {'Odoo CPU ms/MB':>15} {'peak worker RSS growth MB':>26}")
    for name, figures in results.items():
        print(
            f"{name:<20} {figures['mb_per_s']:>8.1f} {figures['cpu_ms_per_mb']:>15.2f}"
            f" {figures['peak_rss_growth_mb']:>26.1f}"
        )
    ratio = results["REST raw stream"]["mb_per_s"] / results["/web/content"]["mb_per_s"]
    print(f"REST raw stream / web/content throughput: {ratio:.2f} (target >= 0.9)")
    return 0 if ratio >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
