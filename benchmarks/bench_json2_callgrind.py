#!/usr/bin/env python3
"""The JSON-2 read of one partner vs the REST read, in instructions per request (callgrind).

    python3 benchmarks/bench_json2_callgrind.py [--requests 40] [--blocks 6] [--profile N]

Runs in Odoo's Python; needs valgrind. The same reads as ``bench_json2.py`` (one partner, 5
fields, 500 partners round-robin, the unlimited REST key): ``POST /json/2/res.partner/read``
and ``GET /api/res.partner/<id>``, in one ``odoo shell`` process through Odoo's WSGI
application (``odoo.http.root``) as a server calls it, under ``valgrind --tool=callgrind``
with the instrumentation switched on after the warm-up. Blocks of ``--requests`` requests of
each kind alternate (ABBA), callgrind's counter dumped after each block: instructions per
request of Odoo's Python, which the load of the machine does not move (CPU time on the shared
host moves by ±20 %). Not counted: PostgreSQL's backend (the REST read runs one more query,
its ``ETag``'s ``write_date``) and the kernel. Python's cyclic garbage collector is off while
counting, the key's verification cache stretched (``REST_API_BENCH_CLOCK_SCALE``).

``--profile N``: no valgrind; N requests of each kind under cProfile instead, the functions
whose own time differs most between the two printed (where to look, not a figure to quote).
"""

import argparse
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_json2 import shell_values
from odoo_env import OdooWorkspace, SetupError, addons_path, exit_on_sigterm, pg_connect
from run import BENCH_DIR, bench_database, prepare_database

REUSED_WORKSPACE = Path.home() / ".cache" / "odoo-rest-api-bench-json2"
REUSED_DATABASE = "rest_api_bench_json2"
KINDS = ("json2", "rest")

# Run by ``odoo shell`` (``env`` is a superuser environment): requests through odoo.http.root.
SHELL = r"""
import cProfile, gc, json, os, pstats, subprocess, time
from pathlib import Path
import odoo.http

ids, key, fields, query_string = %(ids)r, %(key)r, %(fields)r, %(query)r
requests, blocks, profile, out_file = %(requests)d, %(blocks)d, %(profile)d, %(out_file)r
env.cr.commit()
%(environ)s

def serve(request_environ):
    status = []
    b"".join(odoo.http.root(request_environ, lambda line, _headers, _exc=None: status.append(line)))
    assert status[0].startswith("200"), status


def callgrind(*options):
    subprocess.run(["callgrind_control", *options, str(os.getpid())], check=True, capture_output=True, timeout=300)


def totals(number):
    path = Path(f"{out_file}.{number}")
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("totals:"):
            path.unlink()
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


position = 0


def block(kind, count):
    # the environs are built before the block: the client's side is not the server's cost
    global position
    environs = [environ(kind, ids[(position + number) %% len(ids)]) for number in range(count)]
    position += count
    return environs


for record_id in ids[:60]:
    serve(environ("json2", record_id)), serve(environ("rest", record_id))
gc.collect()
gc.disable()
if profile:
    for kind in ("json2", "rest"):
        environs = block(kind, profile)
        profiler = cProfile.Profile()
        profiler.enable()
        for request_environ in environs:
            serve(request_environ)
        profiler.disable()
        profiler.dump_stats(f"{out_file}.{kind}.prof")
    print("CALLGRIND_DONE")
else:
    results = {"json2": [], "rest": []}
    callgrind("--instr=on")
    callgrind("--dump")  # what the switch itself cost
    totals(1)
    dumps = 1
    for number in range(blocks):
        for kind in ("json2", "rest")[:: 1 if number %% 2 == 0 else -1]:
            environs = block(kind, requests)
            callgrind("--zero")
            for request_environ in environs:
                serve(request_environ)
            callgrind("--dump")
            dumps += 1
            results[kind].append(totals(dumps))
    print("CALLGRIND " + json.dumps(results))
"""


