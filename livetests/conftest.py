"""Fixtures for tests against Odoo server processes (prefork workers, several hosts).

The test command (tools/run_tests.py) provides a database with the addons
installed (``REST_API_LIVE_DB``) and the configuration file to run it with
(``REST_API_ODOO_CONFIG``). These tests commit data, so they never share the
database the in-process HttpCase tests use.
"""

import os
import re
from collections import Counter
from urllib.parse import parse_qsl, unquote

import psutil
import pytest

from tools.odoo_env import TEST_DB_PREFIX, OdooRpc, OdooServer, OdooWorkspace

# Odoo logs each request it serves (logger werkzeug, at INFO) with the pid of the process that served it.
REQUEST_LOG = "--log-handler=werkzeug:INFO"
REQUEST_LINE = re.compile(r'^\S+ \S+ (?P<pid>\d+) INFO \S+ werkzeug: .*"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/')
BURSTS = 5  # bursts sent at most until two workers have served one


@pytest.fixture(scope="session")
def live_workspace():
    """The test command's workspace; databases the tests create through it are dropped at the end."""
    config = os.environ.get("REST_API_ODOO_CONFIG")
    database = os.environ.get("REST_API_LIVE_DB")
    if not (config and database):
        pytest.fail("Run the live tests through the test command: python3 tools/run_tests.py")
    workspace = OdooWorkspace.attach(config, prefix=TEST_DB_PREFIX)
    yield workspace
    workspace.cleanup()


@pytest.fixture(scope="session")
def live_database():
    return os.environ["REST_API_LIVE_DB"]


@pytest.fixture(scope="session")
def prefork_server(live_workspace, live_database):
    """Odoo with ``--workers 2`` on loopback: each request may land on either worker."""
    arguments = ["--workers=2", "--max-cron-threads=0", REQUEST_LOG]
    with OdooServer(live_workspace, live_database, extra_args=arguments) as server:
        yield server


@pytest.fixture(scope="session")
def rpc(prefork_server, live_database):
    """JSON-RPC as the administrator, e.g. to provision keys and change settings."""
    return OdooRpc(prefork_server.base_url, live_database)


def served_by(server, since, method, path):
    """``{pid: requests}``: the processes of ``server`` that served ``method path`` (as sent) according to
    what its log says after byte ``since``. The server logs requests when started with REQUEST_LOG."""
    with server.log_file.open("rb") as log:
        log.seek(since)
        lines = log.read().decode(errors="replace").splitlines()
    matches = (REQUEST_LINE.match(line) for line in lines)
    wanted = (method, _request_target(path))
    return Counter(int(m["pid"]) for m in matches if m and (m["method"], _request_target(m["path"])) == wanted)


def _request_target(target):
    """``target`` compared by meaning: the log shows the path partly unquoted, and the query
    re-encoded (credential parameters redacted, see rest_api_core.request_log)."""
    path, _mark, query = target.partition("?")
    return unquote(path), sorted(parse_qsl(query, keep_blank_values=True))


@pytest.fixture(scope="session")
def on_both_workers():
    """``on_both_workers(server, method, path, send)``: calls ``send()``, a burst of concurrent ``method path``
    requests to a prefork ``server`` started with REQUEST_LOG, until its log shows that two of its worker
    processes served them (at most BURSTS times); returns the list of what each call returned.

    Fails when fewer than two workers served them: a test of what every worker does then proves it.
    """

    def run(server, method, path, send):
        answers, pids = [], Counter()
        while len(pids) < 2 and len(answers) < BURSTS:
            since = server.log_file.stat().st_size
            answers.append(send())
            pids += served_by(server, since, method, path)
        assert len(pids) >= 2, f"{method} {path}: served by {dict(pids)} in {len(answers)} bursts, not two workers"
        workers = {child.pid for child in psutil.Process(server.process.pid).children()}
        assert set(pids) <= workers, f"{set(pids)} are not all worker processes of the server ({workers})"
        return answers

    return run
