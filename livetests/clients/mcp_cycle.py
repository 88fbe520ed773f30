"""MCP sessions of the official ``mcp`` Python SDK (its Streamable HTTP client) against ``/api/mcp``.

Run by livetests/test_live_mcp.py with the tools virtualenv's Python (never Odoo's):

    python mcp_cycle.py URL KEYS_JSON SESSIONS

``KEYS_JSON``: ``{"key": a key that may read and write res.partner, "reader": a read-only key,
"throttled": a key with a burst of a few requests}``. ``SESSIONS`` sessions of the first key run
at once, each a record's life: connect (the SDK's default negotiation), list the tools, create a
partner, search it, read it, update it, delete it; then a read-only session (its tools and a
refused write; its resources: the model schema template, res.partner's schema listed and read,
another model's "not found") and a throttled one (a tool call over the rate). Prints one JSON
object: what each step saw, and the failures.
"""

import asyncio
import json
import sys

import httpx2
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

WRITE_TOOLS = {"create_record", "update_record", "delete_record", "call_method"}


def connect(url, key):
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60)
    return Client(streamable_http_client(url, http_client=http))


async def record_life(url, key, number, failures):
    async with connect(url, key) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        if not {"search_records", "read_record", *WRITE_TOOLS - {"call_method"}} <= tools:
            failures.append(f"session {number}: tools {sorted(tools)}")
        name = f"MCP SDK {number}"
        created = await client.call_tool("create_record", {"model": "res.partner", "values": {"name": name}})
        record_id = created.structured_content["id"]
        found = await client.call_tool(
            "search_records", {"model": "res.partner", "domain": [["name", "=", name]], "fields": ["name"]}
        )
        if found.structured_content["records"] != [{"id": record_id, "name": name}]:
            failures.append(f"session {number}: search found {found.structured_content}")
        await client.call_tool("update_record", {"model": "res.partner", "id": record_id, "values": {"phone": "123"}})
        read = await client.call_tool("read_record", {"model": "res.partner", "id": record_id, "fields": ["phone"]})
        if read.structured_content.get("phone") != "123":
            failures.append(f"session {number}: read {read.structured_content}")
        deleted = await client.call_tool("delete_record", {"model": "res.partner", "id": record_id})
        gone = await client.call_tool("read_record", {"model": "res.partner", "id": record_id})
        if deleted.is_error or not gone.is_error or gone.structured_content["status"] != 404:
            failures.append(f"session {number}: delete {deleted}, then read {gone}")
        return {"protocol_version": client.protocol_version, "server": client.server_info.name, "id": record_id}


async def read_only(url, key, failures):
    async with connect(url, key) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        refused = await client.call_tool("create_record", {"model": "res.partner", "values": {"name": "MCP refused"}})
        if tools & WRITE_TOOLS or not refused.is_error or refused.structured_content["status"] != 403:
            failures.append(f"read-only: tools {sorted(tools)}, create {refused}")
        return {"tools": sorted(tools), "refused": refused.structured_content["status"]}


async def resources(url, key, failures):
    """The read-only key's resources: res.partner's JSON Schema, and no other model's."""
    async with connect(url, key) as client:
        listed = [resource.uri for resource in (await client.list_resources()).resources]
        templates = [template.uri_template for template in (await client.list_resource_templates()).resource_templates]
        (content,) = (await client.read_resource("odoo://model/res.partner/schema")).contents
        schema = json.loads(content.text)
        try:
            await client.read_resource("odoo://model/res.country/schema")
            out_of_scope = None
        except MCPError as error:
            out_of_scope = error.error.code
        if "email" not in schema["properties"] or "res.partner-values" not in schema["$defs"]:
            failures.append(f"resources: res.partner's schema {content.text[:300]}")
        return {
            "listed": listed,
            "templates": templates,
            "read": {"uri": content.uri, "mime_type": content.mime_type, "id": schema["$id"]},
            "out_of_scope": out_of_scope,
        }


async def throttled(url, key, failures):
    async with connect(url, key) as client:
        await client.list_tools()  # the SDK checks each tool result against the listed tool
        statuses = []
        for _attempt in range(5):
            result = await client.call_tool("count_records", {"model": "res.partner"})
            statuses.append(result.structured_content.get("status", 200) if result.is_error else 200)
            if result.is_error:
                break
        if statuses[-1] != 429:
            failures.append(f"throttled: statuses {statuses}")
        return {"statuses": statuses}


async def main(url, keys, sessions):
    failures = []
    lives = await asyncio.gather(*(record_life(url, keys["key"], number, failures) for number in range(sessions)))
    report = {
        "sessions": lives,
        "read_only": await read_only(url, keys["reader"], failures),
        "resources": await resources(url, keys["reader"], failures),
        "throttled": await throttled(url, keys["throttled"], failures),
        "failures": failures,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])))
