"""Throttling over real HTTP against Odoo server processes.

* The RateLimit headers and the 429 problem, with a key whose requests land on
  either of two prefork workers.
* Failed authentications limited per client address, behind a proxy
  (``--proxy-mode``: the address comes from ``X-Forwarded-For``), before any key
  is verified.
* The load test, bounded: two Odoo servers (one with ``--workers 2``) on one
  database, Locust against both; throttling must stay exact, with its headers,
  and nothing may answer 5xx.
"""

import json
import time
import urllib.error
import urllib.request

import pytest

from loadtests.run import run_load_test, tools_venv
from tools.odoo_env import OdooRpc, OdooServer

LOAD_DURATION = 30  # seconds of load; the load test stays well under a minute and a half


@pytest.fixture(scope="module")
def rpc(prefork_server, live_database):
    return OdooRpc(prefork_server.base_url, live_database)


@pytest.fixture
def strict_failed_auth_limit(rpc):
    """Three failed authentications per client address per 30 s (one per 10 s), during one test."""
    parameters, values = "ir.config_parameter", {"rest_api.failed_auth_limit": "3", "rest_api.failed_auth_period": "30"}
    previous = {name: rpc.execute(parameters, "get_param", name) for name in values}
    for name, value in values.items():
        rpc.execute(parameters, "set_param", name, value)
    yield
    for name, value in previous.items():
        rpc.execute(parameters, "set_param", name, value)


@pytest.fixture(scope="module")
def proxied_server(live_workspace, live_database):
    """Odoo behind a (pretend) reverse proxy: it takes the client address from X-Forwarded-For."""
    arguments = ["--proxy-mode", "--workers=0", "--max-cron-threads=0", "--gevent-port=0"]
    with OdooServer(live_workspace, live_database, extra_args=arguments) as server:
        yield server


def get(base_url, path, headers):
    """``(status, headers, body)`` of a GET."""
    request = urllib.request.Request(base_url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.load(error)


def new_key(rpc, name, **policy):
    return rpc.execute("rest.api.key", "generate_api_key", {"name": name, **policy})["key"]


def test_ratelimit_headers_then_a_429_problem_with_retry_after(prefork_server, rpc):
    key = new_key(rpc, "live throttle headers", rate_limit=2, rate_period=60, rate_burst=2)  # 2 at once, 1 per 30 s
    path, headers = "/api/res.partner/record_count", {"api-key": key}

    answers = [get(prefork_server.base_url, path, headers) for _ in range(3)]

    (first, first_headers, _), (second, second_headers, _), (third, third_headers, problem) = answers
    assert (first, second, third) == (200, 200, 429)
    for response_headers in (first_headers, second_headers, third_headers):
        assert response_headers["RateLimit-Policy"] == '"default";q=2;w=60'
    assert first_headers["RateLimit"] in ('"default";r=1;t=30', '"default";r=1;t=29')
    assert second_headers["RateLimit"] in ('"default";r=0;t=60', '"default";r=0;t=59')
    assert third_headers["Content-Type"] == "application/problem+json"
    retry_after = int(third_headers["Retry-After"])
    assert 28 <= retry_after <= 30
    assert problem["status"] == 429
    assert problem["retry_after"] == retry_after
    assert third_headers["RateLimit"].startswith('"default";r=0;t=')


def test_failed_authentication_is_limited_per_client_address_before_any_key_check(
    proxied_server, rpc, strict_failed_auth_limit
):
    key = new_key(rpc, "live failed-auth limit", rate_limit=0)
    path = "/api/res.partner/record_count"

    def from_address(address, api_key):
        headers = {"api-key": api_key, "X-Forwarded-For": address, "X-Forwarded-Host": "api.example.com"}
        return get(proxied_server.base_url, path, headers)

    wrong = "0" * 40
    assert [from_address("198.51.100.7", wrong)[0] for _ in range(3)] == [401, 401, 401]
    status, headers, problem = from_address("198.51.100.7", wrong)
    assert status == 429
    assert 8 <= int(headers["Retry-After"]) <= 10  # 30 s / 3 failures, less the time the requests took
    assert "failed authentication" in problem["detail"]
    # refused before the key is even looked at: a valid key from that address waits too
    status, headers, _problem = from_address("198.51.100.7", key)
    assert status == 429
    retry_after = int(headers["Retry-After"])
    assert from_address("198.51.100.8", key)[0] == 200
    assert get(proxied_server.base_url, path, {"api-key": key})[0] == 200  # the proxy's own address is not blocked

    # one IPv6 subscriber (/64) is one client
    assert [from_address(f"2001:db8:7:7::{n}", wrong)[0] for n in range(1, 4)] == [401, 401, 401]
    assert from_address("2001:db8:7:7::99", key)[0] == 429
    assert from_address("2001:db8:7:8::1", key)[0] == 200

    time.sleep(retry_after + 0.5)  # then the address may try again
    assert from_address("198.51.100.7", key)[0] == 200


def test_throttling_is_exact_across_two_servers_under_load(live_workspace, live_database):
    failures = run_load_test(live_workspace, live_database, LOAD_DURATION, crud_users=2, venv_bin=tools_venv())
    assert failures == []
