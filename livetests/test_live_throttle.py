"""Throttling over real HTTP against Odoo server processes.

* The RateLimit headers and the 429 problem, with a key whose requests land on
  either of two prefork workers.
* Failed authentications limited per client address, behind a proxy
  (``--proxy-mode``: the address comes from ``X-Forwarded-For``, and Odoo reads
  it only when the proxy also sends ``X-Forwarded-Host``), before a key hash is
  checked; a key the server has already verified is never refused for others'
  failures from the same address (NAT, proxies).
* A request Odoo runs again after a real serialization failure is charged once
  and counted once.
* The load test, bounded: two Odoo servers (one with ``--workers 2``) on one
  database, Locust against both; throttling must stay exact, with its headers,
  and nothing may answer 5xx.

The machine may be slow (two cores, other runs): the windows are long next to
the few requests sent in them, and what a header says of a window is checked
against the time the requests measurably took.
"""

import math
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from loadtests.run import USAGE_FLUSH_INTERVAL, run_load_test
from tools.odoo_env import OdooServer, http_json, pg_connect, tools_venv

LOAD_DURATION = 30  # seconds of load; the load test stays well under a minute and a half
FAILURE_SLOT = 20  # seconds: with strict_failed_auth_limit, an address may fail once more every 20 s


@pytest.fixture
def strict_failed_auth_limit(rpc):
    """Three failed authentications per client address per minute (one per FAILURE_SLOT), during one test."""
    with rpc.config_parameters({"rest_api.failed_auth_limit": "3", "rest_api.failed_auth_period": "60"}):
        yield


@pytest.fixture(scope="module")
def proxied_server(live_workspace, live_database):
    """Odoo behind a (pretend) reverse proxy: it takes the client address from X-Forwarded-For."""
    arguments = ["--proxy-mode", "--workers=0", "--max-cron-threads=0", "--gevent-port=0"]
    with OdooServer(live_workspace, live_database, extra_args=arguments) as server:
        yield server


def remaining(window, elapsed):
    """The whole seconds (rounded up, as the headers give them) that may remain of a ``window`` of
    seconds that began at most ``elapsed`` seconds ago, a second of clock skew allowed."""
    assert elapsed < window, f"the requests took {elapsed:.1f} s: the {window} s window they test has passed"
    return range(math.floor(window - elapsed) - 1, window + 1)


def test_ratelimit_headers_then_a_429_problem_with_retry_after(prefork_server, rpc):
    # 2 at once, then one per 300 s: the windows dwarf the time three requests take, however slow
    key = rpc.generate_api_key("live throttle headers", rate_limit=2, rate_period=600, rate_burst=2)["key"]
    url, headers = prefork_server.base_url + "/api/res.partner/record_count", {"api-key": key}

    started = time.monotonic()
    answers = [http_json("GET", url, headers=headers, timeout=30) for _ in range(3)]
    elapsed = time.monotonic() - started  # at least the time between the first admission and any later one

    (first, first_headers, _), (second, second_headers, _), (third, third_headers, problem) = answers
    assert (first, second, third) == (200, 200, 429)
    for response_headers in (first_headers, second_headers, third_headers):
        assert response_headers["RateLimit-Policy"] == '"default";q=2;w=600'
    assert first_headers["RateLimit"] in ('"default";r=1;t=300', '"default";r=1;t=299')
    assert second_headers["RateLimit"].startswith('"default";r=0;t=')
    assert int(second_headers["RateLimit"].rpartition("=")[2]) in remaining(600, elapsed)
    assert third_headers["Content-Type"] == "application/problem+json"
    retry_after = int(third_headers["Retry-After"])
    assert retry_after in remaining(300, elapsed)
    assert problem["status"] == 429
    assert problem["retry_after"] == retry_after
    # the allowance is whole again one emission interval (300 s) after the next request may be admitted
    assert third_headers["RateLimit"] == f'"default";r=0;t={retry_after + 300}'


def test_failed_authentications_never_lock_out_the_other_keys_behind_an_address(
    proxied_server, rpc, strict_failed_auth_limit
):
    """The probe: an attacker's bad keys from an address (one NAT for many clients) got the real
    client's key 429 as soon as this server had to verify it again. Failures now count per address
    and key prefix, and only where a hash is checked."""
    real = rpc.generate_api_key("live failed-auth limit, real client", rate_limit=0)["key"]
    guessed = rpc.generate_api_key("live failed-auth limit, guessed key", rate_limit=0)["key"]
    url = proxied_server.base_url + "/api/res.partner/record_count"

    def from_address(address, api_key):
        headers = {"api-key": api_key, "X-Forwarded-For": address, "X-Forwarded-Host": "api.example.com"}
        return http_json("GET", url, headers=headers, timeout=30)

    shared = "198.51.100.7"
    # random bad keys match no key's prefix: no hash to protect, never limited
    assert [from_address(shared, secrets.token_hex(20))[0] for _ in range(10)] == [401] * 10
    assert from_address(shared, real)[0] == 200  # never verified by this server before

    # bad keys at an existing key's prefix cost a hash each: limited, for that address and prefix
    wrong = guessed[:8] + "0" * 32
    started = time.monotonic()
    assert [from_address(shared, wrong)[0] for _ in range(3)] == [401, 401, 401]
    status, headers, problem = from_address(shared, wrong)
    assert status == 429
    assert problem["type"] == "urn:odoo-rest-api:problem:too-many-failed-authentications"
    assert int(headers["Retry-After"]) in remaining(FAILURE_SLOT, time.monotonic() - started)
    assert "key prefix" in problem["detail"]

    # the other clients behind that address go on, with keys verified or not
    fresh = rpc.generate_api_key("live failed-auth limit, fresh key", rate_limit=0)["key"]
    assert from_address(shared, fresh)[0] == 200
    assert [from_address(shared, real)[0] for _ in range(3)] == [200, 200, 200]
    assert from_address("198.51.100.20", guessed)[0] == 200  # the guessed key, from elsewhere

    # one IPv6 subscriber (/64) is one client
    assert [from_address(f"2001:db8:7:7::{n}", wrong)[0] for n in range(1, 4)] == [401, 401, 401]
    assert from_address("2001:db8:7:7::99", wrong)[0] == 429
    assert from_address("2001:db8:7:7::99", real)[0] == 200
    assert from_address("2001:db8:7:8::1", wrong)[0] == 401


