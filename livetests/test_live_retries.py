"""Safe retries against a ``--workers 2`` server, with transactions that really run side by side.

In-process HttpCase requests share one transaction and run one at a time: only separate
worker processes show that a retry arriving while the first request still runs never has a
second effect (``Idempotency-Key``), and that ``If-Match`` lets exactly one of concurrent
writers of one version through.
"""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from tools.odoo_env import http_json, pg_connect

BURST = 8
LOCK_WAIT = 20  # seconds for a request to reach a lock held by the test


def create(server, key, idempotency_key, body):
    url = server.base_url + "/api/res.partner/create"
    return http_json("POST", url, body, {"api-key": key, "Idempotency-Key": idempotency_key}, timeout=60)


def count(rpc, name):
    return rpc.execute("res.partner", "search_count", [("name", "=", name)])


def wait_for_lock_waiter(database, deadline):
    """Until a backend of ``database`` waits for a lock (the request the test holds up)."""
    connection = pg_connect(database)
    connection.autocommit = True  # pg_stat_activity is read once per transaction
    try:
        with connection.cursor() as cr:
            while time.monotonic() < deadline:
                cr.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                    [database],
                )
                if cr.fetchone()[0]:
                    return True
                time.sleep(0.1)
        return False
    finally:
        connection.close()


def test_a_retry_while_the_first_request_runs_is_a_409_then_a_replay(prefork_server, rpc, live_database):
    key = rpc.generate_api_key("live idempotency", rate_limit=0)["key"]
    name = f"live-idem-{uuid.uuid4().hex[:8]}"
    (parent,) = rpc.execute("res.partner", "create", [{"name": f"{name} parent"}])
    body, idempotency_key = {"name": name, "parent_id": parent}, str(uuid.uuid4())
    holder = pg_connect(live_database)
    holder.autocommit = False
    answers = {}
    try:
        with holder.cursor() as cr:  # the child's insert waits for this lock (its foreign key to the parent)
            cr.execute("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", [parent])
        first = threading.Thread(
            target=lambda: answers.update(first=create(prefork_server, key, idempotency_key, body))
        )
        first.start()
        assert wait_for_lock_waiter(live_database, time.monotonic() + LOCK_WAIT)
        status, headers, problem = create(prefork_server, key, idempotency_key, body)
        assert status == 409, problem
        assert headers["Retry-After"] == "1"
        assert "still being processed" in problem["detail"]
    finally:
        holder.rollback()
        holder.close()
    first.join(60)
    status, headers, created = answers["first"]
    assert status == 201, created
    assert headers.get("Idempotent-Replayed") is None
    status, headers, replayed = create(prefork_server, key, idempotency_key, body)
    assert (status, replayed, headers["Idempotent-Replayed"]) == (201, created, "true")
    assert count(rpc, name) == 1


def test_a_burst_of_retries_on_both_workers_has_one_effect(prefork_server, rpc):
    key = rpc.generate_api_key("live idempotency burst", rate_limit=0)["key"]
    name = f"live-idem-burst-{uuid.uuid4().hex[:8]}"
    idempotency_key = str(uuid.uuid4())
    with ThreadPoolExecutor(BURST) as pool:
        answers = list(pool.map(lambda _i: create(prefork_server, key, idempotency_key, {"name": name}), range(BURST)))
    statuses = [status for status, _headers, _body in answers]
    assert set(statuses) <= {201, 409}, answers
    created = [(headers.get("Idempotent-Replayed"), body["id"]) for status, headers, body in answers if status == 201]
    assert [replayed for replayed, _id in created].count(None) == 1, answers
    assert len({record_id for _replayed, record_id in created}) == 1
    assert count(rpc, name) == 1
    # once the first has committed, every retry is a replay
    status, headers, body = create(prefork_server, key, idempotency_key, {"name": name})
    assert (status, headers["Idempotent-Replayed"], body["id"]) == (201, "true", created[0][1])


def test_concurrent_writers_of_one_version_let_exactly_one_through(prefork_server, rpc):
    key = rpc.generate_api_key("live if-match", rate_limit=0)["key"]
    (partner,) = rpc.execute("res.partner", "create", [{"name": "live if-match"}])
    url = f"{prefork_server.base_url}/api/res.partner/{partner}"
    status, headers, _record = http_json("GET", url, headers={"api-key": key})
    assert status == 200
    tag = headers["ETag"]

    def write(index):
        return http_json("PATCH", url, {"name": f"writer {index}"}, {"api-key": key, "If-Match": tag}, timeout=60)

    with ThreadPoolExecutor(BURST) as pool:
        answers = list(pool.map(write, range(BURST)))
    statuses = sorted(status for status, _headers, _body in answers)
    assert statuses == [200] + [412] * (BURST - 1), answers
    (winner,) = [index for index, (status, _h, _b) in enumerate(answers) if status == 200]
    assert rpc.execute("res.partner", "read", [partner], ["name"])[0]["name"] == f"writer {winner}"
