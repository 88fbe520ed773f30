"""``POST /api/mcp``: the MCP server over real HTTP, with the keys, scopes, ACLs and throttle of the REST API."""

import json

from odoo.tests import tagged

from odoo.addons.rest_api_auth.tests.common import allow_failed_authentications, make_api_key

from ..mcp.protocol import CAPABILITIES, LATEST_VERSION, SUPPORTED_VERSIONS
from ..mcp.tools import TOOLS
from .common import JSON_CONTENT_TYPE, RestApiCase

READ_TOOLS = {"search_records", "read_record", "count_records", "describe_model"}
ALL_TOOLS = {tool.name for tool in TOOLS}


class McpCase(RestApiCase):
    """Keys of several scopes, and JSON-RPC messages POSTed to ``/api/mcp``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_failed_authentications(cls.env)
        cls.reader_key = cls.provision("mcp reader", [{"model": "res.partner", "read": True}])
        cls.writer_key = cls.provision(
            "mcp writer",
            [
                {"model": "res.partner", "read": True, "create": True, "write": True, "unlink": True},
                {"model": "res.country", "read": True},
            ],
        )
        cls.caller_key = cls.provision(
            "mcp caller", [{"model": "res.partner", "read": True, "execute": True, "methods": ["name_search"]}]
        )
        cls.partner = cls.env["res.partner"].create({"name": "MCP Acme", "email": "mcp@acme.example"})
        cls.next_id = 0

    def rpc(self, method, params=None, *, key=None, headers=None, notification=False):
        """POST one JSON-RPC message; the response."""
        message = {"jsonrpc": "2.0", "method": method, "params": params or {}}
        if not notification:
            self.next_id += 1
            message["id"] = self.next_id
        request_headers = {"Accept": "application/json, text/event-stream", **(headers or {})}
        return self.api("POST", "/api/mcp", key=key, body=message, headers=request_headers)

    def result(self, method, params=None, **kwargs):
        response = self.rpc(method, params, **kwargs)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"], JSON_CONTENT_TYPE)
        self.assertNotIn("Mcp-Session-Id", response.headers)  # stateless
        answer = response.json()
        self.assertEqual(answer["id"], self.next_id)
        self.assertNotIn("error", answer, answer)
        return answer["result"]

    def rpc_error(self, method, params=None, *, key=None):
        """The JSON-RPC error of a request answered with status 200."""
        response = self.rpc(method, params, key=key)
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        self.assertNotIn("result", answer, answer)
        return answer["error"]


@tagged("post_install", "-at_install")
class TestMcp(McpCase):
    def call(self, tool, key=None, **arguments):
        """The result of ``tools/call`` of ``tool``: ``(structuredContent, isError)``."""
        result = self.result("tools/call", {"name": tool, "arguments": arguments}, key=key)
        self.assertEqual(json.loads(result["content"][0]["text"]), result["structuredContent"])
        return result["structuredContent"], result["isError"]

    def refused(self, tool, status, key=None, **arguments):
        problem, is_error = self.call(tool, key=key, **arguments)
        self.assertTrue(is_error, problem)
        self.assertEqual(problem["status"], status, problem)
        self.assertNotIn("Traceback", json.dumps(problem))
        return problem

    def tools(self, key=None):
        return {tool["name"]: tool for tool in self.result("tools/list", key=key)["tools"]}

    def test_initialize_negotiates_a_version_and_keeps_no_session(self):
        for version in SUPPORTED_VERSIONS:
            with self.subTest(version=version):
                result = self.result("initialize", {"protocolVersion": version, "capabilities": {},
                                                    "clientInfo": {"name": "test", "version": "1"}})  # fmt: skip
                self.assertEqual(result["protocolVersion"], version)
                self.assertEqual(result["capabilities"], CAPABILITIES)
                self.assertEqual(result["serverInfo"]["name"], "odoo-rest-api")
        result = self.result("initialize", {"protocolVersion": "1999-01-01", "capabilities": {}})
        self.assertEqual(result["protocolVersion"], LATEST_VERSION)
        response = self.rpc("notifications/initialized", notification=True)
        self.assertEqual((response.status_code, response.content), (202, b""))
        self.assertEqual(self.result("ping"), {})

    def test_protocol_errors(self):
        response = self.rpc("tools/list", headers={"MCP-Protocol-Version": "2099-01-01"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["code"], -32022)
        self.assertIn(LATEST_VERSION, response.json()["error"]["data"]["supported"])
        self.assertEqual(self.rpc("prompts/list").json()["error"]["code"], -32601)
        self.assertEqual(self.rpc("tools/call", {"name": "nothing"}).json()["error"]["code"], -32602)
        batch = self.api("POST", "/api/mcp", body=[{"jsonrpc": "2.0", "id": 1, "method": "ping"}])
        self.assertEqual((batch.status_code, batch.json()["error"]["code"]), (400, -32600))
        garbled = self.api("POST", "/api/mcp", data="{nope", headers={"Content-Type": "application/json"})
        self.assertEqual((garbled.status_code, garbled.json()["error"]["code"]), (400, -32700))
        self.assertProblem(self.api("GET", "/api/mcp"), 405)

    def test_a_request_without_a_valid_key_is_a_401_problem(self):
        response = self.api("POST", "/api/mcp", key="0" * 40, body={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        self.assertProblem(response, 401)
        self.assertIn("Bearer", response.headers["WWW-Authenticate"])
        response = self.opener.post(self.base_url() + "/api/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        self.assertProblem(response, 401)

    def test_bearer_authentication(self):
        response = self.opener.post(
            self.base_url() + "/api/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            headers={"Authorization": f"Bearer {self.reader_key}"},
        )
        self.assertEqual(response.json(), {"jsonrpc": "2.0", "id": 1, "result": {}})

    def test_tools_list_shows_what_the_key_may_do(self):
        tools = self.tools()  # the manager's personal key: scope "all"
        self.assertEqual(set(tools), ALL_TOOLS)
        self.assertNotIn("enum", tools["search_records"]["inputSchema"]["properties"]["model"])
        self.assertEqual(set(self.tools(self.reader_key)), READ_TOOLS)
        tools = self.tools(self.writer_key)
        self.assertEqual(set(tools), ALL_TOOLS - {"call_method"})
        self.assertEqual(
            tools["search_records"]["inputSchema"]["properties"]["model"]["enum"], ["res.country", "res.partner"]
        )
        self.assertEqual(tools["create_record"]["inputSchema"]["properties"]["model"]["enum"], ["res.partner"])
        self.assertTrue(tools["search_records"]["annotations"]["readOnlyHint"])
        self.assertTrue(tools["delete_record"]["annotations"]["destructiveHint"])
        # the field-type contract: record ids are PostgreSQL integers, values say each type's forms
        schema = tools["update_record"]["inputSchema"]
        self.assertEqual(schema["properties"]["id"]["maximum"], 2**31 - 1)
        self.assertIn("many2one: a record id", schema["properties"]["values"]["description"])
        self.assertEqual(schema["required"], ["model", "id", "values"])
        caller = self.tools(self.caller_key)["call_method"]["inputSchema"]["properties"]
        self.assertEqual(caller["method"]["enum"], ["name_search"])

    def test_tools_list_follows_the_users_access_rights(self):
        """A key may name a model its user may not create on: no create tool for it."""
        user_key = make_api_key(self.env, self.employee, scope_mode="specific", rate_limit=0,
                                access=[{"model": "res.country", "read": True, "create": True}])[1]  # fmt: skip
        self.assertEqual(set(self.tools(user_key)), READ_TOOLS)

    def test_search_read_count_describe(self):
        found, is_error = self.call(
            "search_records", model="res.partner", domain=[["name", "=", "MCP Acme"]], fields=["name", "email"]
        )
        self.assertFalse(is_error)
        self.assertEqual(found["records"], [{"id": self.partner.id, "name": "MCP Acme", "email": "mcp@acme.example"}])
        self.assertNotIn("next_offset", found)
        page, _ = self.call("search_records", model="res.partner", fields=["name"], limit=1, order="id asc")
        self.assertEqual((len(page["records"]), page["next_offset"]), (1, 1))
        record, _ = self.call("read_record", key=self.reader_key, model="res.partner", id=self.partner.id)
        self.assertEqual(record["email"], "mcp@acme.example")
        counted, _ = self.call("count_records", model="res.partner", domain=[["email", "=", "mcp@acme.example"]])
        self.assertEqual(counted["record_count"], 1)
        described, _ = self.call("describe_model", model="res.partner")
        self.assertEqual(described["fields"]["email"]["type"], "char")
        self.assertTrue(described["fields"]["email"]["writable"])
        self.assertFalse(described["fields"]["create_date"]["writable"])

    def test_write_tools(self):
        values = {"name": "MCP New", "child_ids": [[0, 0, {"name": "MCP Child"}]]}
        created, is_error = self.call("create_record", key=self.writer_key, model="res.partner", values=values)
        self.assertFalse(is_error, created)
        partner = self.env["res.partner"].browse(created["id"])
        self.assertEqual(partner.child_ids.name, "MCP Child")
        updated, is_error = self.call(
            "update_record", key=self.writer_key, model="res.partner", id=partner.id, values={"phone": "+32 2 555"}
        )
        self.assertFalse(is_error, updated)
        self.env.invalidate_all()
        self.assertEqual(partner.phone, "+32 2 555")
        self.call("delete_record", key=self.writer_key, model="res.partner", id=partner.child_ids.id)
        self.assertFalse(partner.child_ids.exists())

    def test_idempotency_key_replays_a_tool_call_that_wrote_never_one_that_failed(self):
        def post(key, arguments):
            message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "create_record", "arguments": arguments}}  # fmt: skip
            headers = {"Accept": "application/json, text/event-stream", "Idempotency-Key": key}
            response = self.api("POST", "/api/mcp", key=self.writer_key, body=message, headers=headers)
            self.assertEqual(response.status_code, 200, response.text)
            return response, response.json()["result"]

        failing = {"model": "res.partner", "values": {"name": "MCP Retry", "country_id": 2**31 - 2}}
        for _attempt in range(2):  # rolled back: stored nowhere, so the retry runs again
            response, result = post("mcp-failing", failing)
            self.assertTrue(result["isError"], result)
            self.assertNotIn("Idempotent-Replayed", response.headers)
        working = {"model": "res.partner", "values": {"name": "MCP Retry"}}
        first, created = post("mcp-working", working)
        again, replayed = post("mcp-working", working)
        self.assertFalse(created["isError"], created)
        self.assertEqual(replayed, created)
        self.assertNotIn("Idempotent-Replayed", first.headers)
        self.assertEqual(again.headers["Idempotent-Replayed"], "true")
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "MCP Retry")]), 1)

    def test_refusals_are_tool_errors_with_the_problem(self):
        problem = self.refused("create_record", 403, key=self.reader_key, model="res.partner", values={"name": "x"})
        self.assertIn("may not create res.partner", problem["detail"])
        self.refused("delete_record", 403, key=self.reader_key, model="res.partner", id=self.partner.id)
        self.refused("search_records", 403, key=self.reader_key, model="res.users")  # not in the key's scope
        self.refused("search_records", 403, model="rest.api.key")  # no key reaches it
        self.refused("read_record", 404, model="res.partner", id=2**31 - 2)
        self.refused("read_record", 404, model="no.such.model", id=1)
        problem = self.refused("search_records", 400, model="res.partner", limit=0)
        self.assertEqual(problem["invalid_params"][0]["name"], "limit")
        self.refused("search_records", 400, model="res.partner", domain=[["nope", "=", 1]])
        self.refused(
            "update_record", 400, model="res.partner", id=self.partner.id, values={"create_date": "2020-01-01"}
        )
        self.refused("create_record", 400, model="res.partner", values={"name": "x"}, surprise=1)
        # reach: the writer may read countries but not create them through a partner's relation
        problem = self.refused(
            "search_records", 403, key=self.reader_key, model="res.partner", domain=[["country_id.code", "=", "BE"]]
        )
        self.assertIn("res.country", problem["detail"])
        # Odoo's own rules: 422, nothing written
        employee_partner = self.employee.partner_id
        problem = self.refused(
            "update_record", 422, model="res.partner", id=employee_partner.id, values={"active": False}
        )
        self.assertIn("linked to an active user", problem["detail"])
        self.assertTrue(employee_partner.active)

    def test_access_rights_and_record_rules_apply(self):
        problem = self.refused(
            "create_record", 403, key=self.employee_key, model="res.partner.category", values={"name": "No"}
        )
        self.assertIn("res.partner.category", problem["detail"])
        hidden_key = self.key_of_user_not_seeing(self.partner, "mcp_hidden")
        found, _ = self.call(
            "search_records", key=hidden_key, model="res.partner", domain=[["id", "=", self.partner.id]]
        )
        self.assertEqual(found["records"], [])
        self.refused("read_record", 403, key=hidden_key, model="res.partner", id=self.partner.id)

    def test_call_method_runs_execute_kw(self):
        found, is_error = self.call(
            "call_method", key=self.caller_key, model="res.partner", method="name_search", args=["MCP Acme"]
        )
        self.assertFalse(is_error, found)
        self.assertEqual(found["result"], [[self.partner.id, "MCP Acme"]])
        self.refused(
            "call_method", 403, key=self.caller_key, model="res.partner", method="unlink", args=[[self.partner.id]]
        )
        self.refused("call_method", 403, model="res.partner", method="_compute_display_name", args=[[self.partner.id]])
        self.refused("call_method", 403, key=self.reader_key, model="res.partner", method="name_search", args=["x"])
        self.assertTrue(self.partner.exists())

    def test_a_throttled_key_gets_the_429_problem(self):
        _key, secret = make_api_key(self.env, self.manager, rate_limit=1, rate_period=3600, rate_burst=1)
        self.assertFalse(self.call("count_records", key=secret, model="res.partner")[1])
        response = self.rpc("tools/call", {"name": "count_records", "arguments": {"model": "res.partner"}}, key=secret)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Retry-After"])
        result = response.json()["result"]
        self.assertTrue(result["isError"])
        self.assertEqual(result["structuredContent"]["status"], 429)
        self.assertGreaterEqual(result["structuredContent"]["retry_after"], 1)
        response = self.rpc("tools/list", key=secret)
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json()["error"]["data"]["status"], 429)