@pytest.fixture(scope="module")
def retry_logging_server(live_workspace, live_database):
    """A threaded Odoo server that logs its serialization retries (odoo.service.model at INFO)."""
    arguments = ["--workers=0", "--max-cron-threads=0", "--log-handler=odoo.service.model:INFO"]
    with OdooServer(live_workspace, live_database, extra_args=arguments) as server:
        yield server


def test_a_request_odoo_runs_again_is_charged_and_counted_once(retry_logging_server, rpc, live_database):
    """A real serialization failure: another transaction updates the record while the request waits
    for its row lock; Odoo rolls the request back and runs it again (odoo.service.model.retrying)."""
    server = retry_logging_server
    # 10 at once, then one per minute: the next request, however late, still finds one slot fewer
    created = rpc.generate_api_key("live retry", rate_limit=10, rate_period=600, rate_burst=10)
    headers = {"api-key": created["key"]}
    partner_id = rpc.execute("res.partner", "create", {"name": "Retried"})
    url = f"{server.base_url}/api/res.partner/{partner_id}"

    blocker = pg_connect(live_database)
    blocker.autocommit = False
    try:
        with blocker.cursor() as cr:  # an open transaction holds the partner's row
            cr.execute("UPDATE res_partner SET comment = 'concurrent' WHERE id = %s", [partner_id])
            with ThreadPoolExecutor(1) as pool:
                answer = pool.submit(http_json, "PUT", url, {"name": "Retried once"}, headers)
                watcher = pg_connect(live_database)
                try:
                    assert wait_for_lock_waiter(watcher, live_database), "the request never waited for the row"
                finally:
                    watcher.close()
                blocker.commit()  # the request's update now conflicts with a newer committed version
                status, response_headers, body = answer.result(timeout=60)
    finally:
        blocker.close()

    assert (status, body) == (200, {"message": "Record updated successfully."})
    assert "SERIALIZATION_FAILURE" in server.log_file.read_text(), "Odoo did not run the request again"
    assert response_headers["RateLimit"].startswith('"default";r=9;'), "the first attempt's admission"
    status, response_headers, _body = http_json("GET", url, headers=headers)
    assert status == 200
    assert response_headers["RateLimit"].startswith('"default";r=8;'), "two requests, two slots"
    assert rpc.execute("res.partner", "read", [partner_id], ["name", "comment"])[0]["name"] == "Retried once"
    assert stored_request_count(live_database, created["id"], at_least=2) == 2


def wait_for_lock_waiter(connection, database, timeout=20):
    """Whether some session of ``database`` waits for a lock within ``timeout`` seconds."""
    connection.autocommit = True
    deadline = time.monotonic() + timeout
    with connection.cursor() as cr:
        while time.monotonic() < deadline:
            cr.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [database]
            )
            if cr.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def stored_request_count(database, api_key_id, at_least, timeout=60):
    """The key's stored request count once every server process has had time to store its counts
    (every USAGE_FLUSH_INTERVAL seconds), and longer, up to ``timeout``, until it reaches ``at_least``:
    a busy machine may run the flushing thread late."""
    time.sleep(USAGE_FLUSH_INTERVAL + 1)
    deadline = time.monotonic() + timeout
    connection = pg_connect(database)
    try:
        with connection.cursor() as cr:
            while True:
                cr.execute("SELECT request_count FROM rest_api_key_usage WHERE api_key_id = %s", [api_key_id])
                row = cr.fetchone()
                count = row[0] if row else 0
                if count >= at_least or time.monotonic() > deadline:
                    return count
                time.sleep(1)
    finally:
        connection.close()


@pytest.mark.parametrize("store", ["postgresql", "redis"])
def test_throttling_is_exact_across_two_servers_under_load(live_workspace, live_database, store):
    """The load test against each throttle store (Redis: REST_API_TEST_REDIS, the machine's in CI)."""
    setting = os.environ.get("REST_API_TEST_REDIS", "redis://127.0.0.1:6379/0") if store == "redis" else store
    failures = run_load_test(
        live_workspace, live_database, LOAD_DURATION, crud_users=2, venv_bin=tools_venv("locust"), store=setting
    )
    assert failures == []
