#!/usr/bin/env python3
"""A one-partner read through the JSON-2 API next to the REST read and native ``/jsonrpc``.

    python3 benchmarks/bench_json2.py [--rounds 10] [--duration 5] [--partners 2000]

Runs in Odoo's Python; needs wrk. Creates a throwaway database like ``run.py`` (partners, a
native key, an unlimited REST key), starts one Odoo server with ``--workers 2`` and loads it,
in paired rounds (the order shifted by one every round, ``run.measure``), with four reads of
the same 500 partners and 5 fields: ``POST /json/2/res.partner/read`` with ``{"ids": [id],
"fields": [...]}`` and ``Authorization: bearer <REST key>``, the REST ``GET
/api/res.partner/<id>``, ``/jsonrpc`` ``execute_kw`` ``read`` with the native key, and the
bare controller (no checks; the floor). Prints requests/s and the server CPU per request
(Odoo + the database's PostgreSQL backends, ``tools/process_stats.py``) of each, and the
median of the per-round ratios with their range (target: JSON-2 costs no more than REST); then
the Python CPU of the JSON-2 and the REST read in one process, paired (``--in-process-rounds``),
which a loaded machine disturbs far less.
"""

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Request, require_wrk
from odoo_env import OdooServer, SetupError, exit_on_sigterm, pg_connect
from report import paired_ratio
from run import FIELDS, SERVER_ARGS, Scenario, bench_database, build_scenarios, expect, is_record, measure, query

COMPARED = ("read.json2", "read.rest", "read.jsonrpc", "read.bare")
PAIRS = (("read.json2", "read.rest"), ("read.json2", "read.jsonrpc"), ("read.rest", "read.jsonrpc"))


def json2_read(setup):
    body = lambda record_id: json.dumps({"ids": [record_id], "fields": FIELDS})  # noqa: E731
    headers = {"Authorization": f"bearer {setup['rest_key']}", "Content-Type": "application/json"}
    return Scenario(
        "read.json2",
        "Read 1 partner, 5 fields: JSON-2 `POST /json/2/res.partner/read`",
        [Request("POST", "/json/2/res.partner/read", headers, body(i)) for i in setup["read_ids"]],
        expect(200, lambda answer: isinstance(answer, list) and len(answer) == 1 and is_record(answer[0])),
    )


# The same two reads in one Odoo process (``odoo shell``), through Odoo's WSGI application as a
# server would call it: the Python CPU of each, paired, the order alternating, the garbage
# collector off during a request; no PostgreSQL, no scheduling of worker processes in the figure.
# The two reads as WSGI environs, in this benchmark's ``odoo shell`` scripts and
# bench_json2_callgrind's (its ``%(environ)s``): ``key``, ``fields`` and ``query_string`` set before.
ENVIRON = r"""
import json
from werkzeug.test import EnvironBuilder

headers = {"json2": {"Authorization": "bearer " + key, "Content-Type": "application/json"}, "rest": {"api-key": key}}


def environ(kind, record_id):
    if kind == "json2":
        body = json.dumps({"ids": [record_id], "fields": fields})
        builder = EnvironBuilder(path="/json/2/res.partner/read", method="POST", headers=headers[kind], data=body)
    else:
        builder = EnvironBuilder(path=f"/api/res.partner/{record_id}", query_string=query_string, headers=headers[kind])
    return builder.get_environ()
"""


def shell_values(setup):
    """The values ``ENVIRON`` expects, for a script's ``%`` formatting."""
    return {"ids": setup["read_ids"], "key": setup["rest_key"], "fields": FIELDS, "query": query(fields=FIELDS),
            "environ": ENVIRON}  # fmt: skip


