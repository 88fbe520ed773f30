#!/usr/bin/env python3
"""The test command: every addon test against a fresh Odoo 18 database, over real HTTP.

    python3 tools/run_tests.py [pytest arguments...]

Creates a throwaway database, installs the three addons, runs their tests with
pytest-odoo (``--odoo-http``: HttpCase tests talk to a real threaded Odoo
server), plus the live tests in ``livetests/`` (separate Odoo server processes
on a copy of that database), then drops everything. Exits non-zero on any
failure, and at once, with instructions, when Odoo or PostgreSQL is missing.
"""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_env import ADDONS, REPO_ROOT, OdooWorkspace, SetupError, odoo_root, pg_connect

TEST_PATHS = [*ADDONS, "livetests"]


def main(argv):
    keep = "--keep-db" in argv
    pytest_args = [arg for arg in argv if arg != "--keep-db"]
    try:
        print(f"[odoo] using Odoo at {odoo_root()}", flush=True)
        pg_connect().close()
        workspace = OdooWorkspace(prefix="rest_api_test", keep=keep)
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
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
        return subprocess.run(command, cwd=REPO_ROOT, env=env, check=False).returncode
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    finally:
        workspace.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
