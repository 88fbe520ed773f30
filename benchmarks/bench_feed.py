"""A change-feed page vs a search page of the same records, in detail; run by ``odoo shell``.

    python3 benchmarks/bench_feed.py [--partners 60000] [--rounds 100] [--reuse]

What ``bench_sync.py`` compares in wall time, taken apart (docs/performance.md, "Change feed"):
the SQL of each (``EXPLAIN ANALYZE``, without and with the feed index on ``(write_date, id)``)
and the Python CPU of each page (``time.process_time``, paired rounds in alternating order,
the garbage collector off, the caches emptied before each call). Prints one line per measure.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.odoo_env import OdooWorkspace

DB = "rest_api_feed_bench"
CACHE = Path.home() / ".cache" / "odoo-rest-api-bench-feed"

SCRIPT = r"""
import gc, re, statistics, time
from odoo.tools import SQL
from odoo.addons.rest_api_core import change_feed

PARTNERS, ROUNDS, LIMIT = %(partners)d, %(rounds)d, 1000
cr = env.cr
cr.execute("SELECT count(*) FROM res_partner")
missing = PARTNERS - cr.fetchone()[0]
if missing > 0:  # as bench_sync.py: each partner with its own write_date
    cr.execute(
        "INSERT INTO res_partner (name, complete_name, email, active, type, is_company, create_date, write_date)"
        " SELECT 'Bench ' || n, 'Bench ' || lpad(n::text, 7, '0'), 'b' || n || '@bench.example', true, 'contact',"
        " n %%%% 10 = 0, now() AT TIME ZONE 'UTC' - make_interval(secs => n),"
        " now() AT TIME ZONE 'UTC' - make_interval(secs => n)"
        " FROM generate_series(1, %%s) n", [missing])
    cr.execute("ANALYZE res_partner")
    cr.commit()
partners = env["res.partner"]
fields = ["name", "email", "is_company"]
bound = change_feed.horizon(cr)
feed = lambda: change_feed.feed_page(partners, [], fields, position=None, bound=bound, limit=LIMIT, tracked=False)
search = lambda: partners.search_read([], fields, limit=LIMIT, order="write_date, id")
columns = [SQL.identifier("res_partner", name) for name in ("id", *fields)]
search_query = partners._search([], order="write_date, id", limit=LIMIT)
feed_query = change_feed.changes_query(partners, [], None, bound=bound, limit=LIMIT + 1)
statements = {"search": search_query.select(*columns), "feed": feed_query.select(*columns)}


def cpu_ms(function):
    env.invalidate_all()
    gc.disable()
    started = time.process_time()
    function()
    elapsed = time.process_time() - started
    gc.enable()
    return elapsed * 1000


index = change_feed.feed_index_name(partners)
for indexed in (False, True):
    change_feed.set_feed_index(partners, indexed)
    cr.execute("ANALYZE res_partner")
    label = "with the feed index" if indexed else "without an index"
    for name, statement in statements.items():
        times = []
        for _run in range(9):
            plan = [row[0] for row in env.execute_query(SQL("EXPLAIN (ANALYZE, BUFFERS) %%s", statement))]
            times.append(float(re.search(r"Execution Time: ([\d.]+)", plan[-1])[1]))
        scan = next(line.strip() for line in plan if "Scan" in line)
        print(f"SQL {label}, {name}: {statistics.median(times):.2f} ms (median of 9); {scan[:90]}")
    for _warm in range(5):
        feed(), search()
    ratios, feeds, searches = [], [], []
    for round_ in range(ROUNDS):
        pair = [("search", search), ("feed", feed)][:: 1 if round_ %% 2 else -1]
        got = {name: cpu_ms(function) for name, function in pair}
        ratios.append(got["feed"] / got["search"])
        feeds.append(got["feed"])
        searches.append(got["search"])
    quartiles = statistics.quantiles(ratios, n=4)
    print(f"Python CPU {label}: search {statistics.median(searches):.2f} ms (best {min(searches):.2f}), "
          f"feed {statistics.median(feeds):.2f} ms (best {min(feeds):.2f}); feed / search, median of "
          f"{ROUNDS} paired rounds: {statistics.median(ratios):.3f} (quartiles {quartiles[0]:.3f}-{quartiles[2]:.3f})")
change_feed.set_feed_index(partners, False)
cr.commit()
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=60_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="keep the database for the next run")
    args = parser.parse_args()
    workspace = OdooWorkspace(prefix="rest_api_bench_feed", directory=CACHE if args.reuse else None)
    try:
        if not workspace.database_exists(DB):
            workspace.create_database(DB)
        output = workspace.shell(DB, SCRIPT % {"partners": args.partners, "rounds": args.rounds})
        print("\n".join(line for line in output.splitlines() if line.startswith(("SQL ", "Python CPU "))))
    finally:
        if not args.reuse:
            workspace.databases = [DB]
            workspace.cleanup()


if __name__ == "__main__":
    main()
