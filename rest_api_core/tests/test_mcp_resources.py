"""The MCP resources over real HTTP: each model's JSON Schema, listed and read under the key's scope."""

import json

from jsonschema import Draft202012Validator

from odoo.tests import tagged

from odoo.addons.rest_api_auth.tests.common import make_api_key

from ..mcp.resources import PAGE_SIZE
from .test_mcp import McpCase

NOT_FOUND = -32002
INVALID_PARAMS = -32602
SCHEMA_MIME_TYPE = "application/schema+json"


def schema_of(document, name):
    """A validator of the ``$defs`` schema ``name`` of ``document`` (its ``$ref`` resolved in the document)."""
    return Draft202012Validator({"$defs": document["$defs"], **document["$defs"][name]})


@tagged("post_install", "-at_install")
class TestMcpResources(McpCase):
    def names(self, key=None, cursor=None):
        """``(model names of one resources/list page, its nextCursor)``."""
        result = self.result("resources/list", {"cursor": cursor} if cursor else {}, key=key)
        for resource in result["resources"]:
            self.assertEqual(resource["uri"], f"odoo://model/{resource['name']}/schema")
            self.assertEqual(resource["mimeType"], SCHEMA_MIME_TYPE)
        return [resource["name"] for resource in result["resources"]], result.get("nextCursor")

    def read_schema(self, model, key=None):
        uri = f"odoo://model/{model}/schema"
        contents = self.result("resources/read", {"uri": uri}, key=key)["contents"]
        self.assertEqual([(content["uri"], content["mimeType"]) for content in contents], [(uri, SCHEMA_MIME_TYPE)])
        return json.loads(contents[0]["text"])

    def test_initialize_declares_resources(self):
        result = self.result("initialize", {"protocolVersion": "2025-06-18", "capabilities": {}})
        self.assertEqual(result["capabilities"]["resources"], {"subscribe": False, "listChanged": False})

    def all_names(self, key):
        """``(the model names of every resources/list page, the number of pages)``."""
        listed, cursor, pages = [], None, 0
        while True:
            names, cursor = self.names(key, cursor)
            pages += 1
            listed += names
            if cursor is None:
                return listed, pages
            self.assertEqual(len(names), PAGE_SIZE)
            self.assertLess(pages, 100)

    def test_list_pages_through_the_models_the_key_may_read(self):
        """Personal keys (scope "all"): every model the user may read, a bounded page at a time."""
        listed, pages = self.all_names(self.admin_key)
        self.assertGreater(pages, 1)
        self.assertEqual(listed, sorted(set(listed)))
        self.assertIn("ir.config_parameter", listed)
        self.assertNotIn("rest.api.key", listed)  # no key reaches credentials
        registry = self.env.registry
        self.assertFalse([name for name in listed if registry[name]._transient or registry[name]._abstract])
        employee_listed, _pages = self.all_names(self.employee_key)
        self.assertIn("res.partner", employee_listed)
        self.assertNotIn("ir.config_parameter", employee_listed)  # administrators only
        self.assertEqual(self.names(cursor="zzz"), ([], None))
        for cursor in (7, "../etc", ""):
            with self.subTest(cursor=cursor):
                self.assertEqual(self.rpc_error("resources/list", {"cursor": cursor})["code"], INVALID_PARAMS)
        first = self.result("resources/list")["resources"][0]
        self.assertEqual(first["title"], self.env[first["name"]]._description)

    def test_a_scoped_key_sees_and_reads_only_its_models(self):
        self.assertEqual(self.names(self.reader_key), (["res.partner"], None))
        self.assertEqual(self.names(self.writer_key), (["res.country", "res.partner"], None))
        # the same answer for a model out of the key's scope as for one that does not exist
        errors = [
            self.rpc_error("resources/read", {"uri": f"odoo://model/{model}/schema"}, key=self.reader_key)
            for model in ("res.country", "no.such.model")
        ]
        self.assertEqual([error["code"] for error in errors], [NOT_FOUND, NOT_FOUND])
        self.assertEqual(errors[0]["message"], errors[1]["message"])
        self.assertEqual(errors[0]["data"], {"uri": "odoo://model/res.country/schema"})
        self.assertNotIn("res.country", errors[0]["message"])
        self.assertEqual(self.rpc_error("resources/read", {"uri": "odoo://model/rest.api.key/schema"})["code"],
                         NOT_FOUND)  # fmt: skip
        self.assertEqual(self.read_schema("res.country", key=self.writer_key)["$id"], "odoo://model/res.country/schema")

    def test_a_key_whose_user_may_read_none_of_its_models_has_no_resources(self):
        key = make_api_key(self.env, self.employee, scope_mode="specific", rate_limit=0,
                           access=[{"model": "ir.config_parameter", "read": True}])[1]  # fmt: skip
        self.assertEqual(self.names(key), ([], None))
        self.assertEqual(self.result("resources/templates/list", key=key), {"resourceTemplates": []})
        error = self.rpc_error("resources/read", {"uri": "odoo://model/ir.config_parameter/schema"}, key=key)
        self.assertEqual(error["code"], NOT_FOUND)
        create_only = self.provision("mcp create only", [{"model": "res.partner", "create": True}])
        self.assertEqual(self.names(create_only), ([], None))

    def test_templates_list(self):
        (template,) = self.result("resources/templates/list", key=self.reader_key)["resourceTemplates"]
        self.assertEqual(template["uriTemplate"], "odoo://model/{model}/schema")
        self.assertEqual(template["mimeType"], SCHEMA_MIME_TYPE)
        self.assertEqual(template["name"], "model_schema")

    def test_read_is_the_json_schema_of_the_field_type_contract(self):
        document = self.read_schema("res.partner")
        Draft202012Validator.check_schema(document)
        self.assertEqual(document["$schema"], "https://json-schema.org/draft/2020-12/schema")
        self.assertEqual((document["type"], document["title"]), ("object", "Contact"))
        email = document["properties"]["email"]
        self.assertEqual(email["anyOf"][1], {"type": "boolean", "const": False})  # Odoo's empty value
        self.assertTrue(document["properties"]["create_date"]["readOnly"])
        self.assertEqual(set(document["$defs"]), {"res.partner-values", "res.partner-create"})
        values = document["$defs"]["res.partner-values"]["properties"]
        self.assertNotIn("create_date", values)
        create = schema_of(document, "res.partner-create")
        self.assertTrue(create.is_valid({"name": "New", "child_ids": [[0, 0, {"name": "Child"}]]}))
        self.assertFalse(create.is_valid({"name": "New", "child_ids": [[0, 0, {"create_date": "2020-01-01"}]]}))
        self.assertFalse(create.is_valid({"name": "New", "surprise": 1}))
        self.assertFalse(create.is_valid({"name": "New", "date": "2025-02-30"}))
        # the reader may not create partners: its schema has no create command for child_ids
        reader = schema_of(self.read_schema("res.partner", key=self.reader_key), "res.partner-values")
        self.assertTrue(reader.is_valid({"child_ids": [[4, self.partner.id]]}))
        self.assertFalse(reader.is_valid({"child_ids": [[0, 0, {"name": "Child"}]]}))
        # what the schema refuses, the server refuses
        problem = self.api("POST", "/api/res.partner/create", body={"name": "New", "date": "2025-02-30"})
        self.assertProblem(problem, 400)

    def test_bad_uris_and_params(self):
        for uri in ("file:///etc/passwd", "odoo://model/res.partner/schema/..", "odoo://model/RES.partner/schema",
                    "odoo://model//schema", "odoo://model/res.partner"):  # fmt: skip
            with self.subTest(uri=uri):
                self.assertEqual(self.rpc_error("resources/read", {"uri": uri}), {
                    "code": NOT_FOUND, "message": "Resource not found.", "data": {"uri": uri}})  # fmt: skip
        for params in ({}, {"uri": 7}, {"uri": "odoo://model/" + "a" * 300 + "/schema"}):
            with self.subTest(params=params):
                self.assertEqual(self.rpc_error("resources/read", params)["code"], INVALID_PARAMS)
        self.assertEqual(self.rpc_error("resources/templates/list", {"cursor": 7})["code"], INVALID_PARAMS)
        self.assertEqual(self.rpc_error("resources/subscribe", {"uri": "odoo://model/res.partner/schema"})["code"],
                         -32601)  # fmt: skip

    def test_a_throttled_key_gets_a_429(self):
        _key, secret = make_api_key(self.env, self.manager, rate_limit=1, rate_period=3600, rate_burst=1)
        self.assertIn("res.partner", self.read_schema("res.partner", key=secret)["$id"])
        response = self.rpc("resources/read", {"uri": "odoo://model/res.partner/schema"}, key=secret)
        self.assertEqual(response.status_code, 429)
        self.assertTrue(response.headers["Retry-After"])
        self.assertEqual(response.json()["error"]["data"]["status"], 429)
