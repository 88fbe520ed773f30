"""Cursor vs offset pages, and a change-feed page vs a search page; run by ``odoo shell``.

    python3 benchmarks/bench_sync.py [--partners 100000] [--repeat 15] [--rounds 301]

Creates (or reuses, ``--reuse``) a database with the three addons, fills it with partners
(plain SQL inserts, for speed: only the columns a search reads), then, in the Odoo process,
times what the endpoints run: the page query and the read of its records, without HTTP (the
same for both sides). The offset vs cursor table is the median wall time of ``--repeat``
interleaved measurements. The verdicts are taken on server CPU (this process's Python CPU plus
its PostgreSQL backend's, ``/proc/<pid>/schedstat``) in paired rounds: the cursor pages alone
(``--rounds``, the deep ones decoding their cursor), the feed and search pages (``--repeat``);
a shared machine's wall time is mostly waiting for a core. Prints a Markdown report (``--output``
writes it), with ``EXPLAIN ANALYZE`` of the shallow and the deep cursor page.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.odoo_env import OdooWorkspace

DB = "rest_api_sync_bench"
CACHE = Path.home() / ".cache" / "odoo-rest-api-bench-sync"

SCRIPT = r"""
import gc, json, re, statistics, time
from pathlib import Path
from odoo.tools import SQL
from odoo.addons.rest_api_core import change_feed, pagination

PARTNERS, REPEAT, ROUNDS, LIMIT = %(partners)d, %(repeat)d, %(rounds)d, 80
cr = env.cr
cr.execute("SELECT count(*) FROM res_partner")
missing = PARTNERS - cr.fetchone()[0]
if missing > 0:
    cr.execute(
        "INSERT INTO res_partner (name, complete_name, email, active, type, is_company, create_date, write_date)"
        " SELECT 'Bench ' || n, 'Bench ' || lpad(n::text, 7, '0'), 'b' || n || '@bench.example', true, 'contact',"
        " n %%%% 10 = 0, now() AT TIME ZONE 'UTC' - make_interval(secs => n),"
        " now() AT TIME ZONE 'UTC' - make_interval(secs => n)"
        " FROM generate_series(1, %%s) n", [missing])
    cr.execute("ANALYZE res_partner")
    env.cr.commit()
partners = env["res.partner"]
fields = ["name", "email", "is_company"]
total = partners.search_count([])
order = "id"
terms = pagination.keyset_terms(partners, order)


def timed(function):
    env.invalidate_all()
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def key_at(depth):
    ids = partners.search([], order=order, offset=depth - 1, limit=1).ids if depth else None
    return [ids[0]] if ids else None


