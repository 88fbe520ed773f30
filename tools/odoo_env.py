"""Locating Odoo and PostgreSQL, and managing throwaway databases.

Shared by the test runner, the development server command, the live test
suite, the load tests and the benchmarks. Uses only the standard library and
what Odoo itself needs (psycopg2, psutil), so it works in Odoo's own Python.
"""

import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("rest_api_auth", "rest_api_core", "rest_api_docs")
TEST_DB_PREFIX = "rest_api_test"  # the databases of the test command and of its live tests

INSTALL_ODOO_HELP = """\
Odoo 18.0 is not importable by {python}.

The REST API addons are tested inside a real Odoo 18. Install it first, either:
  * from the official source:
      git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git ~/odoo18
      pip install -r ~/odoo18/requirements.txt && pip install -e ~/odoo18
    (so that `python3 -c "import odoo"` works), or
  * with Docker, using the official image:
      docker compose -f docker/docker-compose.yml run --rm test
"""


def exit_on_sigterm():
    """Turn SIGTERM (a CI timeout, ``docker stop``, ``kill``) into SystemExit, so that the
    ``finally`` clauses stop the Odoo servers and drop the databases."""

    def handler(signum, _frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the cleanup short
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


class SetupError(RuntimeError):
    """The machine lacks something the tests need; the message says what."""


def exits_on_setup_error(main):
    """Wrap a command's ``main(argv)``: a SetupError ends it with its message and exit status 2
    (the ``finally`` clauses inside have run), not a traceback."""

    @functools.wraps(main)
    def wrapper(argv):
        try:
            return main(argv)
        except SetupError as error:
            print(f"ERROR: {error}", file=sys.stderr)
            return 2

    return wrapper


def odoo_root():
    """The directory of the importable ``odoo`` package; SetupError when missing."""
    try:
        import odoo  # noqa: PLC0415 - the point is to probe the import
        from odoo import release  # noqa: PLC0415
    except ImportError as error:
        raise SetupError(INSTALL_ODOO_HELP.format(python=sys.executable) + f"\n({error})") from error
    if release.version_info[:2] != (18, 0):
        raise SetupError(f"Odoo 18.0 is required, found {release.version} at {odoo.__file__}")
    return Path(odoo.__file__).resolve().parent


def addons_path():
    """Odoo's own default addons path (as ``odoo-bin`` derives it) plus this repository."""
    root = odoo_root()
    paths = [root / "addons", root.parent / "addons"]
    return ",".join(str(path) for path in paths if path.is_dir()) + f",{REPO_ROOT}"


def pg_connect(dbname="postgres"):
    """A connection to PostgreSQL using libpq's environment (PGHOST, PGUSER, ...)."""
    import psycopg2  # noqa: PLC0415 - Odoo's dependency, imported once Odoo is known

    try:
        connection = psycopg2.connect(dbname=dbname, connect_timeout=5)
    except psycopg2.OperationalError as error:
        raise SetupError(
            f"PostgreSQL is not reachable ({str(error).strip()}).\n"
            "Start it, or point PGHOST/PGPORT/PGUSER/PGPASSWORD at a running server."
        ) from error
    connection.autocommit = True
    return connection


def pg_value(dbname, sql, params=()):
    """The first column of the first row ``sql`` returns in ``dbname``."""
    connection = pg_connect(dbname)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        connection.close()


DB_NAME_TIME_FORMAT = "%Y%m%d%H%M%S"


def unique_db_name(prefix):
    """``<prefix>_<local time>_<random>``: unique, and telling when it was made (see drop_stale_databases)."""
    return f"{prefix}_{time.strftime(DB_NAME_TIME_FORMAT)}_{uuid.uuid4().hex[:6]}"


def drop_stale_databases(prefix, older_than=timedelta(days=1)):
    """Drop the databases named by ``unique_db_name(prefix)`` (and their copies) made more than
    ``older_than`` ago: what a killed run left behind. One still in use is left alone."""
    import psycopg2  # noqa: PLC0415 - Odoo's dependency, imported once Odoo is known

    pattern = re.compile(rf"{re.escape(prefix)}_(\d{{14}})_[0-9a-f]{{6}}(_\w+)?")
    cutoff = datetime.now() - older_than
    dropped = []
    connection = pg_connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{prefix}\\_%"])
            for (name,) in cursor.fetchall():
                match = pattern.fullmatch(name)
                if not match or datetime.strptime(match[1], DB_NAME_TIME_FORMAT) > cutoff:
                    continue
                try:
                    cursor.execute(f'DROP DATABASE "{name}"')
                except psycopg2.errors.ObjectInUse:
                    continue
                dropped.append(name)
    finally:
        connection.close()
    if dropped:
        print(f"[odoo] dropped {len(dropped)} databases left by earlier runs: {', '.join(dropped)}", flush=True)
    return dropped


def drop_databases(names):
    """Drop the databases ``names`` that exist, closing the connections still open to them."""
    connection = pg_connect()
    try:
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


def free_port():
    """A port free right now; another process may take it before it is used (see OdooServer.start)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tools_venv(*required):
    """The ``bin`` directory of the tools virtualenv (requirements-tools.txt): ``$TOOLS_VENV``
    (relative to the repository) or the repository's ``.venv-tools``; SetupError when one
    of the ``required`` executables is not in it."""
    venv = Path(os.environ.get("TOOLS_VENV", ".venv-tools"))
    bin_dir = (venv if venv.is_absolute() else REPO_ROOT / venv) / "bin"
    for name in required:
        if not os.access(bin_dir / name, os.X_OK):
            raise SetupError(
                f"{name} is not installed at {bin_dir / name}.\n"
                "Create the tools virtualenv with `make tools-venv` (requirements-tools.txt), "
                "or point TOOLS_VENV at one that has it (the Docker image's test target does)."
            )
    return bin_dir


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http_json(method, url, body=None, headers=None, timeout=60):
    """``(status, headers, body)`` of one HTTP request, for clients of the API under test.

    ``body`` is sent as JSON. An error status is returned, not raised, and a redirect
    is returned, not followed (an API answers, it does not redirect). The response body
    is decoded JSON when its content type says JSON (problem+json included), else text.
    Network errors (``OSError``) propagate.
    """
    headers = {"Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data, headers, method=method)
    try:
        response = _opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        text = response.read().decode()
        is_json = "json" in response.headers.get("Content-Type", "")
        return response.status, response.headers, json.loads(text) if is_json and text else text


class OdooWorkspace:
    """A private data directory and configuration file for one run.

    Databases created through it are dropped, with their filestores, by
    ``cleanup()``, so repeated or concurrent runs never see each other.
    """

    def __init__(self, prefix="rest_api", keep=False, directory=None):
        self.prefix = prefix
        self.keep = keep or directory is not None
        self.owns_directory = directory is None
        if directory:
            self.directory = Path(directory)
            self.directory.mkdir(parents=True, exist_ok=True)
        else:
            self.directory = Path(tempfile.mkdtemp(prefix=f"{prefix}_"))
        self.data_dir = self.directory / "data"
        self.config_file = self.directory / "odoo.conf"
        self.databases = []
        self.write_config()

    @classmethod
    def attach(cls, config_file, prefix="rest_api"):
        """The workspace of an enclosing run (e.g. the test command's): ``cleanup()`` drops the
        databases created through this object and leaves the directory and the configuration."""
        workspace = cls.__new__(cls)
        workspace.config_file = Path(config_file)
        workspace.directory = workspace.config_file.parent
        workspace.data_dir = workspace.directory / "data"
        workspace.prefix, workspace.keep, workspace.owns_directory, workspace.databases = prefix, False, False, []
        return workspace

    def write_config(self, **overrides):
        options = {
            "addons_path": addons_path(),
            "data_dir": str(self.data_dir),
            "http_interface": "127.0.0.1",
            "list_db": "False",
            "max_cron_threads": "0",
            "log_level": "warn",
            **overrides,
        }
        lines = ["[options]"] + [f"{key} = {value}" for key, value in options.items()]
        self.config_file.write_text("\n".join(lines) + "\n")

    def odoo_command(self, *args, subcommand=None):
        """``odoo [subcommand] -c <config> args...`` through a launcher script, as ``odoo-bin`` runs.

        Not ``python -m odoo``: with ``--workers`` the prefork server starts its
        gevent process by re-running ``sys.argv[0]``, and ``odoo/__main__.py``
        run as a script fails (relative import), so the server respawns it in a loop.
        """
        launcher = self.directory / "odoo-launcher.py"
        if not launcher.exists():
            launcher.write_text("import odoo\n\nodoo.cli.main()\n")
        subcommands = [subcommand] if subcommand else []
        return [sys.executable, str(launcher), *subcommands, "-c", str(self.config_file), *args]

    def database_exists(self, name):
        connection = pg_connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                return cursor.fetchone() is not None
        finally:
            connection.close()

    def create_database(self, name=None, modules=ADDONS, demo=False):
        """A new database with ``modules`` installed (and their demo data if ``demo``)."""
        name = name or unique_db_name(self.prefix)
        self.databases.append(name)
        args = ["-d", name, "-i", ",".join(modules), "--stop-after-init", "--no-http"]
        if not demo:
            args.append("--without-demo=all")
        started = time.monotonic()
        result = subprocess.run(self.odoo_command(*args), check=False, capture_output=True, text=True)
        if result.returncode != 0 or "ERROR" in result.stderr:
            sys.stderr.write(result.stderr[-8000:])
            raise SetupError(f"Installing {', '.join(modules)} into {name} failed (exit {result.returncode}).")
        print(f"[odoo] {name}: installed {', '.join(modules)} in {time.monotonic() - started:.0f}s", flush=True)
        return name

    def copy_database(self, source, name=None):
        """A copy of ``source`` (no connection to it may be open), filestore included."""
        name = name or f"{source}_copy"
        connection = pg_connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}" WITH TEMPLATE "{source}"')
        finally:
            connection.close()
        self.databases.append(name)
        source_store = self.data_dir / "filestore" / source
        if source_store.is_dir():
            shutil.copytree(source_store, self.data_dir / "filestore" / name)
        return name

    def shell(self, database, script):
        """What ``script`` prints, run by ``odoo shell`` on ``database`` (as superuser, in ``env``;
        it commits what must stay); SetupError when it fails."""
        result = subprocess.run(
            self.odoo_command("-d", database, "--no-http", subcommand="shell"),
            input=script,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            sys.stderr.write(result.stderr[-8000:])
            raise SetupError(f"odoo shell on {database} failed (exit {result.returncode}).")
        return result.stdout

    def drop(self, names):
        """Drop the databases ``names`` created through this workspace, with their filestores, now."""
        drop_databases(names)
        for name in names:
            shutil.rmtree(self.data_dir / "filestore" / name, ignore_errors=True)
        self.databases = [name for name in self.databases if name not in names]

    def cleanup(self):
        """Drop the databases created through this workspace, with their filestores, then
        the directory if this workspace made it; nothing when told to keep them."""
        if self.keep:
            print(f"[odoo] kept databases {self.databases} and {self.directory}")
            return
        self.drop(self.databases)
        if self.owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)


class OdooServer:
    """An Odoo server process on loopback serving one database (context manager).

    ``extra_args`` go to ``odoo`` as given, e.g. ``["--workers=2"]``; ``prefix`` runs it under
    another command (``["valgrind", ...]``), ``env`` adds to its environment. The
    server's output goes to ``log_file`` (``"-"``: this process's stderr); ``start()`` waits until
    ``/api/health`` answers 200.
    """

    PORT_ATTEMPTS = 3

    def __init__(self, workspace, database, port=None, extra_args=(), log_file=None, *, prefix=(), env=None):
        self.workspace = workspace
        self.prefix = list(prefix)
        self.env = env
        self.database = database
        self.fixed_port = port is not None
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.log_file = Path(log_file or workspace.directory / f"server_{self.port}.log")
        self.process = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def server_args(self):
        """Serve ``-d`` only, with no db filter: Odoo then never lists the databases on the
        PostgreSQL server, which it otherwise does on every request without a session."""
        return ["-d", self.database, "--db-filter="]

    def ready(self):
        try:
            with urllib.request.urlopen(self.base_url + "/api/health", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def listening(self):
        """Whether this server's own process listens on the port: a concurrent run's server
        that took the port first would answer ``ready()`` too."""
        import psutil  # noqa: PLC0415 - Odoo's dependency, imported once Odoo is known

        try:
            process = psutil.Process(self.process.pid)
            connections = (getattr(process, "net_connections", None) or process.connections)("tcp")
        except psutil.Error:
            return False
        return any(c.status == psutil.CONN_LISTEN and c.laddr.port == self.port for c in connections)

    def start(self, timeout=120):
        """Start Odoo and wait until it answers. A port that ``free_port()`` found free may be
        taken by a concurrent run before Odoo binds it: then try other ports (unless given)."""
        for _attempt in range(self.PORT_ATTEMPTS):
            if self._launch(timeout):
                return self
            if self.fixed_port:
                break
            self.port = free_port()
        raise SetupError(f"Odoo could not listen on port {self.port}: address already in use; see {self.log_file}")

    def _launch(self, timeout):
        """True once serving; False when the port was already in use; SetupError on any other failure."""
        command = self.prefix + self.workspace.odoo_command(
            *self.server_args(), f"--http-port={self.port}", "--gevent-port", str(free_port()),
            "--log-level=warn", *self.extra_args,
        )  # fmt: skip
        log_start, output = 0, None
        if str(self.log_file) != "-":
            command.append(f"--logfile={self.log_file}")
            # what Odoo prints before its logging starts (e.g. the traceback of a failed bind) goes there too
            output = self.log_file.open("ab")
            log_start = output.tell()
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
                env={**os.environ, **self.env} if self.env else None,
            )
        finally:
            if output:
                output.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if output and "Address already in use" in self._log_since(log_start):
                    return False
                raise SetupError(f"Odoo exited with {self.process.returncode}; see {self.log_file}")
            if self.ready() and self.listening():
                return True
            time.sleep(0.3)
        self.stop()
        raise SetupError(f"Odoo did not answer on {self.base_url} within {timeout}s; see {self.log_file}")

    def _log_since(self, offset):
        with self.log_file.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class OdooRpc:
    """Odoo's external API (``/jsonrpc``, ``execute_kw``) as a given login, e.g. to provision keys."""

    def __init__(self, base_url, database, login="admin", password="admin"):  # noqa: S107 - Odoo's demo admin
        self.base_url, self.database, self.password = base_url, database, password
        self.uid = self._call("common", "login", database, login, password)
        if not self.uid:
            raise SetupError(f"Cannot log in to {database} as {login!r}")

    def _call(self, service, method, *args):
        payload = {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args}}
        status, _headers, body = http_json("POST", self.base_url + "/jsonrpc", payload)
        if status != 200 or not isinstance(body, dict):
            raise SetupError(f"{service}.{method}: HTTP {status}: {str(body)[:500]}")
        if "error" in body:
            raise SetupError(f"{service}.{method} failed: {body['error']['data'].get('message', body['error'])}")
        return body["result"]

    def execute(self, model, method, *args, **kwargs):
        return self._call("object", "execute_kw", self.database, self.uid, self.password, model, method, args, kwargs)

    def generate_api_key(self, name, **values):
        """A new REST API key through the provisioning API: ``{"id": ..., "key": <its secret>, ...}``."""
        return self.execute("rest.api.key", "generate_api_key", {"name": name, **values})

    @contextmanager
    def config_parameters(self, values):
        """Set the system parameters ``values`` (name: value) for the ``with`` block, then restore them."""
        parameters = "ir.config_parameter"
        previous = {name: self.execute(parameters, "get_param", name) for name in values}
        for name, value in values.items():
            self.execute(parameters, "set_param", name, value)
        try:
            yield
        finally:
            for name, value in previous.items():
                self.execute(parameters, "set_param", name, value)
