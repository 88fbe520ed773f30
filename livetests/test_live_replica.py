"""Scale-out on a read replica: GET routes are served from it, writes and the throttle store stay on the primary
(none of the throttle on PostgreSQL with the Redis store).

The test runs its own primary cluster (``tools.pg_cluster``) with a copy of
the live database, a streaming replica of it (``pg_basebackup -R``), and a
``--workers 2`` Odoo with ``db_replica_host``/``db_replica_port``. Which
server ran what is read from ``pg_stat_statements`` on each side.
"""

import os
import time
import uuid
from urllib.parse import quote

import pytest

from tools.odoo_env import OdooRpc, http_json
from tools.pg_cluster import PgCluster, odoo_on_cluster, print_errors

READS = 40

STATEMENTS = """
    SELECT coalesce(sum(calls), 0)::int FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query ILIKE %s
"""
PARTNER_READ = '%FROM "res_partner"%'
PARTNER_INSERT = 'INSERT INTO "res_partner"%'
THROTTLE = "%rest_api_throttle%"
# every statement of the database but these probes' own
ALL_STATEMENTS = """
    SELECT coalesce(sum(calls), 0)::int FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND query NOT ILIKE '%%pg_stat_statements%%'
"""


@pytest.fixture(scope="module")
def clusters():
    primary, replica = PgCluster(), None
    try:
        primary.init().start()
        replica = PgCluster()
        yield primary, replica  # the replica is made once the primary has the database
    finally:
        for cluster in filter(None, (replica, primary)):
            cluster.remove()


@pytest.fixture(scope="module")
def replica_server(clusters, live_workspace, live_database):
    primary, replica = clusters
    config = {"db_replica_host": "127.0.0.1", "db_replica_port": str(replica.port)}
    workspace, server = odoo_on_cluster(primary, live_workspace, live_database, "rest_api_replica", config=config)
    try:
        primary.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", dbname=server.database)
        replica.replica_of(primary).start()
        with server:
            yield server
    finally:
        print_errors(server.log_file)
        workspace.cleanup()


def statements(cluster, database):
    """Calls so far of the statements on partners, on the throttle store, and of all, on ``cluster``."""
    counts = {
        pattern: cluster.query(STATEMENTS, [pattern], dbname=database)[0][0]
        for pattern in (PARTNER_READ, PARTNER_INSERT, THROTTLE)
    }
    return {**counts, "all": cluster.query(ALL_STATEMENTS, dbname=database)[0][0]}


def delta(before, after):
    return {pattern: after[pattern] - before[pattern] for pattern in before}


def test_reads_on_the_replica_writes_and_throttle_on_the_primary(clusters, replica_server):
    primary, replica = clusters
    database, base = replica_server.database, replica_server.base_url
    assert replica.query("SELECT pg_is_in_recovery()")[0][0]
    rpc = OdooRpc(base, database)
    key = rpc.generate_api_key("replica", rate_limit=100000, rate_period=1, rate_burst=1000)["key"]
    headers = {"api-key": key}
    name = f"replica-{uuid.uuid4().hex[:8]}"
    search = f"/api/res.partner/search?fields=['name']&domain={quote(str([('name', '=', name)]))}"
    primary.wait_replayed(replica)  # a GET authenticates on the replica: the new key must be there
    assert http_json("GET", base + search, headers=headers)[0] == 200  # warm: caches, pooled connections

    before = statements(primary, database), statements(replica, database)
    started = time.monotonic()
    for _read in range(READS):
        assert http_json("GET", base + search, headers=headers)[0] == 200
    read_seconds = time.monotonic() - started
    reads = delta(before[0], statements(primary, database)), delta(before[1], statements(replica, database))
    print(f"{READS} GET: primary {reads[0]}, replica {reads[1]}, {read_seconds / READS * 1000:.1f} ms per GET")
    on_primary, on_replica = reads
    assert on_replica[PARTNER_READ] >= READS, reads
    assert on_primary[PARTNER_READ] == 0, reads
    # the store is on the primary, even for a GET; quota leases charge a busy key several requests
    # per round trip: at least one statement, at most one per GET
    assert 1 <= on_primary[THROTTLE] <= READS + 1, reads
    assert on_replica[THROTTLE] == 0, reads

    before = statements(primary, database), statements(replica, database)
    status, _headers, created = http_json("POST", base + "/api/res.partner/create", {"name": name}, headers=headers)
    assert status == 201, created
    writes = delta(before[0], statements(primary, database)), delta(before[1], statements(replica, database))
    print(f"1 POST: primary {writes[0]}, replica {writes[1]}")
    assert writes[0][PARTNER_INSERT] == 1 and writes[1][PARTNER_INSERT] == 0, writes

    started = time.monotonic()
    primary.wait_replayed(replica)
    print(f"replayed on the replica {time.monotonic() - started:.3f}s after the 201")
    status, _headers, record = http_json("GET", f"{base}/api/res.partner/{created['id']}", headers=headers)
    assert (status, record.get("name")) == (200, name), record
    status, _headers, rows = http_json("GET", base + search, headers=headers)
    assert [row["id"] for row in rows] == [created["id"]]


def test_with_the_redis_store_a_get_runs_no_throttle_statement_on_postgresql(clusters, replica_server):
    """The primary's statements per GET of a rate-limited key: Odoo's own (registry check, route)
    and none of the throttle's, which runs in Redis (REST_API_TEST_REDIS, the machine's in CI)."""
    primary, replica = clusters
    database, base = replica_server.database, replica_server.base_url
    rpc = OdooRpc(base, database)
    redis_url = os.environ.get("REST_API_TEST_REDIS", "redis://127.0.0.1:6379/0")
    with rpc.config_parameters({"rest_api.throttle_store": redis_url}):
        key = rpc.generate_api_key("replica, redis", rate_limit=100000, rate_period=1, rate_burst=1000)["key"]
        headers = {"api-key": key}
        search = "/api/res.partner/search?fields=['name']&limit=1"
        primary.wait_replayed(replica)  # GETs read the settings on the replica
        status, response_headers, _rows = http_json("GET", base + search, headers=headers)
        assert status == 200 and response_headers["RateLimit"].startswith('"default";r=999;'), response_headers

        before = statements(primary, database), statements(replica, database)
        for _read in range(READS):
            assert http_json("GET", base + search, headers=headers)[0] == 200
        on_primary = delta(before[0], statements(primary, database))
        on_replica = delta(before[1], statements(replica, database))
    print(
        f"{READS} GET with the Redis store: primary {on_primary} ({on_primary['all'] / READS:.1f} statements "
        f"per GET), replica {on_replica}"
    )
    assert on_primary[THROTTLE] == 0 and on_replica[THROTTLE] == 0, (on_primary, on_replica)
    assert on_primary[PARTNER_READ] == 0 and on_replica[PARTNER_READ] >= READS, (on_primary, on_replica)
