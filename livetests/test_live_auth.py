"""Key deactivation and token revocation reach every worker process on the very next request.

Odoo runs with ``--workers 2``: each worker keeps its own verified-key cache, so
the change made through JSON-RPC (served by one worker) must clear the cache of
the other through Odoo's cache signalling. Requests are sent in concurrent
bursts of new connections (Odoo's workers close the connection after each
request), so both workers serve some of every burst.
"""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tools.odoo_env import OdooRpc

BURST = 40
CONCURRENCY = 8


@pytest.fixture(scope="module")
def rpc(prefork_server, live_database):
    rpc = OdooRpc(prefork_server.base_url, live_database)
    parameters = "ir.config_parameter"
    previous = rpc.execute(parameters, "get_param", "rest_api.failed_auth_limit")
    # this module sends many refused requests from 127.0.0.1; keep the per-IP limit out of the way
    rpc.execute(parameters, "set_param", "rest_api.failed_auth_limit", "1000000")
    yield rpc
    rpc.execute(parameters, "set_param", "rest_api.failed_auth_limit", previous)


def call(base_url, method, path, headers, body=None):
    data = json.dumps(body or {}).encode() if method == "POST" else None
    request = urllib.request.Request(
        base_url + path, data, {"Content-Type": "application/json", **headers}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.load(error)


def burst(base_url, path, headers, method="POST"):
    """``BURST`` requests, ``CONCURRENCY`` at a time; the set of their (status, content type, detail)."""
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(lambda _i: call(base_url, method, path, headers), range(BURST)))
    return {
        (status, content_type, body.get("detail") if isinstance(body, dict) else None)
        for status, content_type, body in results
    }


def test_deactivated_key_is_refused_by_every_worker_on_the_next_request(prefork_server, rpc):
    created = rpc.execute(
        "rest.api.key",
        "generate_api_key",
        {"name": "live deactivation", "allow_token_generation": True, "rate_limit": 0},
    )
    headers = {"api-key": created["key"]}
    # every worker verifies the key once and keeps it in its cache
    assert burst(prefork_server.base_url, "/api/generate_token", headers) == {
        (200, "application/json; charset=utf-8", None)
    }

    rpc.execute("rest.api.key", "write", [created["id"]], {"active": False})
    assert burst(prefork_server.base_url, "/api/generate_token", headers) == {
        (401, "application/problem+json", "This API key is deactivated.")
    }

    rpc.execute("rest.api.key", "write", [created["id"]], {"active": True})
    assert {status for status, _type, _detail in burst(prefork_server.base_url, "/api/generate_token", headers)} == {
        200
    }

    rpc.execute("rest.api.key", "unlink", [created["id"]])
    assert burst(prefork_server.base_url, "/api/generate_token", headers) == {
        (401, "application/problem+json", "Invalid API key.")
    }


def test_revoked_login_token_is_refused_by_every_worker_on_the_next_request(prefork_server, rpc):
    created = rpc.execute(
        "rest.api.key",
        "generate_api_key",
        {"name": "live revocation", "allow_token_generation": True, "rate_limit": 0},
    )
    status, _type, issued = call(prefork_server.base_url, "POST", "/api/generate_token", {"api-key": created["key"]})
    assert status == 200
    headers = {"api-key": created["key"], "Login-Token": issued["login_token"]}
    search = "/api/res.partner/search?limit=1"
    assert burst(prefork_server.base_url, search, headers, "GET") == {(200, "application/json; charset=utf-8", None)}

    token_ids = rpc.execute("rest.api.token", "search", [("key_id", "=", created["id"])])
    assert len(token_ids) == 1
    rpc.execute("rest.api.token", "action_revoke", token_ids)
    assert burst(prefork_server.base_url, search, headers, "GET") == {
        (401, "application/problem+json", "The login token has been revoked.")
    }
    # the key alone still works
    assert {
        status for status, _type, _detail in burst(prefork_server.base_url, search, {"api-key": created["key"]}, "GET")
    } == {200}
