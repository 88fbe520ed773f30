"""The request log and the metrics on a ``--workers 2`` server: every worker's background thread stores its
rows and counters, any worker's /api/metrics shows them all, and no secret sent in the run reaches the table,
the metrics or the server log (Odoo's own access log included); the log's graph and pivot views and a key's
Usage chart in headless Chromium, with screenshots in the artifacts."""

import json
import os
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from livetests.test_live_docs import ARTIFACTS, NODE_MODULES, TOOLS_JS, node_tool, required_tool, run_client
from tools.odoo_env import http_json, pg_connect

FLUSH_WAIT = 30  # seconds: the workers flush every 5 s; the machine may be slow
SEARCH = "/api/res.partner/search"


def logged_rows(database, request_ids):
    connection = pg_connect(database)
    try:
        with connection.cursor() as cr:
            cr.execute(
                "SELECT request_id, status, query, log::text, key_id FROM rest_api_request_log log"
                " WHERE request_id = ANY(%s)",
                [list(request_ids)],
            )
            return {
                request_id: (status, query, text, key_id) for request_id, status, query, text, key_id in cr.fetchall()
            }
    finally:
        connection.close()


def table_text(database):
    connection = pg_connect(database)
    try:
        with connection.cursor() as cr:
            cr.execute("SELECT log::text FROM rest_api_request_log log")
            return "\n".join(text for (text,) in cr.fetchall())
    finally:
        connection.close()


def scrape(base, secret):
    status, headers, text = http_json("GET", base + "/api/metrics", headers={"api-key": secret})
    assert status == 200, text
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return text


def counter(text, sample):
    values = [line.rpartition(" ")[2] for line in text.splitlines() if line.startswith(sample + " ")]
    return float(values[0]) if values else 0


def test_every_worker_logs_and_no_secret_is_stored_or_logged(prefork_server, rpc, live_database, on_both_workers):
    base = prefork_server.base_url
    since = prefork_server.log_file.stat().st_size
    with rpc.config_parameters({"rest_api.request_log_mode": "all"}):
        created = rpc.generate_api_key("live request log", rate_limit=0, allow_token_generation=True)
        limited = rpc.generate_api_key("live request log, one request", rate_limit=1, rate_period=3600, rate_burst=1)
        rpc.execute("rest.api.key", "write", [created["id"]], {"allow_metrics": True})
        secret = created["key"]
        status, _headers, body = http_json("POST", base + "/api/generate_token", {}, {"api-key": secret})
        assert status == 200, body
        token = body["login_token"]
        wrong_key = "wrong-" + uuid.uuid4().hex
        password = "pw-" + uuid.uuid4().hex
        secrets = (secret, token, wrong_key, password)
        calls = [
            (SEARCH + "?limit=1", {"api-key": secret, "Login-Token": token}),
            (SEARCH + "?limit=1", {"Authorization": f"Bearer {token}", "api-key": secret}),
            (f"{SEARCH}?api_key={wrong_key}&password={password}&token={token}", {"api-key": secret}),
            (SEARCH, {"api-key": wrong_key, "Cookie": f"session_id={password}"}),
        ]
        # the second request of the one-request key is refused (429), and logged with that key
        limited_calls = [(SEARCH + "?limit=1", {"api-key": limited["key"]})] * 2
        request_ids = []

        def send_burst():
            def one(call):
                path, headers = call
                request_id = f"live-log-{uuid.uuid4()}"
                request_ids.append(request_id)
                return http_json("GET", base + path, headers={**headers, "X-Request-ID": request_id}, timeout=30)[0]

            with ThreadPoolExecutor(len(calls)) as pool:
                return list(pool.map(one, calls))

        before = scrape(base, secret)
        bursts = on_both_workers(prefork_server, "GET", SEARCH + "?limit=1", send_burst)
        assert all(statuses == [200, 200, 200, 401] for statuses in bursts), bursts
        limited_ids = [f"live-log-limited-{uuid.uuid4()}" for _call in limited_calls]
        limited_statuses = [
            http_json("GET", base + path, headers={**headers, "X-Request-ID": request_id}, timeout=30)[0]
            for (path, headers), request_id in zip(limited_calls, limited_ids, strict=True)
        ]
        assert limited_statuses == [200, 429], limited_statuses
        request_ids.extend(limited_ids)

        deadline = time.monotonic() + FLUSH_WAIT
        rows = logged_rows(live_database, request_ids)
        while len(rows) < len(request_ids) and time.monotonic() < deadline:
            time.sleep(1)
            rows = logged_rows(live_database, request_ids)
        after = scrape(base, secret)  # every worker's counters are stored with its rows
    assert set(rows) == set(request_ids), "rows of a worker were not stored by its background thread"
    ok = 'rest_api_requests_total{route="/api/<string:model>/search",method="GET",status="200"}'
    assert counter(after, ok) - counter(before, ok) >= 3 * len(bursts)
    assert any(query and "api_key=[redacted]" in query for _status, query, _text, _key in rows.values())
    # each row names the key that was verified (also when it was refused: who is being throttled)
    keys = {(status, key_id) for status, _query, _text, key_id in rows.values()}
    assert keys == {(200, created["id"]), (401, None), (200, limited["id"]), (429, limited["id"])}, keys

    table = table_text(live_database)
    server_log = prefork_server.log_file.read_bytes()[since:].decode(errors="replace")
    assert "api_key=[redacted]" in server_log  # Odoo's access log line, redacted
    for value in secrets:
        assert value not in after
        assert value not in table
        assert value not in server_log