def run_shell(workspace, database, setup, args, out_file):
    script = SHELL % {
        **shell_values(setup),
        "requests": args.requests, "blocks": args.blocks, "profile": args.profile, "out_file": str(out_file),
    }  # fmt: skip
    command = workspace.odoo_command("-d", database, "--no-http", subcommand="shell")
    if not args.profile:
        valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_file}"]
        command = valgrind + command
    environment = {**os.environ, "REST_API_BENCH_CLOCK_SCALE": str(args.clock_scale)}
    result = subprocess.run(command, input=script, capture_output=True, text=True, check=False, env=environment)
    for line in result.stdout.splitlines():
        if line.startswith("CALLGRIND"):
            return json.loads(line.removeprefix("CALLGRIND ")) if line.startswith("CALLGRIND ") else None
    sys.stderr.write(result.stderr[-8000:])
    raise SetupError(f"odoo shell on {database} failed (exit {result.returncode}).")


def report_counts(results, args, commit):
    per_request = {kind: [total / args.requests / 1e6 for total in results[kind]] for kind in KINDS}
    # block i of one kind next to block i of the other: ABBA pairs
    ratios = [json2 / rest for json2, rest in zip(per_request["json2"], per_request["rest"], strict=True)]
    lines = [
        f"`python3 benchmarks/bench_json2_callgrind.py {' '.join(args.argv)}` on commit {commit}: "
        f"{args.blocks} blocks of {args.requests} requests of each kind (ABBA), one process, Odoo's Python only",
        "",
        "| read of 1 partner, 5 fields | M instructions per request, median (range) |",
        "|---|---|",
    ]
    labels = ("JSON-2 `POST /json/2/res.partner/read`", "REST `GET /api/res.partner/<id>`")
    for kind, label in zip(KINDS, labels, strict=True):
        values = per_request[kind]
        lines.append(f"| {label} | {statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f}) |")
    lines.append("")
    lines.append(
        f"JSON-2 / REST, instructions per request: {statistics.median(ratios):.3f} "
        f"(blocks {min(ratios):.3f}-{max(ratios):.3f})"
    )
    return "\n".join(lines)


def report_profile(out_file, top):
    own = {}
    for kind in KINDS:
        stats = pstats.Stats(f"{out_file}.{kind}.prof").stats
        for function, (_calls, ncalls, tottime, _cumtime, _callers) in stats.items():
            own.setdefault(function, dict.fromkeys(KINDS, (0, 0.0)))[kind] = (ncalls, tottime)
    rows = sorted(own.items(), key=lambda item: -abs(item[1]["json2"][1] - item[1]["rest"][1]))
    lines = ["own time, JSON-2 - REST (ms, all requests) | calls JSON-2 | calls REST | function"]
    for (filename, line, name), costs in rows[:top]:
        difference = (costs["json2"][1] - costs["rest"][1]) * 1000
        lines.append(f"{difference:9.2f} | {costs['json2'][0]:7} | {costs['rest'][0]:7} | {name} {filename}:{line}")
    return "\n".join(lines)


def commit_of_worktree():
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return f"`{result.stdout.strip()}`" if result.returncode == 0 else "(unknown)"


def run(args, workspace, database, setup):
    out_file = workspace.directory / "json2.callgrind"
    results = run_shell(workspace, database, setup, args, out_file)
    if args.profile:
        return report_profile(out_file, args.top)
    return report_counts(results, args, commit_of_worktree())


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=40, help="requests per block")
    parser.add_argument("--blocks", type=int, default=6, help="blocks of each kind")
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--clock-scale", type=float, default=40, help="the time windows' stretch under valgrind")
    parser.add_argument("--profile", type=int, default=0, help="N requests of each under cProfile, no valgrind")
    parser.add_argument("--top", type=int, default=40, help="functions shown with --profile")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"keep the database ({REUSED_DATABASE}, in {REUSED_WORKSPACE}) for the next run",
    )
    args = parser.parse_args(argv)
    args.argv = argv
    exit_on_sigterm()
    try:
        pg_connect().close()
        if not args.profile and not (shutil.which("valgrind") and shutil.which("callgrind_control")):
            raise SetupError("valgrind is not installed (Debian/Ubuntu: apt-get install valgrind).")
        if args.reuse:
            workspace = OdooWorkspace(directory=REUSED_WORKSPACE)
            workspace.write_config(addons_path=f"{addons_path()},{BENCH_DIR / 'addons'}")
            setup = prepare_database(workspace, REUSED_DATABASE, True, args.partners, 10)
            text = run(args, workspace, REUSED_DATABASE, setup)
        else:
            with bench_database("rest_api_bench_json2cg", args.partners, 10) as (workspace, database, setup):
                text = run(args, workspace, database, setup)
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
