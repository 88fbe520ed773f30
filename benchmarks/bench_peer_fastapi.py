#!/usr/bin/env python3
"""Peer: OCA's ``fastapi`` addon serving our single-record read, next to ours, on one server.

    python3 benchmarks/bench_peer_fastapi.py [--partners 2000] [--duration 5] [--rounds 16]

The peer runs from a virtualenv of its own, ``~/.cache/odoo-rest-api-bench/peer-venv``
(created when missing: ``--system-site-packages`` over the Python that runs this script, so
it sees Odoo and its requirements, then ``pip install "odoo-addon-fastapi==18.0.*"`` with
the dependencies pip picks for it); nothing is installed into Odoo's own Python. The script
then runs itself again from that virtualenv: the database, ``odoo shell`` and the server all
use its Python.

A throwaway database as ``run.py`` makes it (``--partners`` partners, our three addons,
``rest_api_bench``, the keys), plus ``fastapi`` and ``addons/rest_api_bench_fastapi``: a
minimal FastAPI app on ``/peer`` whose one route, ``GET /peer/res.partner/{id}?fields=[...]``,
reads the same 5 fields as ``GET /api/res.partner/<id>?fields=[...]``, as the same user
(admin, the benchmark key's user), authenticated by the addon demo's ``api-key`` header
dependency. ONE Odoo server (``run.py``'s settings, ``--workers 2``) serves both; each round
loads each read with wrk (500 partners round-robin) for ``--duration`` seconds, the order
alternating from round to round. Reported: requests/s and the server CPU per request (Odoo
master and workers plus the PostgreSQL backends of this database, ``tools/process_stats.py``),
each as the median of the per-round ratios peer / ours with their range, and the load average;
then the SQL statements per request of each, on a server of its own that logs them.
"""

import argparse
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Request, require_wrk, run_wrk
from odoo_env import OdooServer, SetupError, exit_on_sigterm, exits_on_setup_error, http_json, odoo_root
from report import paired_rows
from run import FIELDS, MODULES, REUSED_WORKSPACE, SERVER_ARGS, bench_database, is_record, query, run_measured

PEER_VENV = REUSED_WORKSPACE / "peer-venv"
PEER_REQUIREMENT = "odoo-addon-fastapi==18.0.*"
PEER_PACKAGES = (
    "odoo-addon-fastapi", "odoo-addon-endpoint_route_handler", "fastapi", "starlette", "pydantic", "a2wsgi",
)  # fmt: skip
PEER_MODULES = (*MODULES, "rest_api_bench_fastapi")
OURS, PEER = "ours", "peer"
SIDES = (OURS, PEER)
PEER_LOGIN = "admin"  # the demo's "api key" is a user's login; the benchmark key's user is admin


def in_peer_venv():
    return Path(sys.prefix).resolve() == PEER_VENV.resolve()


