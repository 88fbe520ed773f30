"""A client nobody here wrote: the official ``mcp`` Python SDK against ``/api/mcp`` of a live Odoo (--workers 2).

The SDK (requirements-tools.txt, in the tools virtualenv) connects over Streamable HTTP with its
default negotiation, lists the tools and runs a record's life on ``res.partner`` (create,
search, update, read, delete) in several sessions at once, until both workers have served
them (the server keeps no session: any worker answers any message); a read-only key's tool
list has no write tool and a write is refused, and it lists and reads res.partner's JSON Schema
(a resource) but not another model's; a throttled key's tool call gets the 429 problem as a tool
error.
"""

import json
from pathlib import Path

import pytest

from tools.odoo_env import SetupError, tools_venv

from .test_live_docs import run_client

SCRIPT = Path(__file__).parent / "clients" / "mcp_cycle.py"
SESSIONS = 4  # at once, so that both workers serve them
PATH = "/api/mcp"


PARTNER = {"model": "res.partner", "read": True, "create": True, "write": True, "unlink": True}


@pytest.fixture(scope="module")
def mcp_keys(rpc):
    policy = {"user_id": rpc.uid, "scope_mode": "specific", "rate_limit": 0}
    return {
        "key": rpc.generate_api_key("mcp sdk", access=[PARTNER], **policy)["key"],
        "reader": rpc.generate_api_key("mcp sdk reader", access=[{"model": "res.partner", "read": True}], **policy)[
            "key"
        ],
    }


def throttled_key(rpc):
    """A new key whose burst covers the connection's own requests (probe, initialize, initialized, tools/list)
    and one tool call."""
    policy = {"user_id": rpc.uid, "scope_mode": "specific", "access": [PARTNER]}
    return rpc.generate_api_key("mcp sdk throttled", rate_limit=5, rate_period=3600, rate_burst=5, **policy)["key"]


def test_the_official_sdk_runs_a_record_life_on_both_workers(prefork_server, rpc, mcp_keys, on_both_workers, tmp_path):
    try:
        python = str(tools_venv("python") / "python")
    except SetupError as error:
        pytest.fail(str(error))
    url = prefork_server.base_url + PATH

    def send():
        keys = json.dumps({**mcp_keys, "throttled": throttled_key(rpc)})
        result = run_client([python, str(SCRIPT), url, keys, str(SESSIONS)], cwd=tmp_path)
        assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    for report in on_both_workers(prefork_server, "POST", PATH, send):
        assert report["failures"] == [], "\n".join(report["failures"])
        assert {session["protocol_version"] for session in report["sessions"]} == {"2025-11-25"}
        assert {session["server"] for session in report["sessions"]} == {"odoo-rest-api"}
        assert report["read_only"] == {
            "tools": ["count_records", "describe_model", "read_record", "search_records"],
            "refused": 403,
        }
        assert report["resources"] == {
            "listed": ["odoo://model/res.partner/schema"],
            "templates": ["odoo://model/{model}/schema"],
            "read": {
                "uri": "odoo://model/res.partner/schema",
                "mime_type": "application/schema+json",
                "id": "odoo://model/res.partner/schema",
            },
            "out_of_scope": -32002,
        }
        assert report["throttled"]["statuses"][-1] == 429
