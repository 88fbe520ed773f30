#!/usr/bin/env python3
"""What a subscription adds to a write, in load-independent figures: WAL and SQL statements.

    python3 benchmarks/bench_webhooks_wal.py [--writes 400] [--rounds 2] [--threads 1 4]

Timed figures on a shared machine move by more than the capture costs (``bench_webhooks.py``);
the WAL a write makes and the statements it runs do not. A throwaway database as ``run.py``
makes it (600 partners), a subscription to ``res.partner`` updates, and Odoo in this process:
``--writes`` partner ``write``s (a phone number, one transaction each, distinct partners),
from one thread and from 4 at once (the multixacts of concurrent key-share locks appear only
then), with the subscription active and archived in turn (ABBA, ``--rounds`` times).

Per write: the WAL bytes and records of this database's changes (``pg_walinspect`` between the
LSNs around the writes, the WAL kept by a temporary replication slot until it is read; the
records that name the database's relations, and those of the same transactions, such as their
commits, so that the other databases of a shared server are left out; without the full-page
images, which depend on when the last checkpoint was), by record type and relation where the two
states differ, and the SQL statements of Odoo's cursor. Writers of one commercial partner that
collide are retried, as Odoo's service does.
"""

import argparse
import collections
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_env import exits_on_setup_error, pg_connect
from run import bench_database

ON, OFF = "subscribed", "unsubscribed"

WAL_RECORDS = r"""
    WITH r AS (SELECT * FROM pg_get_wal_records_info(%(start)s, %(end)s)),
         ours AS (SELECT DISTINCT xid FROM r WHERE xid::text != '0' AND block_ref LIKE %(rel)s)
    SELECT resource_manager || ' ' || split_part(record_type, ' ', 1) || coalesce(' ' || pg_filenode_relation(
               0, substring(block_ref from 'rel \d+/\d+/(\d+)')::oid)::regclass::text, ''),
           count(*), sum(record_length - fpi_length)
      FROM r WHERE block_ref LIKE %(rel)s OR xid IN (SELECT xid FROM ours)
     GROUP BY 1 ORDER BY 3 DESC"""


def wal_lsn(admin):
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_flush_lsn()")
        return cursor.fetchone()[0]


def wal_records(admin, start, end, database_oid):
    with admin.cursor() as cursor:
        cursor.execute(WAL_RECORDS, {"start": start, "end": end, "rel": f"%/{database_oid}/%"})
        return {kind: (count, size) for kind, count, size in cursor.fetchall()}


def run_writes(registry, uid, partner_ids, threads, tag):
    """Write each partner once from ``threads`` threads; the statements Odoo ran, in all."""
    from psycopg2.extensions import TransactionRollbackError  # noqa: PLC0415

    import odoo  # noqa: PLC0415

    statements = []

    def work(ids):
        count = 0
        for partner_id in ids:
            for _attempt in range(10):  # two writers of one commercial partner: retried, as Odoo's service does
                try:
                    with registry.cursor() as cr:
                        env = odoo.api.Environment(cr, uid, {})
                        before = cr.sql_log_count
                        env["res.partner"].browse(partner_id).write({"phone": f"+32 2 {tag} {partner_id}"})
                        cr.flush()  # the ORM's writes and the precommit hooks (the outbox's), as the commit runs them
                        done = cr.sql_log_count - before
                except TransactionRollbackError:
                    continue
                count += done
                break
        statements.append(count)

    shares = [partner_ids[n::threads] for n in range(threads)]
    workers = [threading.Thread(target=work, args=(share,)) for share in shares]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(statements)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4])
    return parser.parse_args(argv)


