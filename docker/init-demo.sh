#!/bin/bash
# One-shot initialisation of the Docker demo, run by the compose file's `init` service
# before Odoo starts: creates the database with Odoo's demo data when it does not exist,
# installs the three addons (updates them when already installed, so a `git pull`
# takes effect on the next `up`), then prints a fresh demo API key.
set -euo pipefail

database=${ODOO_DATABASE:?ODOO_DATABASE is not set}
addons=rest_api_auth,rest_api_core,rest_api_docs

echo "[init] database '${database}': installing or updating ${addons} (about two minutes the first time)"
/entrypoint.sh odoo --database="$database" --init="$addons" --update="$addons" \
    --stop-after-init --no-http --log-level=warn
echo "[init] issuing the demo API key"
/entrypoint.sh odoo shell --database="$database" --no-http --log-level=warn \
    < "$(dirname "$0")/demo_key.py"
