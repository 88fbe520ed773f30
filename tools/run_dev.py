#!/usr/bin/env python3
"""The run command: Odoo 18 with the REST API addons on http://127.0.0.1:8069, for development.

    python3 tools/run_dev.py [--db NAME] [--port 8069]

Creates the database with demo data on first use (later runs update the
addons), starts Odoo on loopback, issues a fresh demo API key through the
provisioning API (replacing the previous demo key, so the command can be run
again and again), prints it with a working curl example, and serves until
Ctrl-C. Data lives in ~/.local/share/odoo-rest-api-dev (``--data-dir``).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_env import ADDONS, OdooRpc, OdooServer, OdooWorkspace, SetupError, odoo_root, pg_connect

DEMO_KEY_NAME = "Demo key (make run)"


def provision_demo_key(rpc):
    """Replace the demo key by a new one and return its secret (only shown at creation)."""
    old_keys = rpc.execute("rest.api.key", "search", [("name", "=", DEMO_KEY_NAME)])
    if old_keys:
        rpc.execute("rest.api.key", "unlink", old_keys)
    return rpc.execute("rest.api.key", "generate_api_key", {"name": DEMO_KEY_NAME, "scope_mode": "all"})["key"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="rest_api_dev")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--data-dir", type=Path, default=Path.home() / ".local/share/odoo-rest-api-dev")
    args = parser.parse_args()
    try:
        odoo_root()
        pg_connect().close()
        workspace = OdooWorkspace(directory=args.data_dir)
        if not workspace.database_exists(args.db):
            print(f"Creating database {args.db} with demo data (about a minute)...", flush=True)
            workspace.create_database(args.db, demo=True)
            update = []
        else:
            update = ["-u", ",".join(ADDONS)]
        server = OdooServer(workspace, args.db, port=args.port, extra_args=update, log_file="-").start(timeout=600)
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    try:
        key = provision_demo_key(OdooRpc(server.base_url, args.db))
        print(
            f"\nOdoo is serving {args.db} on {server.base_url} (web client login: admin / admin)\n"
            f"  API docs:  {server.base_url}/api/docs\n"
            f"  API key:   {key}\n"
            f"  Try:       curl -g -H 'api-key: {key}' "
            f"\"{server.base_url}/api/res.partner/search?fields=['name','email']&limit=5\"\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        server.process.wait()
    except KeyboardInterrupt:
        pass
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
