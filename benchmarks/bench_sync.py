"""Cursor vs offset pages, and a change-feed page vs a search page; run by ``odoo shell``.

    python3 benchmarks/bench_sync.py [--partners 100000] [--repeat 15]

Creates (or reuses, ``--reuse``) a database with the three addons, fills it with partners
(plain SQL inserts, for speed: only the columns a search reads), then, in the Odoo process,
times what the endpoints run: the page query and the read of its records, without HTTP (the
same for both sides). Each figure is the median of ``--repeat`` interleaved measurements; the
verdicts are ratios within the run. Prints a Markdown report (``--output`` writes it).
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.odoo_env import OdooWorkspace

DB = "rest_api_sync_bench"
CACHE = Path.home() / ".cache" / "odoo-rest-api-bench-sync"

SCRIPT = r"""
import json, statistics, time
from odoo.addons.rest_api_core import change_feed, pagination

PARTNERS, REPEAT, LIMIT = %(partners)d, %(repeat)d, 80
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


results = {"partners": total, "limit": LIMIT, "depths": {}}
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

# a change-feed page of 1,000 changes vs a search page of the same records (with and without an
# index on (write_date, id), which Odoo does not create)
bound = change_feed.horizon(cr)
feed = lambda: change_feed.feed_page(partners, [], fields, position=None, bound=bound, limit=1000, tracked=False)
search = lambda: partners.search_read([], fields, limit=1000, order="write_date, id")
for index in (False, True):
    if index:
        cr.execute("CREATE INDEX IF NOT EXISTS res_partner_bench_sync_idx ON res_partner (write_date, id)")
        cr.execute("ANALYZE res_partner")
    runs = {"feed": [], "search": []}
    for _round in range(REPEAT):
        runs["feed"].append(timed(feed)[0])
        runs["search"].append(timed(search)[0])
    results["feed_index" if index else "feed"] = {name: statistics.median(v) for name, v in runs.items()}
cr.execute("DROP INDEX IF EXISTS res_partner_bench_sync_idx")
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
    verdict = "met" if ratio <= 1.2 else "MISSED"
    lines += [
        "",
        f"Cursor page at 99 % depth / at depth 0: **{ratio:.2f}** (target ≤ 1.2: {verdict}).",
        f"Whole table in pages of 1,000 ids: offset {results['export_s']['offset']:.1f} s, "
        f"cursor {results['export_s']['cursor']:.1f} s.",
    ]
    for name, label in (("feed", "without an index"), ("feed_index", "with an index on (write_date, id)")):
        feed = results[name]
        lines.append(
            f"Change-feed page of 1,000 vs search page of the same 1,000 ({label}): {feed['feed']:.1f} ms vs "
            f"{feed['search']:.1f} ms, ratio **{feed['feed'] / feed['search']:.2f}** (target ≤ 1.2)."
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="keep the database for the next run")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    workspace = OdooWorkspace(prefix="rest_api_bench_sync", directory=CACHE if args.reuse else None)
    try:
        if not workspace.database_exists(DB):
            workspace.create_database(DB)
        output = workspace.shell(DB, SCRIPT % {"partners": args.partners, "repeat": args.repeat})
        line = next(line for line in output.splitlines() if line.startswith("BENCH_SYNC "))
        text = report(json.loads(line.removeprefix("BENCH_SYNC ")))
        print(text)
        if args.output:
            args.output.write_text(text)
    finally:
        if not args.reuse:
            workspace.databases = [DB]
            workspace.cleanup()


if __name__ == "__main__":
    main()
