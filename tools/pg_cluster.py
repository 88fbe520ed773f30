"""A private, throwaway PostgreSQL cluster on loopback for fault and replica tests.

``initdb`` + ``pg_ctl`` of the newest PostgreSQL under /usr/lib/postgresql in
a temporary directory, on a port of its own, so a test may stop it, start it
again or stream a replica from it without touching the machine's server.
PostgreSQL refuses to run as root: then its commands run as the ``postgres``
system user (every Debian PostgreSQL package creates it). Uses only the
standard library and psycopg2 (Odoo's dependency).
"""

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tools.odoo_env import OdooServer, OdooWorkspace, SetupError, free_port

SUPERUSER = "odoo_test"  # not "postgres": Odoo refuses to connect as that user
SERVER_USER = "postgres"  # the system user PostgreSQL runs as when this process is root


def postgres_bin():
    """The ``bin`` directory of the newest PostgreSQL installed under /usr/lib/postgresql."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    if not candidates:
        raise SetupError("No PostgreSQL server binaries under /usr/lib/postgresql/*/bin (Debian: postgresql).")
    return Path(candidates[-1]).parent


class PgCluster:
    """One PostgreSQL cluster: ``init()`` (or ``replica_of(primary)``), ``start()``, ``stop()``, ``remove()``.

    Listens on 127.0.0.1 only, with trust authentication, a superuser
    :data:`SUPERUSER`, and ``pg_stat_statements`` loaded (for statement
    counts per server). Its log is ``<directory>/postgres.log``.
    """

    def __init__(self, directory=None, port=None):
        self.directory = Path(directory or tempfile.mkdtemp(prefix="rest_api_pg_"))
        self.data = self.directory / "data"
        self.log_file = self.directory / "postgres.log"
        self.port = port or free_port()
        self.bin = postgres_bin()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                account = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise SetupError(f"PostgreSQL cannot run as root and there is no {SERVER_USER!r} user.") from None
            os.chown(self.directory, account.pw_uid, account.pw_gid)

    def _run(self, tool, *args, timeout=120):
        command = [str(self.bin / tool), *map(str, args)]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            raise SetupError(f"{tool} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
        return result.stdout

    def init(self):
        self._run("initdb", "-D", self.data, "-U", SUPERUSER, "--auth=trust", "--no-sync", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\nshared_preload_libraries = 'pg_stat_statements'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"  # throwaway data
                "max_connections = 100\n"
            )
        return self

    def replica_of(self, primary):
        """This cluster as a streaming replica of the running ``primary`` (``pg_basebackup -R``)."""
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", SUPERUSER, "-D", self.data,
            "-R", "-X", "stream", "--no-sync", "-c", "fast",
        )  # fmt: skip
        return self

    def start(self, timeout=60):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
        self._run("pg_ctl", "-D", self.data, "-l", self.log_file, "-o", options, "-w", "-t", timeout, "start")
        return self

    def stop(self, mode="fast"):
        """Stop the server if it runs (``fast``: roll back open transactions and disconnect)."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def remove(self):
        """Stop the server (``immediate``) and delete its directory; never raises."""
        with contextlib.suppress(SetupError, subprocess.TimeoutExpired, OSError):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def odoo_options(self):
        """Odoo configuration options to use this cluster as its database server."""
        return {"db_host": "127.0.0.1", "db_port": str(self.port), "db_user": SUPERUSER}

    def connect(self, dbname="postgres", autocommit=True):
        import psycopg2  # noqa: PLC0415 - Odoo's dependency, imported once Odoo is known

        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=dbname, connect_timeout=5
        )
        connection.autocommit = autocommit
        return connection

    def query(self, sql, params=(), dbname="postgres"):
        """The rows of one statement, on a connection of its own."""
        connection = self.connect(dbname)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def copy_database_from_main(self, source, name):
        """Database ``source`` of the machine's PostgreSQL (libpq's environment) copied here as ``name``."""
        self.query(f'CREATE DATABASE "{name}"')
        dump = subprocess.Popen(
            [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", source],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        restore = subprocess.run(
            [str(self.bin / "psql"), "-q", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", SUPERUSER, "-d", name],
            stdin=dump.stdout, capture_output=True, text=True, check=False, timeout=300,
        )  # fmt: skip
        dump.stdout.close()
        dump_error = dump.communicate(timeout=60)[1]
        if dump.returncode or restore.returncode:
            raise SetupError(f"Copying {source} failed: {dump_error.decode()[-1000:]} {restore.stderr[-1000:]}")

    def wait_replayed(self, replica, timeout=30):
        """Wait until ``replica`` has replayed everything this primary has written so far."""
        # the insert position: with synchronous_commit off, the last commit may not be written yet
        (lsn,) = self.query("SELECT pg_current_wal_insert_lsn()")[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (done,) = replica.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0]
            if done:
                return
            time.sleep(0.1)
        raise AssertionError(f"the replica did not replay {lsn} within {timeout}s")


def odoo_on_cluster(cluster, source_workspace, source_database, prefix, *, extra_args=(), config=None):
    """``(workspace, server)``: a ``--workers 2`` Odoo (not started) on ``cluster``, serving a copy of
    ``source_database`` of the machine's PostgreSQL (with its filestore); ``config``: more options."""
    workspace = OdooWorkspace(prefix=prefix)
    workspace.write_config(**cluster.odoo_options(), **(config or {}))
    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    cluster.copy_database_from_main(source_database, name)
    source_store = source_workspace.data_dir / "filestore" / source_database
    if source_store.is_dir():
        shutil.copytree(source_store, workspace.data_dir / "filestore" / name)
    arguments = ["--workers=2", "--max-cron-threads=0", *extra_args]
    return workspace, OdooServer(workspace, name, extra_args=arguments)


def print_errors(log_file):
    """The errors in an Odoo log, printed where pytest shows them for a failed test (the log goes
    with its workspace)."""
    if log_file.exists():
        lines = log_file.read_text(errors="replace").splitlines()
        errors = (line for line in lines if " ERROR " in line or line.startswith(("Traceback", "  ", "psycopg2")))
        print("\n".join(errors))
