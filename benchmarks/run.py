#!/usr/bin/env python3
"""Benchmarks: the REST API next to Odoo's native external API, on one server and one database.

    python3 benchmarks/run.py                      # the full run (about 45 minutes)
    python3 benchmarks/run.py --duration 3 --rounds 1 --memory-requests 2000 --output /tmp/bench   # a smoke run

Creates a database (10,000 partners and 1,000 products by default, the three
addons, ``product`` and the benchmark-only ``rest_api_bench`` addon), starts
Odoo on loopback with ``--workers 2``, and loads it with wrk (4 connections) to
measure requests/s and p50/p95/p99 latency of each scenario: a single-record
read, an 80-record page, a create and a ``name_search``, through the REST API,
Odoo's ``/jsonrpc`` ``execute_kw`` with an API key and, for the reads, a bare
controller doing the same ORM call with no checks; the REST read again with a
rate-limited key; then the RSS of each worker before and after a long run
through each API, each on a server of its own, started afresh and warmed up
with that API's requests. Writes RESULTS.md, results.json and results.png into
``--output``. Needs Odoo 18 importable by ``python3``, PostgreSQL, and wrk
(``apt-get install wrk``); the chart needs matplotlib from the tools
virtualenv (``make tools-venv``, or ``$TOOLS_VENV``).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Request, require_wrk, run_wrk, wrk_version
from odoo_env import (
    ADDONS,
    REPO_ROOT,
    OdooServer,
    OdooWorkspace,
    SetupError,
    addons_path,
    exit_on_sigterm,
    http_json,
    odoo_root,
    pg_connect,
    tools_venv,
    unique_db_name,
)
from process_stats import cpu_ms_per_request, server_cpu
from report import render_markdown, summarize

BENCH_DIR = Path(__file__).resolve().parent
MODULES = (*ADDONS, "product", "rest_api_bench")
FIELDS = ["name", "email", "phone", "city", "country_id"]
PAGE_SIZE = 80
PAGES = 20
NAME_SEARCH_TERMS = ["Anna", "Bruno", "Chloé", "Peeters", "Dubois", "Company 001", "Company 07", "Lena M", "Hugo"]
SERVER_ARGS = ["--workers=2", "--max-cron-threads=0", "--limit-request=100000000"]
REUSED_WORKSPACE = Path.home() / ".cache" / "odoo-rest-api-bench"
REUSED_DATABASE = "rest_api_bench"
MIX_PARTS = ("read", "search", "name_search")  # the read-only mix of the memory runs
MEMORY_PHASES = (("jsonrpc", "native", "native /jsonrpc"), ("rest", "rest", "REST API"))


@dataclass
class Scenario:
    name: str  # "<operation>.<implementation>"
    label: str
    requests: list
    check: object  # (status, parsed body) -> error text or None
    unavailable: str | None = None

    @property
    def operation(self):
        return self.name.split(".")[0]

    @property
    def implementation(self):
        return self.name.split(".")[1]


# --- the scenarios -------------------------------------------------------------------------


def jsonrpc_caller(setup, database, model):
    """Requests for Odoo's external API (``execute_kw`` on ``model``) as the benchmark user, with its native key."""

    def call(method, args, kwargs):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [database, setup["uid"], setup["native_key"], model, method, args, kwargs],
            },
        }
        return Request("POST", "/jsonrpc", {"Content-Type": "application/json"}, json.dumps(payload))

    return call


def query(**params):
    return urllib.parse.urlencode({k: json.dumps(v) if isinstance(v, list) else v for k, v in params.items()})


