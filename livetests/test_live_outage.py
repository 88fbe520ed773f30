"""A PostgreSQL outage under load: 503 problem+json while it lasts, no lost or extra write, recovery by itself.

The tests run their own PostgreSQL cluster (``tools.pg_cluster``) on another
port with a copy of the live database, and a ``--workers 2`` Odoo loading
``rest_api_core`` server-wide (the documented deployment: only server-wide
routes exist while Odoo cannot open a registry), then stop that cluster.
"""

import threading
import time
import uuid
from collections import Counter
from urllib.parse import quote

import pytest

from tools.odoo_env import OdooRpc, http_json
from tools.pg_cluster import PgCluster, odoo_on_cluster, print_errors

SERVER_WIDE = "--load=base,web,rest_api_core"
OUTAGE_SECONDS = 10
RECOVERY_TIMEOUT = 30


@pytest.fixture(scope="module")
def private_cluster():
    cluster = PgCluster().init().start()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="module")
def outage_server(private_cluster, live_workspace, live_database):
    workspace, server = odoo_on_cluster(
        private_cluster, live_workspace, live_database, "rest_api_outage", extra_args=[SERVER_WIDE]
    )
    try:
        with server:
            yield server
    finally:
        print_errors(server.log_file)
        workspace.cleanup()


@pytest.fixture(scope="module")
def outage_key(outage_server):
    rpc = OdooRpc(outage_server.base_url, outage_server.database)
    return rpc.generate_api_key("outage", rate_limit=100000, rate_period=1, rate_burst=1000)["key"]


def is_problem(status, headers, body):
    return headers.get("Content-Type") == "application/problem+json" and body.get("status") == status


def wait_until_served(url, headers, timeout=RECOVERY_TIMEOUT):
    """Seconds until ``url`` answers 200 again."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if http_json("GET", url, headers=headers, timeout=10)[0] == 200:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{url} not served {timeout}s after PostgreSQL came back")


def test_an_outage_answers_503_problem_json_with_retry_after(private_cluster, outage_server, outage_key):
    base, headers = outage_server.base_url, {"api-key": outage_key}
    requests = [
        ("GET", "/api/res.partner/search?limit=1", None),
        ("GET", "/api/res.partner/1", None),
        ("POST", "/api/res.partner/create", {"name": "during the outage"}),
        ("POST", "/api/res.partner/execute_kw", {"method": "search_count", "args": [[]]}),
        ("GET", "/api/no/such/path", None),
        ("GET", "/api/health", None),
    ]
    assert http_json("GET", base + "/api/res.partner/search?limit=1", headers=headers)[0] == 200
    private_cluster.stop()
    try:
        for method, path, body in requests:
            status, response_headers, problem = http_json(method, base + path, body, headers=headers, timeout=30)
            assert status == 503, (method, path, status, problem)
            assert is_problem(503, response_headers, problem), (path, response_headers, problem)
            assert int(response_headers["Retry-After"]) == problem["retry_after"] > 0
            assert "unreachable" in problem["detail"]
    finally:
        private_cluster.start()
    recovery = wait_until_served(base + "/api/res.partner/search?limit=1", headers)
    assert recovery < 5, f"served again only {recovery:.2f}s after PostgreSQL came back"


@pytest.mark.parametrize("fail_open", [True, False], ids=["throttle-fails-open", "throttle-fails-closed"])
def test_reads_and_creates_through_an_outage(private_cluster, outage_server, outage_key, fail_open):
    """Readers and a writer loop, with a throttled key, while the cluster stops for OUTAGE_SECONDS and comes back.

    The throttle store is the same PostgreSQL: a request it fails on (one in flight
    when the cluster stops) makes that worker leave it alone for 10 s, admitting
    (fail open) or refusing with 503 (fail closed); so after recovery, 503s may
    follow for up to 10 s when failing closed, none when failing open.
    """
    base, headers = outage_server.base_url, {"api-key": outage_key}
    rpc = OdooRpc(base, outage_server.database)
    with rpc.config_parameters({"rest_api.throttle_fail_open": str(fail_open)}):
        answers, created, outage, started_at = run_through_an_outage(
            private_cluster, base, headers, after_seconds=3 if fail_open else 14
        )
    check_answers(answers, outage, started_at, fail_open)
    rows = private_cluster.query(
        "SELECT name, id FROM res_partner WHERE name LIKE %s", [f"{created.tag}-%"], dbname=outage_server.database
    )
    assert sorted(rows) == sorted(created), "every 201 is stored once, and nothing else"
    assert outage_server.process.poll() is None


class Created(list):
    """``(name, id)`` of each partner created with a 201; ``tag`` starts their names."""

    def __init__(self, tag):
        super().__init__()
        self.tag = tag


def run_through_an_outage(private_cluster, base, headers, after_seconds):
    tag = f"outage-{uuid.uuid4().hex[:8]}"
    domain = quote(f"[('name', 'like', '{tag}')]")
    answers, created, stop = [], Created(tag), threading.Event()

    def record(method, path, body=None):
        status, response_headers, payload = http_json(method, base + path, body, headers=headers, timeout=30)
        answers.append((time.monotonic(), method, status, response_headers, payload))
        return status, payload

    def read():
        while not stop.is_set():
            record("GET", f"/api/res.partner/search?fields=['name']&limit=5&domain={domain}")

    def create():
        number = 0
        while not stop.is_set():
            number += 1
            status, payload = record("POST", "/api/res.partner/create", {"name": f"{tag}-{number}"})
            if status == 201:
                created.append((f"{tag}-{number}", payload["id"]))

    threads = [threading.Thread(target=target, daemon=True) for target in (read, read, create)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        private_cluster.stop()  # requests may still be answered while it stops
        stopped_at = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        restarting_at = time.monotonic()  # it accepts connections before pg_ctl start returns
        private_cluster.start()
        started_at = time.monotonic()
        time.sleep(after_seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    return answers, created, (stopped_at, restarting_at), started_at


def check_answers(answers, outage, started_at, fail_open):
    """``outage``: when the cluster had stopped and when it was started again; ``started_at``: when it
    had started (it accepts connections a moment before)."""
    stopped_at, restarting_at = outage
    statuses = Counter(status for _at, _method, status, _headers, _payload in answers)
    unexpected = [
        (round(at - stopped_at, 2), method, status, payload)
        for at, method, status, _h, payload in answers
        if status not in (200, 201, 503)
    ]
    assert not unexpected, (statuses, unexpected[:5])
    for _at, _method, status, response_headers, payload in answers:
        if status == 503:
            assert is_problem(503, response_headers, payload) and int(response_headers["Retry-After"]) > 0
    during = [status for at, _m, status, _h, _p in answers if stopped_at + 1 < at < restarting_at]
    assert during and set(during) == {503}, Counter(during)
    after = [
        (round(at - started_at, 2), method, status, payload.get("detail", "") if status == 503 else "")
        for at, method, status, _h, payload in answers
        if at > started_at
    ]
    late_503 = [answer for answer in after if answer[2] == 503 and answer[0] > (1 if fail_open else 12)]
    after_503 = [answer for answer in after if answer[2] == 503]
    print(
        f"fail_open={fail_open}: {dict(statuses)}; after recovery {len(after_503)} 503s, the last at "
        f"{max((answer[0] for answer in after_503), default=0)}s: {Counter(answer[3] for answer in after_503)}"
    )
    assert not late_503, late_503[:10]
    assert {answer[1] for answer in after if answer[2] in (200, 201)} == {"GET", "POST"}, after[:10]