def test_log_views_and_key_usage_in_headless_chromium(prefork_server, rpc, live_database):
    """The graph and pivot of REST API > Requests and a key's Usage chart render for an administrator."""
    node = required_tool("Node.js", "install Node.js 20 or later", shutil.which("node"))
    chromium = required_tool(
        "Chromium",
        "apt-get install chromium (see .ci/run), or point CHROMIUM at a Chromium or Chrome executable",
        os.environ.get("CHROMIUM"),
        "/usr/bin/chromium",
    )
    node_tool("newman")  # the npm tools are installed (playwright-core comes with newman)
    base = prefork_server.base_url
    with rpc.config_parameters({"rest_api.request_log_mode": "all"}):
        created = rpc.generate_api_key("live usage chart", rate_limit=0)
        request_ids = [f"live-chart-{uuid.uuid4()}" for _ in range(6)]
        for index, request_id in enumerate(request_ids):
            path = SEARCH + "?limit=1" if index % 3 else "/api/res.partner/999999999"
            http_json("GET", base + path, headers={"api-key": created["key"], "X-Request-ID": request_id})
        deadline = time.monotonic() + FLUSH_WAIT
        while len(logged_rows(live_database, request_ids)) < len(request_ids) and time.monotonic() < deadline:
            time.sleep(1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    names = ("request_log_graph", "request_log_pivot", "key_form", "key_usage_graph")
    for name in names:
        (ARTIFACTS / f"{name}.png").unlink(missing_ok=True)
    command = [
        node,
        str(TOOLS_JS / "request-log-screenshots.mjs"),
        base,
        "admin",
        "admin",
        str(created["id"]),
        str(ARTIFACTS),
    ]
    node_path = os.pathsep.join(str(modules) for modules in NODE_MODULES)
    result = run_client(command, env={**os.environ, "CHROMIUM": chromium, "NODE_PATH": node_path})
    assert result.returncode == 0, result.stderr[-4000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "error" not in seen, seen
    assert seen["listRows"] >= len(request_ids)
    assert seen["pivotHeaders"] >= 2
    assert "Usage of live usage chart" in seen["usageTitle"]
    assert seen["rpcErrors"] == [], seen
    assert seen["pageErrors"] == [], seen
    assert seen["consoleErrors"] == [], seen
    for name in names:
        screenshot = ARTIFACTS / f"{name}.png"
        assert screenshot.is_file() and screenshot.stat().st_size > 10000, screenshot