results = {"partners": total, "limit": LIMIT, "repeat": REPEAT, "depths": {}}
samples = {}
depths = {0: 0, 10: total // 10, 50: total // 2, 99: total * 99 // 100}
keys = {share: key_at(depth) for share, depth in depths.items()}
for _round in range(REPEAT):
    for share, depth in depths.items():
        offset = lambda: partners.search_read([], fields, offset=depth, limit=LIMIT + 1, order=order)
        cursor = lambda: pagination.cursor_page(partners, [], fields, terms, values=keys[share], limit=LIMIT)
        for name, function in (("offset", offset), ("cursor", cursor)):
            samples.setdefault((share, name), []).append(timed(function))
for (share, name), values in samples.items():
    results["depths"].setdefault(str(share), {})[name] = {
        "wall_ms": statistics.median(v[0] for v in values), "cpu_ms": statistics.median(v[1] for v in values)}

# whole table, each way, once
def export_offset():
    offset = 0
    while rows := partners.search_read([], ["id"], offset=offset, limit=1000, order=order):
        offset += len(rows)

def export_cursor():
    values = None
    while True:
        _rows, cursor = pagination.cursor_page(partners, [], ["id"], terms, values=values, limit=1000)
        if not cursor:
            return
        values = pagination.signing.unsign(env, pagination.SCOPE, cursor, "cursor")["v"]

results["export_s"] = {"offset": timed(export_offset)[0] / 1000, "cursor": timed(export_cursor)[0] / 1000}

# the target, robustly: cursor pages only (no offset scan in between to empty the CPU's caches),
# each deep page decoding its cursor as the endpoint does, in paired rounds in rotating order,
# the garbage collector off during a page; what a page costs the server: the Python CPU of this
# process plus the CPU of its PostgreSQL backend (/proc/<pid>/schedstat, nanoseconds)
cr.execute("SELECT pg_backend_pid()")
schedstat = Path(f"/proc/{cr.fetchone()[0]}/schedstat")
backend_ns = lambda: int(schedstat.read_text().split()[0])
cursors = {share: pagination.make_cursor(partners, terms, key) if key else None for share, key in keys.items()}


def cursor_call(text):
    values = pagination.read_cursor(partners, terms, text) if text else None
    return pagination.cursor_page(partners, [], fields, terms, values=values, limit=LIMIT)


def costed(function):
    env.invalidate_all()
    gc.disable()
    wall, cpu, backend = time.perf_counter(), time.process_time(), backend_ns()
    function()
    backend, cpu, wall = backend_ns() - backend, time.process_time() - cpu, time.perf_counter() - wall
    gc.enable()
    return {"wall": wall * 1000, "python": cpu * 1000, "postgres": backend / 1e6, "server": cpu * 1000 + backend / 1e6}


shares = list(cursors)
for _warm in range(5):
    for share in shares:
        cursor_call(cursors[share])
paired = {share: [] for share in shares}
for round_ in range(ROUNDS):
    turn = shares[round_ %% len(shares):] + shares[:round_ %% len(shares)]
    for share in turn[:: 1 if round_ %% 2 else -1]:
        paired[share].append(costed(lambda: cursor_call(cursors[share])))
results["paired"] = {"rounds": ROUNDS, "depths": {
    str(share): {part: statistics.median(s[part] for s in runs) for part in ("wall", "python", "postgres", "server")}
    for share, runs in paired.items()}}
for part in ("wall", "server"):
    ratios = [deep[part] / top[part] for deep, top in zip(paired[99], paired[0])]
    quartiles = statistics.quantiles(ratios, n=4)
    results["paired"][part] = {"median": statistics.median(ratios), "q1": quartiles[0], "q3": quartiles[2]}

# the SQL of the shallow and the deep cursor page
columns = [SQL.identifier("res_partner", name) for name in ("id", *fields)]
results["explain"] = {}
for share in (0, 99):
    query = partners._search([], order=pagination.order_of(terms), limit=LIMIT + 1)
    if keys[share]:
        query.add_where(pagination.keyset_condition(partners, terms, keys[share], query))
    times = []
    for _run in range(9):
        plan = [row[0] for row in env.execute_query(SQL("EXPLAIN (ANALYZE, BUFFERS) %%s", query.select(*columns)))]
        times.append(float(re.search(r"Execution Time: ([\d.]+)", plan[-1])[1]))
    results["explain"][str(share)] = {"ms": statistics.median(times), "plan": plan}

# a change-feed page of 1,000 changes vs a search page of the same records, without and with the
# feed index on (write_date, id); paired rounds, the order alternating, costed as the cursor pages
bound = change_feed.horizon(cr)
feed = lambda: change_feed.feed_page(partners, [], fields, position=None, bound=bound, limit=1000, tracked=False)
search = lambda: partners.search_read([], fields, limit=1000, order="write_date, id")
for index in (False, True):
    change_feed.set_feed_index(partners, index)
    cr.execute("ANALYZE res_partner")
    feed(), search()
    runs = {"feed": [], "search": []}
    for round_ in range(REPEAT):
        for name, function in (("feed", feed), ("search", search))[:: 1 if round_ %% 2 else -1]:
            runs[name].append(costed(function))
    figures = {
        name: {part: statistics.median(s[part] for s in v) for part in ("wall", "server")} for name, v in runs.items()
    }
    for part in ("wall", "server"):
        ratios = [f[part] / s[part] for f, s in zip(runs["feed"], runs["search"])]
        quartiles = statistics.quantiles(ratios, n=4)
        figures[part] = {"median": statistics.median(ratios), "q1": quartiles[0], "q3": quartiles[2]}
    results["feed_index" if index else "feed"] = figures
change_feed.set_feed_index(partners, False)
env.cr.commit()
print("BENCH_SYNC " + json.dumps(results))
"""


def report(results):
    lines = [
        f"Partners: {results['partners']:,}; pages of {results['limit']} records (name, email, is_company), "
        "order `id`; medians, milliseconds in the Odoo process (wall: Python + PostgreSQL; CPU: Python).",
        "",
        "| depth | offset wall | offset CPU | cursor wall | cursor CPU | cursor / offset |",
        "|---|---|---|---|---|---|",
    ]
    depths = results["depths"]
    for share, figures in depths.items():
        offset, cursor = figures["offset"], figures["cursor"]
        lines.append(
            f"| {share} % | {offset['wall_ms']:.1f} | {offset['cpu_ms']:.1f} | {cursor['wall_ms']:.1f} | "
            f"{cursor['cpu_ms']:.1f} | {cursor['wall_ms'] / offset['wall_ms']:.2f} |"
        )
    ratio = depths["99"]["cursor"]["wall_ms"] / depths["0"]["cursor"]["wall_ms"]
    paired = results["paired"]
    lines += [
        "",
        f"Cursor pages alone, {paired['rounds']} paired rounds (the deep ones decoding their cursor), medians in ms:",
        "",
        "| depth | wall | Python CPU | PostgreSQL backend CPU | server CPU (Python + backend) |",
        "|---|---|---|---|---|",
    ]
    for share, figures in paired["depths"].items():
        lines.append(
            f"| {share} % | {figures['wall']:.2f} | {figures['python']:.2f} | {figures['postgres']:.2f} "
            f"| {figures['server']:.2f} |"
        )
    server, wall = paired["server"], paired["wall"]
    verdict = "met" if server["median"] <= 1.2 else "MISSED"
    lines += [
        "",
        "Cursor page at 99 % depth / at depth 0, median of the per-round ratios: "
        f"server CPU **{server['median']:.2f}** "
        f"(quartiles {server['q1']:.2f}-{server['q3']:.2f}; target ≤ 1.2: {verdict}), wall {wall['median']:.2f} "
        f"(quartiles {wall['q1']:.2f}-{wall['q3']:.2f}); from the medians of the table above (wall, unpaired, "
        f"each cursor page after an offset page of the same depth): {ratio:.2f}.",
    ]
    for share, explain in results["explain"].items():
        plan = "; ".join(line.strip() for line in explain["plan"] if "Planning" not in line and "Execution" not in line)
        lines.append(
            f"`EXPLAIN (ANALYZE, BUFFERS)`, cursor page at {share} %: {explain['ms']:.3f} ms (median of 9): {plan}"
        )
    lines += [
        "",
        f"Whole table in pages of 1,000 ids: offset {results['export_s']['offset']:.1f} s, "
        f"cursor {results['export_s']['cursor']:.1f} s.",
    ]
    for name, label in (("feed", "without an index"), ("feed_index", "with the feed index on (write_date, id)")):
        feed, server, wall = results[name], results[name]["server"], results[name]["wall"]
        lines.append(
            f"Change-feed page of 1,000 vs search page of the same 1,000 ({label}), {results['repeat']} paired rounds: "
            f"server CPU {feed['feed']['server']:.1f} vs {feed['search']['server']:.1f} ms, median of the per-round "
            f"ratios **{server['median']:.2f}** (quartiles {server['q1']:.2f}-{server['q3']:.2f}; target ≤ 1.2); "
            f"wall {feed['feed']['wall']:.1f} vs {feed['search']['wall']:.1f} ms, {wall['median']:.2f} "
            f"(quartiles {wall['q1']:.2f}-{wall['q3']:.2f})."
        )
    return "\n".join(lines) + "\n"


def load_average():
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=301, help="paired rounds of the cursor pages")
    parser.add_argument("--reuse", action="store_true", help="keep the database for the next run")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    workspace = OdooWorkspace(prefix="rest_api_bench_sync", directory=CACHE if args.reuse else None)
    try:
        if not workspace.database_exists(DB):
            workspace.create_database(DB)
        load_before = load_average()
        output = workspace.shell(DB, SCRIPT % {"partners": args.partners, "repeat": args.repeat, "rounds": args.rounds})
        line = next(line for line in output.splitlines() if line.startswith("BENCH_SYNC "))
        text = f"Load average at the start {load_before}, at the end {load_average()}.\n\n" + report(
            json.loads(line.removeprefix("BENCH_SYNC "))
        )
        print(text)
        if args.output:
            args.output.write_text(text)
    finally:
        if not args.reuse:
            workspace.databases = [DB]
            workspace.cleanup()


if __name__ == "__main__":
    main()