def page_offsets(partners):
    return [page * PAGE_SIZE for page in range(max(1, min(PAGES, partners // PAGE_SIZE)))]


def page_query(offset):
    return query(fields=FIELDS, limit=PAGE_SIZE, offset=offset)


def expect_jsonrpc(accept):
    def check(status, body):
        if status != 200 or not isinstance(body, dict):
            return f"HTTP {status}"
        if "error" in body:
            return f"JSON-RPC error: {body['error'].get('data', {}).get('message', body['error'])}"
        return None if accept(body.get("result")) else f"unexpected result {str(body.get('result'))[:200]}"

    return check


def expect(status_wanted, accept):
    def check(status, body):
        if status != status_wanted:
            return f"HTTP {status}: {str(body)[:200]}"
        return None if accept(body) else f"unexpected body {str(body)[:200]}"

    return check


def is_record(body):
    return isinstance(body, dict) and set(FIELDS) <= set(body)


def is_page(body):
    return isinstance(body, list) and len(body) == PAGE_SIZE and set(FIELDS) <= set(body[0])


def build_scenarios(setup, database):
    ids, offsets = setup["read_ids"], page_offsets(setup["partners"])
    creations = [{"name": f"Bench create {n}", "email": f"create{n}@bench.example", "city": "Ghent"} for n in range(50)]
    rpc = jsonrpc_caller(setup, database, "res.partner")
    rest_key = setup["rest_key"]

    def rest(key, method, path, body=None):
        headers = {"api-key": key or ""}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        return Request(method, path, headers, body)

    def rest_read(name, key, label_suffix=""):
        return Scenario(
            name,
            f"Read 1 partner, 5 fields: REST `GET /api/res.partner/<id>`{label_suffix}",
            [rest(key, "GET", f"/api/res.partner/{i}?{query(fields=FIELDS)}") for i in ids],
            expect(200, is_record),
        )

    scenarios = [
        Scenario("health.odoo", "Odoo's own `GET /web/health` (the floor)", [Request("GET", "/web/health")],
                 expect(200, lambda body: isinstance(body, dict))),
        rest_read("read.rest", rest_key),
        Scenario("read.jsonrpc", "Read 1 partner, 5 fields: native `/jsonrpc` `execute_kw` `read`",
                 [rpc("read", [[i]], {"fields": FIELDS}) for i in ids],
                 expect_jsonrpc(lambda result: isinstance(result, list) and len(result) == 1)),
        Scenario("read.bare", "Read 1 partner, 5 fields: bare controller (no checks)",
                 [Request("GET", f"/bench/bare/res.partner/{i}?{query(fields=FIELDS)}") for i in ids],
                 expect(200, is_record)),
        rest_read("read.rest_throttled", setup["rest_key_throttled"], ", rate-limited key"),
        Scenario("search.rest", "Page of 80 partners, 5 fields: REST `GET /api/res.partner/search`",
                 [rest(rest_key, "GET", f"/api/res.partner/search?{page_query(o)}") for o in offsets],
                 expect(200, is_page)),
        Scenario("search.jsonrpc", "Page of 80 partners, 5 fields: native `search_read`",
                 [rpc("search_read", [[]], {"fields": FIELDS, "limit": PAGE_SIZE, "offset": o}) for o in offsets],
                 expect_jsonrpc(lambda result: isinstance(result, list) and len(result) == PAGE_SIZE)),
        Scenario("search.bare", "Page of 80 partners, 5 fields: bare controller (no checks)",
                 [Request("GET", f"/bench/bare/res.partner/search?{page_query(o)}") for o in offsets],
                 expect(200, is_page)),
        Scenario("create.rest", "Create a partner: REST `POST /api/res.partner/create`",
                 [rest(rest_key, "POST", "/api/res.partner/create", values) for values in creations],
                 expect(201, lambda body: isinstance(body, dict) and isinstance(body.get("id"), int))),
        Scenario("create.jsonrpc", "Create a partner: native `create`",
                 [rpc("create", [values], {}) for values in creations],
                 expect_jsonrpc(lambda result: isinstance(result, int))),
        Scenario("name_search.rest", "`name_search`: REST `POST /api/res.partner/execute_kw`",
                 [rest(rest_key, "POST", "/api/res.partner/execute_kw",
                       {"method": "name_search", "args": [], "kwargs": {"name": term, "limit": 8}})
                  for term in NAME_SEARCH_TERMS],
                 expect(200, lambda body: isinstance(body, list))),
        Scenario("name_search.jsonrpc", "`name_search`: native `execute_kw`",
                 [rpc("name_search", [], {"name": term, "limit": 8}) for term in NAME_SEARCH_TERMS],
                 expect_jsonrpc(lambda result: isinstance(result, list))),
    ]  # fmt: skip
    return scenarios


def memory_mix(scenarios, implementation):
    """Interleaved requests of the read-only scenarios of one implementation."""
    parts = [scenarios[f"{operation}.{implementation}"].requests for operation in MIX_PARTS]
    length = max(len(part) for part in parts)
    return [part[index % len(part)] for index in range(length) for part in parts]


# --- measuring -----------------------------------------------------------------------------


def probe(base_url, scenario):
    """Send the scenario's first request once; the reason it is unusable, or None."""
    first = scenario.requests[0]
    body = json.loads(first.body) if first.body else None
    status, _headers, answer = http_json(first.method, base_url + first.path, body, first.headers, timeout=30)
    return scenario.check(status, answer)


def worker_rss(server):
    """{pid: RSS bytes} of the HTTP workers (children of the master, but the gevent server)."""
    import psutil  # noqa: PLC0415 - Odoo's dependency: Odoo's Python has it

    workers = {}
    for child in psutil.Process(server.process.pid).children():
        try:
            if "gevent" not in child.cmdline():
                workers[child.pid] = child.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return workers


def run_measured(server, database, requests, seconds, connections):
    """:func:`run_wrk`, plus ``server_cpu_ms``: the CPU milliseconds per request of the Odoo server and
    of the PostgreSQL backends of ``database`` over the run. That figure the scheduling noise of a
    shared machine moves far less than throughput."""
    before = server_cpu(server, database)
    result = run_wrk(server.base_url, requests, seconds, connections).as_dict()
    after = server_cpu(server, database)
    if result["requests"]:
        cpu = cpu_ms_per_request(before, after, result["requests"])
        result["server_cpu_ms"] = {name: round(ms, 3) for name, ms in cpu.items()}
    return result


def memory_run(server, label, requests, *, total, connections):
    """Send about ``total`` requests in chunks of at most a minute; RSS of each worker around them."""
    before = worker_rss(server)
    done, seconds, rate = 0, 0.0, 100.0
    while done < total:
        chunk = min(60, max(5, round((total - done) / rate)))
        result = run_wrk(server.base_url, requests, chunk, connections)
        done, seconds, rate = done + result.requests, seconds + result.seconds, max(result.rps, 1.0)
        print(f"  memory, {label}: {done:,}/{total:,} requests", flush=True)
    after = worker_rss(server)
    workers = [{"pid": pid, "rss_before": rss, "rss_after": after.get(pid)} for pid, rss in sorted(before.items())]
    workers += [
        {"pid": pid, "rss_before": rss, "rss_after": None, "new": True}
        for pid, rss in after.items()
        if pid not in before
    ]
    return {"label": label, "requests": done, "seconds": round(seconds, 1), "workers": workers}


# --- context of the run ----------------------------------------------------------------------


def machine_description(load_at_start):
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    connection = pg_connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgresql = cursor.fetchone()[0]
    finally:
        connection.close()
    from odoo import release  # noqa: PLC0415 - importable once odoo_root() succeeded

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(meminfo["MemTotal"].split()[0]) / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "odoo": release.version,
        "postgresql": postgresql,
        "wrk": wrk_version(),
        "load_before": load_at_start,
    }


def git_commit():
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [
        line
        for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if "benchmarks/results" not in line.lower()
    ]
    return commit + ("-dirty" if changed else "")


# --- the run -------------------------------------------------------------------------------


def prepare_database(workspace, database, reuse, partners, products, *, modules=MODULES):
    if reuse and workspace.database_exists(database):
        print(f"[bench] reusing {database}; updating the addons", flush=True)
        workspace.databases.append(database)
        update = workspace.odoo_command("-d", database, "-u", ",".join(modules), "--stop-after-init", "--no-http")
        if subprocess.run(update, check=False).returncode != 0:
            raise SetupError(f"Updating the addons in {database} failed.")
    else:
        print(f"[bench] creating {database} with {', '.join(modules)}", flush=True)
        workspace.create_database(database, modules=modules)
    print(
        f"[bench] filling a new database ({partners:,} partners, {products:,} products; a reused one keeps its data), "
        "issuing keys",
        flush=True,
    )
    result = subprocess.run(
        workspace.odoo_command("-d", database, "--no-http", subcommand="shell"),
        input=(BENCH_DIR / "prepare_data.py").read_text(),
        env={**os.environ, "BENCH_PARTNERS": str(partners), "BENCH_PRODUCTS": str(products)},
        capture_output=True,
        text=True,
        check=False,
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_SETUP "):
            return json.loads(line.removeprefix("BENCH_SETUP "))
    sys.stderr.write(result.stderr[-8000:])
    raise SetupError(f"Preparing the benchmark data failed (exit {result.returncode}).")


@contextmanager
def bench_database(prefix, partners, products, modules=MODULES):
    """``(workspace, database, setup)``: a throwaway database prepared as this benchmark's (the
    addons, ``rest_api_bench``, the data, the keys; ``modules`` may add more), for the other
    benchmarks; dropped on exit."""
    workspace, database = OdooWorkspace(prefix=prefix), unique_db_name(prefix)
    try:
        workspace.write_config(addons_path=f"{addons_path()},{BENCH_DIR / 'addons'}")
        yield workspace, database, prepare_database(workspace, database, False, partners, products, modules=modules)
    finally:
        workspace.cleanup()


def measure(server, database, scenarios, args):
    """Throughput rounds: every usable scenario in turn, ``rounds`` times; medians per scenario."""
    usable = []
    for scenario in scenarios:
        if not scenario.unavailable:
            scenario.unavailable = probe(server.base_url, scenario)
        if scenario.unavailable:
            print(f"[bench] {scenario.name}: not measured ({scenario.unavailable})", flush=True)
        else:
            usable.append(scenario)
    minutes = len(usable) * (args.warmup + args.rounds * args.duration) / 60
    print(
        f"[bench] {len(usable)} scenarios, {args.rounds} rounds of {args.duration} s: about {minutes:.0f} min",
        flush=True,
    )
    for scenario in usable:
        run_wrk(server.base_url, scenario.requests, args.warmup, args.connections)
    rounds = {scenario.name: [] for scenario in usable}
    for number in range(1, args.rounds + 1):
        # Each round starts one scenario later: a scenario's place in the round (after a light or a
        # heavy one, early or late) must not bias the ratios, which compare neighbours in a round.
        shift = (number - 1) % len(usable)
        for scenario in usable[shift:] + usable[:shift]:
            result = run_measured(server, database, scenario.requests, args.duration, args.connections)
            rounds[scenario.name].append(result)
            cpu = result.get("server_cpu_ms", {})
            print(
                f"[bench] round {number} {scenario.name:24} {result['rps']:8.1f} req/s  "
                f"p50 {result['latency_ms']['p50']:6.1f} ms  p99 {result['latency_ms']['p99']:6.1f} ms  "
                f"errors {sum(result['errors'].values())}  wrk CPU {result['client_cpu_percent']:.0f} %  "
                f"server CPU/request {cpu.get('odoo', 0):.2f} + {cpu.get('postgres', 0):.2f} ms (Odoo + PostgreSQL)",
                flush=True,
            )
    results = []
    for scenario in scenarios:
        entry = {
            "name": scenario.name,
            "operation": scenario.operation,
            "implementation": scenario.implementation,
            "label": scenario.label,
        }
        if scenario.unavailable:
            results.append({**entry, "status": "unavailable", "reason": scenario.unavailable})
        else:
            runs = rounds[scenario.name]
            results.append({**entry, "status": "ok", "rounds": runs, "summary": summarize(runs)})
    return results


def measure_memory(workspace, database, scenarios, args):
    """One phase per API, each on a server of its own, started afresh and warmed up with that
    API's mix: neither phase inherits the other's caches nor runs on workers the other grew."""
    by_name = {scenario.name: scenario for scenario in scenarios if not scenario.unavailable}
    phases = []
    for implementation, name, label in MEMORY_PHASES:
        if not all(f"{operation}.{implementation}" in by_name for operation in MIX_PARTS):
            continue
        mix = memory_mix(by_name, implementation)
        with OdooServer(workspace, database, extra_args=SERVER_ARGS) as server:
            run_wrk(server.base_url, mix, args.warmup, args.connections)
            phase = memory_run(server, label, mix, total=args.memory_requests, connections=args.connections)
        phases.append({"name": name, **phase})
    return {"requests_per_run": args.memory_requests, "phases": phases}


def write_outputs(results, output):
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    try:
        chart_python = tools_venv("python") / "python"  # with matplotlib
        chart = subprocess.run(
            [str(chart_python), str(BENCH_DIR / "chart.py"), str(output / "results.json"), str(output / "results.png")],
            capture_output=True,
            text=True,
            check=False,
        )
        reason = None if chart.returncode == 0 else (chart.stderr.strip().splitlines() or ["no output"])[-1]
    except SetupError as error:
        reason = str(error).splitlines()[0]
    if reason is None:
        results["chart"] = "results.png"
    else:
        results.setdefault("notes", []).append(
            f"Chart not drawn ({reason}): `make tools-venv`, or set TOOLS_VENV to a virtualenv with matplotlib."
        )
    (output / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (output / "RESULTS.md").write_text(render_markdown(results, results.get("chart")))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=1_000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per scenario and round")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per scenario")
    # Many short rounds rather than a few long ones: a shared machine's speed drifts by 10-30 %
    # within minutes, and each round's ratios compare scenarios run moments apart.
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--memory-requests", type=int, default=100_000, help="requests per memory run (0: none)")
    parser.add_argument("--output", type=Path, default=BENCH_DIR, help="where RESULTS.md, results.json/png go")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"keep the database ({REUSED_DATABASE}, in {REUSED_WORKSPACE}) for the next run, not a throwaway one",
    )
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    exit_on_sigterm()
    load_at_start = ", ".join(f"{load:.2f}" for load in os.getloadavg())
    try:
        odoo_root()
        pg_connect().close()
        require_wrk()
        if args.reuse:
            workspace, database = OdooWorkspace(directory=REUSED_WORKSPACE), REUSED_DATABASE
        else:
            workspace, database = OdooWorkspace(prefix="rest_api_bench"), unique_db_name("rest_api_bench")
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    try:
        workspace.write_config(addons_path=f"{addons_path()},{BENCH_DIR / 'addons'}")
        setup = prepare_database(workspace, database, args.reuse, args.partners, args.products)
        scenarios = build_scenarios(setup, database)
        machine = machine_description(load_at_start)
        with OdooServer(workspace, database, extra_args=SERVER_ARGS) as server:
            print(f"[bench] Odoo on {server.base_url}, workers {sorted(worker_rss(server))}", flush=True)
            measured = measure(server, database, scenarios, args)
        memory = measure_memory(workspace, database, scenarios, args) if args.memory_requests else {}
        results = {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": git_commit(),
            "command": " ".join(["python3 benchmarks/run.py", *argv]),
            "machine": machine,
            "settings": {
                "server": " ".join(SERVER_ARGS),
                "distinct_reads": len(setup["read_ids"]),
                "pages": len(page_offsets(setup["partners"])),
                "connections": args.connections,
                "duration": args.duration,
                "warmup": args.warmup,
                "rounds": args.rounds,
            },
            "data": {"partners": setup["partners"], "products": setup["products"]},
            "scenarios": measured,
            "memory": memory,
        }
        write_outputs(results, args.output)
        print(f"[bench] wrote {args.output / 'RESULTS.md'}", flush=True)
        return 0
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    finally:
        workspace.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
