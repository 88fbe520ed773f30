#!/usr/bin/env python3
"""The run command: Odoo 18 with the REST API addons on http://127.0.0.1:8069, for development.

    python3 tools/run_dev.py [--db NAME] [--port 8069]

Creates the database with demo data on first use (later runs update the
addons), starts Odoo on loopback, issues a fresh demo API key through the
provisioning API (replacing the previous demo key, so the command can be run
again and again), prints it with a working curl example, and serves until
Ctrl-C or SIGTERM (an IDE's stop button, ``kill``): either stops Odoo and
frees the port. Data lives in ~/.local/share/odoo-rest-api-dev (``--data-dir``).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_env import (
    ADDONS,
    OdooRpc,
    OdooServer,
    OdooWorkspace,
    SetupError,
    exit_on_sigterm,
    odoo_root,
    pg_connect,
)

DEMO_KEY_NAME = "Demo key (make run)"
# The same policy as the Docker demo's key (docker/demo_key.py): the administrator, every
# model, login tokens allowed, no rate limit (a whole Postman collection runs at once).
DEMO_KEY_POLICY = {"scope_mode": "all", "allow_token_generation": True, "rate_limit": 0}


def provision_demo_key(rpc):
    """Replace the demo key by a new one and return its secret (only shown at creation)."""
    old_keys = rpc.execute("rest.api.key", "search", [("name", "=", DEMO_KEY_NAME)], context={"active_test": False})
    if old_keys:
        rpc.execute("rest.api.key", "unlink", old_keys)
    return rpc.generate_api_key(DEMO_KEY_NAME, user_id=rpc.uid, **DEMO_KEY_POLICY)["key"]


def banner(database, base_url, key):
    return (
        f"\nOdoo is serving {database} on {base_url} (web client login: admin / admin)\n"
        f"  API docs:  {base_url}/api/docs\n"
        f"  API key:   {key}\n"
        "             (user admin, every model, login tokens allowed, no rate limit;\n"
        "              it replaces the key of any earlier run)\n"
        f"  Try:       curl -g -H 'api-key: {key}' "
        f"\"{base_url}/api/res.partner/search?fields=['name','email']&limit=5\"\n"
        "Press Ctrl-C to stop.\n"
    )


def start_server(args):
    """The running server, the database created or updated first; SetupError when impossible."""
    odoo_root()
    pg_connect().close()
    workspace = OdooWorkspace(directory=args.data_dir)
    if not workspace.database_exists(args.db):
        print(f"Creating database {args.db} with demo data (about a minute)...", flush=True)
        workspace.create_database(args.db, demo=True)
        update = []
    else:
        update = ["-u", ",".join(ADDONS)]
    # server-wide like the documented deployment: 503 problem+json during a database outage
    server_wide = ["--load=base,web,rest_api_core"]
    return OdooServer(workspace, args.db, port=args.port, extra_args=[*server_wide, *update], log_file="-")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="rest_api_dev")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--data-dir", type=Path, default=Path.home() / ".local/share/odoo-rest-api-dev")
    args = parser.parse_args()
    exit_on_sigterm()  # SIGTERM then stops Odoo in the ``finally`` below, as Ctrl-C does
    server = None
    try:
        server = start_server(args)
        server.start(timeout=600)
        key = provision_demo_key(OdooRpc(server.base_url, args.db))
        print(banner(args.db, server.base_url, key), flush=True)
        server.process.wait()
    except KeyboardInterrupt:
        pass
    except SetupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()  # Odoo runs in its own session: it would outlive this process otherwise
    return 0


if __name__ == "__main__":
    sys.exit(main())
