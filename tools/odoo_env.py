"""Locating Odoo and PostgreSQL, and managing throwaway databases.

Shared by the test runner, the development server command, the live test
suite, the load tests and the benchmarks. Uses only the standard library and
what Odoo itself needs (psycopg2), so it works in Odoo's own Python.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("rest_api_auth", "rest_api_core", "rest_api_docs")

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


class SetupError(RuntimeError):
    """The machine lacks something the tests need; the message says what."""


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


def unique_db_name(prefix):
    return f"{prefix}_{time.strftime('%Y%m%d%H%M%S')}_{uuid.uuid4().hex[:6]}"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OdooWorkspace:
    """A private data directory and configuration file for one run.

    Databases created through it are dropped, with their filestores, by
    ``cleanup()``, so repeated or concurrent runs never see each other.
    """

    def __init__(self, prefix="rest_api", keep=False, directory=None):
        self.prefix = prefix
        self.keep = keep or directory is not None
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
    def attach(cls, config_file):
        """The workspace of an enclosing run (e.g. the test command's), left in place on exit."""
        workspace = cls.__new__(cls)
        workspace.config_file = Path(config_file)
        workspace.directory = workspace.config_file.parent
        workspace.data_dir = workspace.directory / "data"
        workspace.prefix, workspace.keep, workspace.databases = "rest_api", True, []
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

    def cleanup(self):
        if self.keep:
            print(f"[odoo] kept databases {self.databases} and {self.directory}")
            return
        connection = pg_connect()
        try:
            with connection.cursor() as cursor:
                for name in self.databases:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            connection.close()
        shutil.rmtree(self.directory, ignore_errors=True)


class OdooServer:
    """An Odoo server process on loopback serving one database (context manager).

    ``extra_args`` go to ``odoo`` as given, e.g. ``["--workers=2"]``. The
    server's output goes to ``log_file`` (``"-"``: this process's stderr); ``start()`` waits until
    ``/api/health`` answers 200.
    """

    def __init__(self, workspace, database, port=None, extra_args=(), log_file=None):
        self.workspace = workspace
        self.database = database
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

    def start(self, timeout=120):
        command = self.workspace.odoo_command(
            *self.server_args(), f"--http-port={self.port}", "--gevent-port", str(free_port()),
            "--log-level=warn", *self.extra_args,
        )  # fmt: skip
        if str(self.log_file) != "-":
            command.append(f"--logfile={self.log_file}")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"Odoo exited with {self.process.returncode}; see {self.log_file}")
            if self.ready():
                return self
            time.sleep(0.3)
        self.stop()
        raise SetupError(f"Odoo did not answer on {self.base_url} within {timeout}s; see {self.log_file}")

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
        request = urllib.request.Request(
            self.base_url + "/jsonrpc", json.dumps(payload).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
        if "error" in body:
            raise SetupError(f"{service}.{method} failed: {body['error']['data'].get('message', body['error'])}")
        return body["result"]

    def execute(self, model, method, *args, **kwargs):
        return self._call("object", "execute_kw", self.database, self.uid, self.password, model, method, args, kwargs)
