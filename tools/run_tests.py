#!/usr/bin/env python3
"""The test command: every addon test against a fresh Odoo 18 database, over real HTTP.

    python3 tools/run_tests.py [pytest arguments...]

Creates a throwaway database, installs the three addons, runs their tests with
pytest-odoo (``--odoo-http``: HttpCase tests talk to a real threaded Odoo
server), plus the live tests in ``livetests/`` (separate Odoo server processes
on a copy of that database) and the tests of the benchmark helpers, then drops
everything, also when stopped by Ctrl-C or SIGTERM (a CI timeout, ``docker
stop``). Databases that a killed run left behind are dropped by the next run
a day later. Exits non-zero on any failure, and at once, with instructions,
when Odoo or PostgreSQL is missing.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_env import (
    ADDONS,
    REPO_ROOT,
    TEST_DB_PREFIX,
    OdooWorkspace,
    drop_stale_databases,
    exit_on_sigterm,
    exits_on_setup_error,
    odoo_root,
    pg_connect,
)

TEST_PATHS = [*ADDONS, "livetests", "benchmarks"]
TEARDOWN_GRACE = 60  # seconds pytest gets to stop its servers and drop its databases once interrupted


def run_pytest(command, env):
    """pytest's exit code. pytest runs in its own session, so that a Ctrl-C reaches this
    process only; on Ctrl-C or SIGTERM, pytest gets one SIGINT and time to tear down its
    fixtures (the live servers, their databases) before this process drops its own."""
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, start_new_session=True)
    try:
        return process.wait()
    except BaseException:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=TEARDOWN_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise


@exits_on_setup_error
def main(argv):
    exit_on_sigterm()
    keep = "--keep-db" in argv
    pytest_args = [arg for arg in argv if arg != "--keep-db"]
    print(f"[odoo] using Odoo at {odoo_root()}", flush=True)
    pg_connect().close()
    drop_stale_databases(TEST_DB_PREFIX)
    workspace = OdooWorkspace(prefix=TEST_DB_PREFIX, keep=keep)
    try:
        database = workspace.create_database()
        live_database = workspace.copy_database(database, f"{database}_live")
        workspace.write_config(db_name=database, dbfilter=f"^{database}$")
        env = {
            **os.environ,
            "REST_API_ODOO_CONFIG": str(workspace.config_file),
            "REST_API_LIVE_DB": live_database,
        }
        command = [
            sys.executable, "-m", "pytest",
            f"--odoo-config={workspace.config_file}",
            "--odoo-http",
            "--odoo-log-level=error",
            *(pytest_args or TEST_PATHS),
        ]  # fmt: skip
        return run_pytest(command, env)
    finally:
        workspace.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