def report(threads, off_totals, on_totals, statements, writes):
    """The per-write figures of one thread count, and the WAL record kinds that differ."""
    print(f"\n{threads} thread(s), per write: | figure | {OFF} | {ON} | added |")
    totals = {OFF: off_totals, ON: on_totals}
    per = {state: writes[threads, state] for state in (OFF, ON)}
    wal = {state: sum(s for _r, s in totals[state].values()) / per[state] for state in (OFF, ON)}
    recs = {state: sum(r for r, _s in totals[state].values()) / per[state] for state in (OFF, ON)}
    stmts = {state: statements[threads, state] / per[state] for state in (OFF, ON)}
    for label, figure in (("WAL bytes", wal), ("WAL records", recs), ("SQL statements", stmts)):
        added = figure[ON] / figure[OFF] - 1 if figure[OFF] else 0
        print(f"| {label} | {figure[OFF]:.1f} | {figure[ON]:.1f} | {figure[ON] - figure[OFF]:+.1f} ({added:+.1%}) |")
    for kind in sorted(set(off_totals) | set(on_totals)):
        off, on = (totals[state].get(kind, (0, 0)) for state in (OFF, ON))
        if off != on:
            print(
                f"|   {kind} | {off[0] / per[OFF]:.2f} rec, {off[1] / per[OFF]:.0f} B "
                f"| {on[0] / per[ON]:.2f} rec, {on[1] / per[ON]:.0f} B | |"
            )


@exits_on_setup_error
def main(argv):
    args = parse_args(argv)
    with bench_database("rest_api_bench", max(600, args.writes), 0) as (workspace, database, setup):
        import odoo  # noqa: PLC0415

        odoo.tools.config.parse_config(["-c", str(workspace.config_file)])
        registry = odoo.modules.registry.Registry(database)
        admin = pg_connect(database)
        with admin.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
            # the server keeps the WAL from now on for this session (the checkpoints of a busy shared
            # server would recycle it before it is read); a temporary slot goes with the session
            cursor.execute("SELECT pg_create_physical_replication_slot(%s, true, true)", [f"bench_wal_{os.getpid()}"])
            cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
            database_oid = cursor.fetchone()[0]
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env["ir.config_parameter"].set_param("rest_api.webhook_allow_private", "True")
            key = env["rest.api.key"].generate_api_key({"name": "bench wal", "user_id": setup["uid"], "rate_limit": 0})
            webhook_id = env["rest.api.webhook"].generate_webhook(
                {"name": "bench wal", "key_id": key["id"], "url": "http://127.0.0.1:9/hook", "model": "res.partner",
                 "events": ["updated"], "fields": ["name", "phone"]}
            )["id"]  # fmt: skip
        partner_ids = setup["read_ids"][: args.writes] if len(setup["read_ids"]) >= args.writes else None
        if partner_ids is None:
            with registry.cursor() as cr:
                cr.execute("SELECT id FROM res_partner ORDER BY id LIMIT %s", [args.writes])
                partner_ids = [row[0] for row in cr.fetchall()]

        def switch(state):
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                env["rest.api.webhook"].browse(webhook_id).write({"active": state == ON})

        totals = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0]))
        statements = collections.Counter()
        writes = collections.Counter()
        tag = 0
        for threads in args.threads:
            for state in (OFF, ON):  # warm-up
                switch(state)
                tag += 1
                run_writes(registry, setup["uid"], partner_ids[:40], threads, tag)
            for number in range(args.rounds * 2):
                for state in (OFF, ON) if number % 2 == 0 else (ON, OFF):
                    switch(state)
                    tag += 1
                    start = wal_lsn(admin)
                    count = run_writes(registry, setup["uid"], partner_ids, threads, tag)
                    end = wal_lsn(admin)
                    statements[threads, state] += count
                    writes[threads, state] += len(partner_ids)
                    for kind, (records, size) in wal_records(admin, start, end, database_oid).items():
                        totals[threads, state][kind][0] += records
                        totals[threads, state][kind][1] += size
        with registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM rest_api_webhook_event")
            print(f"[bench] events captured: {cr.fetchone()[0]}")
        print(f"[bench] load average: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
        for threads in args.threads:
            report(threads, totals[threads, OFF], totals[threads, ON], statements, writes)
        admin.close()
        odoo.modules.registry.Registry.delete(database)
        odoo.sql_db.close_all()
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
