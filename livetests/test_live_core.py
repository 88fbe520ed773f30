"""Multi-database selection against a real Odoo serving two databases.

The server runs as the README documents for multi-database hosts:
``--load=base,web,rest_api_core`` and a db filter that lets two databases
through, with ``--workers 2``. With several databases and no session Odoo
itself selects none (every API client would get 404), so API requests name
theirs with ``X-Odoo-Database`` (or ``?db=``).
"""

import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from tools.odoo_env import OdooServer, SetupError, http_json

KEY_SCRIPT = """
key = env["res.users.apikeys"].with_user(env.ref("base.user_admin")).sudo()._generate(None, "live multi-db", False)
env.cr.commit()
print("API_KEY=" + key)
"""
BURST = 8  # concurrent requests sent to the workers at once
# Odoo logs each request with the pid of the worker that served it (see on_both_workers).
REQUEST_LOG = "--log-handler=werkzeug:INFO"


class MultiDatabaseServer(OdooServer):
    """Odoo with ``rest_api_core`` loaded server-wide, serving the databases ``databases``."""

    def __init__(self, workspace, databases, extra_args=()):
        super().__init__(workspace, databases[0], extra_args=extra_args)
        self.databases = databases

    def server_args(self):
        db_filter = "^({})$".format("|".join(re.escape(name) for name in self.databases))
        return ["-d", ",".join(self.databases), f"--db-filter={db_filter}", "--load=base,web,rest_api_core"]

    def ready(self):
        return call(self, "GET", "/api/health", database=self.databases[0])[0] == 200


def call(server, method, path, *, database=None, key=None, body=None, headers=None):
    """(status, headers, decoded JSON body or text) of one request; (0, {}, None) when unreachable."""
    request_headers = dict(headers or {})
    if database:
        request_headers["X-Odoo-Database"] = database
    if key:
        request_headers["api-key"] = key
    try:
        return http_json(method, server.base_url + path, body, request_headers, timeout=30)
    except OSError:
        return 0, {}, None


def create_admin_key(workspace, database):
    """A REST API key of the administrator of ``database`` (an Odoo API key: the README's multi-database setup)."""
    match = re.search(r"API_KEY=([0-9a-f]{40})", workspace.shell(database, KEY_SCRIPT))
    if not match:
        raise SetupError(f"Could not create an API key in {database}")
    return match[1]


@pytest.fixture(scope="module")
def two_databases(live_workspace):
    """Two fresh databases with the addons and the same admin API key (the second is a copy)."""
    first = live_workspace.create_database()
    databases = [first]
    try:
        key = create_admin_key(live_workspace, first)
        databases.append(live_workspace.copy_database(first, f"{first}_b"))
        yield databases, key
    finally:
        live_workspace.drop(databases)


@pytest.fixture(scope="module")
def database_without_api(live_workspace):
    """A database served by the same server, without the REST API addons."""
    name = live_workspace.create_database(modules=("web",))
    try:
        yield name
    finally:
        live_workspace.drop([name])


@pytest.fixture(scope="module")
def multidb_server(live_workspace, two_databases, database_without_api):
    databases = [*two_databases[0], database_without_api]
    arguments = ["--workers=2", "--max-cron-threads=0", REQUEST_LOG]
    with MultiDatabaseServer(live_workspace, databases, extra_args=arguments) as server:
        yield server


def count_burst(server, path, **request):
    """``BURST`` concurrent GETs of ``path`` (a record_count): their (status, record count or body)."""
    with ThreadPoolExecutor(BURST) as pool:
        answers = pool.map(lambda _index: call(server, "GET", path, **request), range(BURST))
        return [(status, body["record_count"] if status == 200 else str(body)) for status, _headers, body in answers]


def test_each_database_is_reached_by_name_on_every_worker(multidb_server, two_databases, on_both_workers):
    (first, second), key = two_databases
    status, headers, body = call(
        multidb_server, "POST", "/api/res.partner/create", database=first, key=key, body={"name": "Only in first"}
    )
    assert status == 201, body
    assert headers["Location"] == f"/api/res.partner/{body['id']}"
    path = "/api/res.partner/record_count?domain=" + urllib.parse.quote("[('name', '=', 'Only in first')]")
    for database, expected in ((first, 1), (second, 0)):
        # each worker opens the database's registry itself, the first time a request names it
        send = partial(count_burst, multidb_server, path, database=database, key=key)
        answers = [answer for burst in on_both_workers(multidb_server, "GET", path, send) for answer in burst]
        assert set(answers) == {(200, expected)}, database


def test_db_query_parameter(multidb_server, two_databases):
    (_first, second), key = two_databases
    query = urllib.parse.urlencode({"db": second, "fields": "['login']"})
    status, _headers, body = call(multidb_server, "GET", f"/api/res.users/search?{query}", key=key)
    assert status == 200, body
    assert "admin" in [row["login"] for row in body]


def test_no_database_named_is_a_400_problem(multidb_server, two_databases):
    _databases, key = two_databases
    for path in ("/api/res.partner/search", "/api/health", "/api/no/such/path"):
        status, headers, body = call(multidb_server, "GET", path, key=key, headers={"X-Request-ID": "live-1"})
        assert status == 400, (path, body)
        assert headers["Content-Type"] == "application/problem+json"
        assert "X-Odoo-Database" in body["detail"]
        assert headers["X-Request-ID"] == "live-1"


def test_filtered_out_or_unknown_database_is_a_404_problem(multidb_server, two_databases, live_database):
    _databases, key = two_databases
    for name in (live_database, "postgres", "no_such_database_at_all"):
        status, headers, body = call(multidb_server, "GET", "/api/res.partner/search", database=name, key=key)
        assert status == 404, (name, body)
        assert headers["Content-Type"] == "application/problem+json"
        assert body["detail"] == f"Database {name!r} is not available on this server."


def test_database_without_the_addons_is_a_404_problem(multidb_server, two_databases, database_without_api):
    _databases, key = two_databases
    for path in ("/api/res.partner/search", "/api/health"):
        status, headers, body = call(multidb_server, "GET", path, database=database_without_api, key=key)
        assert status == 404, (path, body)
        assert headers["Content-Type"] == "application/problem+json"
        assert body["detail"] == f"The REST API is not installed in database {database_without_api!r}."


def test_other_routes_keep_odoos_database_selection(multidb_server, two_databases):
    (first, _second), _key = two_databases
    # Without a session Odoo picks no database here, and the header changes nothing outside /api.
    plain = call(multidb_server, "GET", "/web/login")
    named = call(multidb_server, "GET", "/web/login", database=first)
    assert plain[0] == named[0]
    assert plain[1].get("Location") == named[1].get("Location")
    assert "/web/database/selector" in plain[1]["Location"]
    assert call(multidb_server, "GET", "/web/health")[0] == 200
