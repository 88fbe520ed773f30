"""Multi-database selection against a real Odoo serving two databases.

The server runs as the README documents for multi-database hosts:
``--load=base,web,rest_api_core`` and a db filter that lets two databases
through, with ``--workers 2``. With several databases and no session Odoo
itself selects none (every API client would get 404), so API requests name
theirs with ``X-Odoo-Database`` (or ``?db=``).
"""

import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tools.odoo_env import OdooServer, SetupError, pg_connect

KEY_SCRIPT = """
key = env["res.users.apikeys"].with_user(env.ref("base.user_admin")).sudo()._generate(None, "live multi-db", False)
env.cr.commit()
print("API_KEY=" + key)
"""


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
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(server.base_url + path, data=data, headers=request_headers, method=method)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, _decode(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers, _decode(error)
    except OSError:
        return 0, {}, None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _decode(response):
    text = response.read().decode()
    content_type = response.headers.get("Content-Type", "")
    return json.loads(text) if "json" in content_type else text


def _create_key(workspace, database):
    result = subprocess.run(
        [sys.executable, "-m", "odoo", "shell", "-c", str(workspace.config_file), "-d", database, "--no-http"],
        input=KEY_SCRIPT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    match = re.search(r"API_KEY=([0-9a-f]{40})", result.stdout)
    if not match:
        raise SetupError(f"Could not create an API key in {database}:\n{result.stderr[-4000:]}")
    return match[1]


def _drop(workspace, databases):
    connection = pg_connect()
    try:
        with connection.cursor() as cursor:
            for name in databases:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()
    for name in databases:
        shutil.rmtree(workspace.data_dir / "filestore" / name, ignore_errors=True)


@pytest.fixture(scope="module")
def two_databases(live_workspace):
    """Two fresh databases with the addons and the same admin API key (the second is a copy)."""
    first = live_workspace.create_database()
    databases = [first]
    try:
        key = _create_key(live_workspace, first)
        databases.append(live_workspace.copy_database(first, f"{first}_b"))
        yield databases, key
    finally:
        _drop(live_workspace, databases)


@pytest.fixture(scope="module")
def database_without_api(live_workspace):
    """A database served by the same server, without the REST API addons."""
    name = live_workspace.create_database(modules=("web",))
    try:
        yield name
    finally:
        _drop(live_workspace, [name])


@pytest.fixture(scope="module")
def multidb_server(live_workspace, two_databases, database_without_api):
    databases = [*two_databases[0], database_without_api]
    with MultiDatabaseServer(live_workspace, databases, extra_args=["--workers=2", "--max-cron-threads=0"]) as server:
        yield server


def test_each_database_is_reached_by_name(multidb_server, two_databases):
    (first, second), key = two_databases
    status, headers, body = call(
        multidb_server, "POST", "/api/res.partner/create", database=first, key=key, body={"name": "Only in first"}
    )
    assert status == 201, body
    assert headers["Location"] == f"/api/res.partner/{body['id']}"
    domain = urllib.parse.quote("[('name', '=', 'Only in first')]")
    for database, expected in ((first, 1), (second, 0)):
        for _attempt in range(2):  # two workers: either may answer
            status, _headers, body = call(
                multidb_server, "GET", f"/api/res.partner/record_count?domain={domain}", database=database, key=key
            )
            assert status == 200, body
            assert body["record_count"] == expected, database


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
