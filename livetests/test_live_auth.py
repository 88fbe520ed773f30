"""Key deactivation and token revocation reach every worker process on the very next request.

Odoo runs with ``--workers 2``: each worker keeps its own verified-key cache, so
the change made through JSON-RPC (served by one worker) must clear the cache of
the other through Odoo's cache signalling. Requests are sent in concurrent
bursts of new connections (Odoo's workers close the connection after each
request), sent again until the server's request log shows that both workers
served the burst.
"""

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from tools.odoo_env import http_json

BURST = 40
CONCURRENCY = 8
JSON = "application/json; charset=utf-8"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module", autouse=True)
def no_failed_auth_limit(rpc):
    """This module sends many refused requests from 127.0.0.1: keep the per-address limit out of the way."""
    with rpc.config_parameters({"rest_api.failed_auth_limit": "1000000"}):
        yield


def burst(base_url, method, path, headers):
    """``BURST`` requests, ``CONCURRENCY`` at a time; the set of their (status, content type, detail)."""

    def send(_index):
        body = {} if method == "POST" else None
        status, response_headers, answer = http_json(method, base_url + path, body, headers, timeout=30)
        return status, response_headers["Content-Type"], answer.get("detail") if isinstance(answer, dict) else None

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        return set(pool.map(send, range(BURST)))


@pytest.fixture
def every_worker(prefork_server, on_both_workers):
    """``every_worker(method, path, headers)``: the set of (status, content type, detail) of bursts of
    requests that both workers served."""

    def run(method, path, headers):
        send = partial(burst, prefork_server.base_url, method, path, headers)
        return set().union(*on_both_workers(prefork_server, method, path, send))

    return run


def test_deactivated_key_is_refused_by_every_worker_on_the_next_request(every_worker, rpc):
    created = rpc.generate_api_key("live deactivation", allow_token_generation=True, rate_limit=0)
    headers = {"api-key": created["key"]}
    # every worker verifies the key once and keeps it in its cache
    assert every_worker("POST", "/api/generate_token", headers) == {(200, JSON, None)}

    rpc.execute("rest.api.key", "write", [created["id"]], {"active": False})
    assert every_worker("POST", "/api/generate_token", headers) == {(401, PROBLEM, "This API key is deactivated.")}

    rpc.execute("rest.api.key", "write", [created["id"]], {"active": True})
    assert {status for status, _type, _detail in every_worker("POST", "/api/generate_token", headers)} == {200}

    rpc.execute("rest.api.key", "unlink", [created["id"]])
    assert every_worker("POST", "/api/generate_token", headers) == {(401, PROBLEM, "Invalid API key.")}


def test_revoked_login_token_is_refused_by_every_worker_on_the_next_request(prefork_server, every_worker, rpc):
    created = rpc.generate_api_key("live revocation", allow_token_generation=True, rate_limit=0)
    status, _headers, issued = http_json(
        "POST", prefork_server.base_url + "/api/generate_token", {}, {"api-key": created["key"]}
    )
    assert status == 200
    headers = {"api-key": created["key"], "Login-Token": issued["login_token"]}
    search = "/api/res.partner/search?limit=1"
    assert every_worker("GET", search, headers) == {(200, JSON, None)}

    token_ids = rpc.execute("rest.api.token", "search", [("key_id", "=", created["id"])])
    assert len(token_ids) == 1
    rpc.execute("rest.api.token", "action_revoke", token_ids)
    assert every_worker("GET", search, headers) == {(401, PROBLEM, "The login token has been revoked.")}
    # the key alone still works
    assert {status for status, _type, _detail in every_worker("GET", search, {"api-key": created["key"]})} == {200}