def create_peer_venv():
    """The peer's virtualenv, made once; its Python.

    The addon wheels require ``odoo==18.0.*``, a distribution an Odoo run from its source tree
    is not: a metadata-only ``odoo`` distribution in the virtualenv tells pip that the Odoo the
    base Python imports is that version, so that pip resolves the rest and never fetches Odoo.
    """
    python = PEER_VENV / "bin" / "python"
    check = [str(python), "-c", "import importlib.metadata as m; m.version('odoo-addon-fastapi')"]
    if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:
        return python
    from odoo import release  # noqa: PLC0415 - importable once odoo_root() succeeded

    print(f"[bench] creating {PEER_VENV} and installing {PEER_REQUIREMENT}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(PEER_VENV)], check=True)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    stub = Path(site) / f"odoo-{release.version}.dist-info"
    stub.mkdir(exist_ok=True)
    (stub / "METADATA").write_text(f"Metadata-Version: 2.1\nName: odoo\nVersion: {release.version}\n")
    (stub / "RECORD").write_text("")
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", PEER_REQUIREMENT], check=False)
    if install.returncode != 0:
        raise SetupError(f"pip could not install {PEER_REQUIREMENT} into {PEER_VENV}; remove it to start again.")
    return python


def read_requests(setup, prefix, key):
    fields = query(fields=FIELDS)
    return [Request("GET", f"{prefix}/res.partner/{i}?{fields}", {"api-key": key}) for i in setup["read_ids"]]


def check_reads(server, reads):
    """Both reads answer the record, and refuse a wrong key: the peer is measured doing its work."""
    bodies = {}
    for side, requests in reads.items():
        first = requests[0]
        status, _headers, body = http_json("GET", server.base_url + first.path, headers=first.headers)
        if status != 200 or not is_record(body):
            raise SetupError(f"The {side} read does not work: HTTP {status} {str(body)[:300]}")
        refused, _headers, _body = http_json("GET", server.base_url + first.path, headers={"api-key": "wrong"})
        if refused != 401:
            raise SetupError(f"The {side} read with a wrong key answered {refused}, not 401")
        bodies[side] = body
    return bodies


def measure(server, database, reads, args):
    """``{side: [round figures]}``, each with the 1-minute load average when it ended."""
    for requests in reads.values():  # warm-up
        run_wrk(server.base_url, requests, args.warmup, args.connections)
    rounds = {side: [] for side in SIDES}
    for number in range(1, args.rounds + 1):
        for side in SIDES if number % 2 else SIDES[::-1]:
            result = run_measured(server, database, reads[side], args.duration, args.connections)
            result["load"] = os.getloadavg()[0]
            rounds[side].append(result)
            cpu = result.get("server_cpu_ms", {})
            print(
                f"[bench] round {number:2} {side:4} {result['rps']:7.1f} req/s  "
                f"p50 {result['latency_ms']['p50']:6.1f} ms  server CPU/request {cpu.get('odoo', 0):.2f} + "
                f"{cpu.get('postgres', 0):.2f} ms (Odoo + PostgreSQL)  errors {sum(result['errors'].values())}  "
                f"load {result['load']:.2f}",
                flush=True,
            )
    return rounds


def queries_per_request(workspace, database, reads, count=25):
    """``{side: SQL statements per request}``: on a server of its own logging every statement
    (``--log-level=debug_sql``), ``count`` requests sent one at a time after as many to warm the
    workers, the statements counted in its log whichever thread ran them (the peer's run in
    a2wsgi's event-loop thread, not in the worker's)."""
    counts = {}
    with OdooServer(workspace, database, extra_args=[*SERVER_ARGS, "--log-level=debug_sql"]) as server:
        for side, requests in reads.items():
            for number, request in enumerate(requests[: 2 * count]):
                if number == count:
                    start = server.log_file.stat().st_size
                http_json(request.method, server.base_url + request.path, headers=request.headers)
            with server.log_file.open("rb") as log:
                log.seek(start)
                counts[side] = log.read().decode(errors="replace").count("] query: ") / count
    return counts


def report(rounds, queries):
    lines = [
        "| figure | ours `GET /api/res.partner/<id>` | peer `GET /peer/res.partner/{id}` "
        "| peer / ours, median of the rounds (range) |",
        "|---|---|---|---|",
    ]
    lines += paired_rows(
        rounds,
        OURS,
        PEER,
        (("rps", "requests/s"), ("server_cpu_ms", "server CPU per request (ms, Odoo + PostgreSQL)")),
        relative=False,
    )
    lines.append(f"| SQL statements per request | {queries[OURS]:.1f} | {queries[PEER]:.1f} | |")
    loads = [r["load"] for runs in rounds.values() for r in runs]
    lines.append(f"\n1-minute load average during the rounds: {min(loads):.2f} to {max(loads):.2f}.")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per read and round")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per read")
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--connections", type=int, default=4)
    return parser.parse_args(argv)


@exits_on_setup_error
def main(argv):
    args = parse_args(argv)
    exit_on_sigterm()
    require_wrk()
    if not in_peer_venv():
        odoo_root()
        python = create_peer_venv()
        os.execv(python, [str(python), __file__, *argv])  # noqa: S606 - this script again, from the peer's Python
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in PEER_PACKAGES)
    print(f"[bench] peer: {versions}; load average at start {os.getloadavg()}", flush=True)
    with bench_database("rest_api_bench_peer", args.partners, 0, modules=PEER_MODULES) as (workspace, database, setup):
        reads = {
            OURS: read_requests(setup, "/api", setup["rest_key"]),
            PEER: read_requests(setup, "/peer", PEER_LOGIN),
        }
        with OdooServer(workspace, database, extra_args=SERVER_ARGS) as server:
            bodies = check_reads(server, reads)
            for side, body in bodies.items():
                print(f"[bench] {side} answers {body}", flush=True)
            rounds = measure(server, database, reads, args)
        queries = queries_per_request(workspace, database, reads)
    print(report(rounds, queries), flush=True)
    print(f"[bench] load average at the end {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