IN_PROCESS = r"""
import gc, statistics, time
import odoo.http

ids, key, fields, query_string, rounds = %(ids)r, %(key)r, %(fields)r, %(query)r, %(rounds)d
env.cr.commit()
%(environ)s

def request(kind, record_id):
    status = []
    b"".join(odoo.http.root(environ(kind, record_id), lambda line, _headers, _exc=None: status.append(line)))
    assert status[0].startswith("200"), status


def cpu_ms(kind, record_id):
    gc.disable()
    started = time.process_time()
    request(kind, record_id)
    elapsed = time.process_time() - started
    gc.enable()
    return elapsed * 1000


for record_id in ids[:50]:
    request("json2", record_id), request("rest", record_id)
runs = {"json2": [], "rest": []}
for number in range(rounds):
    for kind in ("json2", "rest")[:: 1 if number %% 2 else -1]:
        runs[kind].append(cpu_ms(kind, ids[number %% len(ids)]))
ratios = [json2 / rest for json2, rest in zip(runs["json2"], runs["rest"])]
quartiles = statistics.quantiles(ratios, n=4)
print(f"IN_PROCESS Python CPU per request, in one process through odoo.http.root, {rounds} paired rounds: "
      f"JSON-2 {statistics.median(runs['json2']):.2f} ms, REST {statistics.median(runs['rest']):.2f} ms; "
      f"JSON-2 / REST, median of the per-round ratios {statistics.median(ratios):.3f} "
      f"(quartiles {quartiles[0]:.3f}-{quartiles[2]:.3f})")
"""


def in_process(workspace, database, setup, rounds):
    script = IN_PROCESS % {**shell_values(setup), "rounds": rounds}
    output = workspace.shell(database, script)
    return next(line.removeprefix("IN_PROCESS ") for line in output.splitlines() if line.startswith("IN_PROCESS "))


def report(results, args, load_before, load_after):
    by_name = {result["name"]: result for result in results}
    lines = [
        f"`python3 benchmarks/bench_json2.py {' '.join(args.argv)}`: {args.rounds} rounds of {args.duration} s, "
        f"`{' '.join(SERVER_ARGS)}`, wrk {args.connections} connections; "
        f"load average at the start {load_before}, at the end {load_after}",
        "",
        "| read of 1 partner, 5 fields | req/s | p50 ms | server CPU ms/request (Odoo + PostgreSQL) |",
        "|---|---|---|---|",
    ]
    for name in COMPARED:
        result = by_name[name]
        if result["status"] != "ok":
            lines.append(f"| {result['label']} | not measured: {result['reason']} | | |")
            continue
        rounds = result["rounds"]
        odoo = statistics.median(r["server_cpu_ms"]["odoo"] for r in rounds)
        postgres = statistics.median(r["server_cpu_ms"]["postgres"] for r in rounds)
        summary = result["summary"]
        lines.append(
            f"| {result['label']} | {summary['rps']:.0f} | {summary['latency_ms']['p50']:.1f} "
            f"| {summary['server_cpu_ms']:.2f} ({odoo:.2f} + {postgres:.2f}) |"
        )
    lines += ["", "| measured vs reference | req/s, median of per-round ratios (range) | server CPU per request |",
              "|---|---|---|"]  # fmt: skip
    for measured, reference in PAIRS:
        rps, cpu = (
            paired_ratio(by_name, measured, reference),
            paired_ratio(by_name, measured, reference, "server_cpu_ms"),
        )
        if rps is None or cpu is None:
            continue
        lines.append(
            f"| `{measured}` / `{reference}` | {rps[0]:.3f} ({rps[1]:.2f}-{rps[2]:.2f}) "
            f"| {cpu[0]:.3f} ({cpu[1]:.2f}-{cpu[2]:.2f}) |"
        )
    return "\n".join(lines)


def run(args):
    load_before = ", ".join(f"{load:.2f}" for load in os.getloadavg())
    with bench_database("rest_api_bench_json2", args.partners, 10) as (workspace, database, setup):
        scenarios = {scenario.name: scenario for scenario in build_scenarios(setup, database)}
        scenarios["read.json2"] = json2_read(setup)
        with OdooServer(workspace, database, extra_args=SERVER_ARGS) as server:
            results = measure(server, database, [scenarios[name] for name in COMPARED], args)
        load_after = ", ".join(f"{load:.2f}" for load in os.getloadavg())
        text = report(results, args, load_before, load_after)
        if args.in_process_rounds:
            text += "\n\n" + in_process(workspace, database, setup, args.in_process_rounds)
    print("\n" + text)
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per scenario")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--in-process-rounds", type=int, default=400, help="paired rounds in one process (0: none)")
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
