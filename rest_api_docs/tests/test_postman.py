"""The Postman collection builder, on documents made by the OpenAPI builder."""

import json

from jsonschema import Draft202012Validator

from odoo.tests import BaseCase

from ..openapi import ModelDoc, build_openapi
from ..postman import SCHEMA_URL, build_postman, example_value, login_token_required
from ..tags import documentation_order
from .test_openapi import SERVER, VERSION, partner_doc


def requests_of(folder):
    return {item["request"]["method"] + " " + "/".join(item["request"]["url"]["path"]): item for item in folder["item"]}


def script(item, listen):
    return "\n".join(
        line for event in item.get("event", []) if event["listen"] == listen for line in event["script"]["exec"]
    )


class TestPostmanCollection(BaseCase):
    def setUp(self):
        super().setUp()
        category = ModelDoc(
            "res.partner.category",
            "Partner Tags",
            {"id": {"type": "integer", "readonly": True}, "name": {"type": "char", "required": True}},
            frozenset({"read", "create"}),
        )
        self.spec = build_openapi(SERVER, [partner_doc(), category], version=VERSION)
        self.collection = build_postman(self.spec, name="Odoo REST API (test)")
        self.folders = {folder["name"]: folder for folder in self.collection["item"]}

    def test_v21_collection_header_and_variables(self):
        info = self.collection["info"]
        self.assertEqual(info["schema"], SCHEMA_URL)
        self.assertEqual(info["name"], "Odoo REST API (test)")
        variables = {variable["key"]: variable["value"] for variable in self.collection["variable"]}
        self.assertEqual(variables["base_url"], SERVER)
        self.assertEqual((variables["api_key"], variables["login_token"], variables["database"]), ("", "", ""))
        self.assertIn("res_partner_created_id", variables)
        auth = {entry["key"]: entry["value"] for entry in self.collection["auth"]["apikey"]}
        self.assertEqual(auth, {"key": "api-key", "value": "{{api_key}}", "in": "header"})
        json.dumps(self.collection)  # plain JSON

    def test_a_folder_per_model_walking_a_record_life(self):
        self.assertEqual(list(self.folders), ["res.partner", "res.partner.category", "Batch", "Login tokens"])
        names = [
            item["request"]["method"] + " " + item["request"]["url"]["raw"]
            for item in self.folders["res.partner"]["item"]
        ]
        self.assertEqual(
            names,
            [
                "POST {{base_url}}/api/res.partner/create",
                "GET {{base_url}}/api/res.partner/search?limit=10",
                "GET {{base_url}}/api/res.partner/record_count",
                "GET {{base_url}}/api/res.partner/schema",
                "GET {{base_url}}/api/res.partner/:id",
                "PUT {{base_url}}/api/res.partner/:id",
                "PATCH {{base_url}}/api/res.partner/:id",
                "PUT {{base_url}}/api/res.partner",
                "PATCH {{base_url}}/api/res.partner",
                "POST {{base_url}}/api/res.partner/execute_kw",
                "DELETE {{base_url}}/api/res.partner/:id",
                "DELETE {{base_url}}/api/res.partner?ids={{res_partner_bulk_ids}}",
                "GET {{base_url}}/api/res.partner/changes?limit=10",
            ],
        )
        self.assertEqual(len(self.folders["res.partner.category"]["item"]), 6)  # read + create

    def test_every_request_tests_its_success_status(self):
        for folder in self.collection["item"]:
            for item in folder["item"]:
                with self.subTest(request=item["name"]):
                    path, method = item["request"]["url"]["path"], item["request"]["method"]
                    expected = "201" if path[-1] == "create" else "200"
                    many = len(path) == 2 and method in ("PUT", "PATCH", "DELETE")  # /api/<model>
                    if (path[-1] in ("create", ":id", "batch") and "body" in item["request"]) or many:
                        # an example body: the model's business rules may refuse it, as a problem (never a 5xx)
                        self.assertIn(f"to.be.oneOf([{expected}, 400, 403, 409, 422])", script(item, "test"))
                        self.assertIn("application/problem+json", script(item, "test"))
                    else:
                        self.assertIn(f"pm.response.to.have.status({expected})", script(item, "test"))

    def test_changes_only_target_the_created_record(self):
        requests = requests_of(self.folders["res.partner"])
        for key in ("PUT api/res.partner/:id", "PATCH api/res.partner/:id", "DELETE api/res.partner/:id"):
            with self.subTest(request=key):
                self.assertEqual(
                    requests[key]["request"]["url"]["variable"], [{"key": "id", "value": "{{res_partner_created_id}}"}]
                )
                self.assertIn("pm.execution.skipRequest()", script(requests[key], "prerequest"))
        for key in ("PUT api/res.partner", "PATCH api/res.partner"):
            with self.subTest(request=key):
                raw = requests[key]["request"]["body"]["raw"]
                self.assertIn('"ids": [{{res_partner_created_id}}]', raw)
                self.assertIn("pm.execution.skipRequest()", script(requests[key], "prerequest"))
        delete_many = requests["DELETE api/res.partner"]
        self.assertEqual(delete_many["request"]["url"]["query"][0]["value"], "{{res_partner_bulk_ids}}")
        prerequest = script(delete_many, "prerequest")  # it deletes the record it creates first
        self.assertIn("pm.sendRequest", prerequest)
        self.assertIn("/api/res.partner/create", prerequest)
        self.assertIn('pm.collectionVariables.set("res_partner_bulk_ids"', prerequest)
        read = requests["GET api/res.partner/:id"]
        self.assertEqual(read["request"]["url"]["variable"], [{"key": "id", "value": "{{res_partner_id}}"}])
        self.assertIn(
            'pm.collectionVariables.set("res_partner_created_id"',
            script(requests["POST api/res.partner/create"], "test"),
        )
        self.assertIn(
            'pm.collectionVariables.set("res_partner_id"', script(requests["GET api/res.partner/search"], "test")
        )

    def test_the_batch_leaves_nothing_behind(self):
        batch = self.folders["Batch"]["item"][0]
        self.assertEqual(batch["request"]["url"]["raw"], "{{base_url}}/api/batch")
        operations = json.loads(batch["request"]["body"]["raw"])["operations"]
        self.assertEqual([operation["op"] for operation in operations], ["create", "execute_kw", "delete"])
        self.assertEqual({operation["model"] for operation in operations}, {"res.partner"})
        self.assertEqual(operations[2]["id"], {"$result": 0})
        schema = {**self.spec["components"]["schemas"]["BatchRequest"], "components": self.spec["components"]}
        self.assertTrue(Draft202012Validator(schema).is_valid({"operations": operations}))
        self.assertIn("to.be.oneOf([200, 400, 403, 409, 422])", script(batch, "test"))
        # a key that may only create tags: their create, nothing else
        tags = ModelDoc("res.partner.category", "Tags", {"name": {"type": "char"}}, frozenset({"read", "create"}))
        spec = build_openapi(SERVER, [tags], version=VERSION)
        body = spec["paths"]["/api/batch"]["post"]["requestBody"]["content"]["application/json"]["example"]
        self.assertEqual(
            body,
            {"operations": [{"op": "create", "model": "res.partner.category", "values": {"name": "Batch example"}}]},
        )

    def test_example_bodies_match_the_schemas(self):
        requests = requests_of(self.folders["res.partner"])
        schemas = self.spec["components"]["schemas"]
        create = json.loads(requests["POST api/res.partner/create"]["request"]["body"]["raw"])
        self.assertEqual(create, {"name": "Example"})
        validator = Draft202012Validator({**schemas["res.partner-create"], "components": self.spec["components"]})
        self.assertTrue(validator.is_valid(create))
        update = json.loads(requests["PUT api/res.partner/:id"]["request"]["body"]["raw"])
        self.assertEqual(update, {"name": "Example"})
        execute = json.loads(requests["POST api/res.partner/execute_kw"]["request"]["body"]["raw"])
        self.assertEqual(execute["method"], "search_read")
        headers = {
            header["key"]: header["value"] for header in requests["POST api/res.partner/create"]["request"]["header"]
        }
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(headers["Login-Token"], "{{login_token}}")
        # the optional request headers of the document, off until switched on
        optional = {
            header["key"]: header
            for header in requests["PUT api/res.partner/:id"]["request"]["header"]
            if header.get("disabled")
        }
        self.assertEqual(set(optional), {"X-Odoo-Company", "Idempotency-Key", "If-Match"})
        self.assertEqual(optional["Idempotency-Key"]["value"], "{{$guid}}")

    def test_every_request_names_the_database_variable(self):
        for folder in self.collection["item"]:
            for item in folder["item"]:
                with self.subTest(request=item["name"]):
                    headers = {header["key"]: header for header in item["request"]["header"]}
                    self.assertEqual(headers["X-Odoo-Database"]["value"], "{{database}}")
                    self.assertFalse(headers["X-Odoo-Database"].get("disabled"))  # empty: the server ignores it
                    self.assertNotIn("db", [query["key"] for query in item["request"]["url"].get("query", [])])
        collection = build_postman(self.spec, database="prod")
        self.assertIn({"key": "database", "value": "prod", "type": "string"}, collection["variable"])

    def test_generated_login_token_is_used_by_the_other_requests(self):
        token = self.folders["Login tokens"]["item"][0]
        self.assertEqual(token["request"]["url"]["raw"], "{{base_url}}/api/generate_token")
        self.assertIn(
            'pm.collectionVariables.set("login_token", pm.response.json().login_token)', script(token, "test")
        )
        self.assertNotIn("Login-Token", [header["key"] for header in token["request"]["header"]])
        search = requests_of(self.folders["res.partner"])["GET api/res.partner/search"]
        login = next(header for header in search["request"]["header"] if header["key"] == "Login-Token")
        self.assertEqual(login["value"], "{{login_token}}")
        self.assertTrue(login["description"].startswith("Optional"))

    def test_key_requiring_login_tokens_starts_with_one(self):
        spec = build_openapi(SERVER, [partner_doc()], version=VERSION, login_token_required=True)
        collection = build_postman(spec)
        self.assertEqual([folder["name"] for folder in collection["item"]], ["Login tokens", "res.partner", "Batch"])
        for item in collection["item"][1]["item"]:
            with self.subTest(request=item["name"]):
                login = next(header for header in item["request"]["header"] if header["key"] == "Login-Token")
                self.assertTrue(login["description"].startswith("Required by this API key"))

    def test_login_token_required_by_security_requirements(self):
        for requirements, required in (
            ([{"ApiKey": [], "LoginToken": []}, {"ApiKey": [], "Bearer": []}], True),
            ([{"ApiKey": [], "LoginToken": []}], True),
            ([{"ApiKey": []}, {"ApiKey": [], "LoginToken": []}, {"Bearer": []}], False),
            ([{"ApiKey": []}, {"Bearer": []}], False),
            ([], False),
            (None, False),
        ):
            with self.subTest(requirements=requirements):
                self.assertEqual(login_token_required(requirements), required)

    def test_query_parameters_are_offered_but_off(self):
        search = requests_of(self.folders["res.partner"])["GET api/res.partner/search"]
        query = {item["key"]: item for item in search["request"]["url"]["query"]}
        self.assertEqual(set(query), {"domain", "fields", "limit", "offset", "cursor", "order"})
        self.assertEqual([key for key, item in query.items() if not item["disabled"]], ["limit"])

    def test_anonymous_document(self):
        collection = build_postman(build_openapi(SERVER, None, version=VERSION))
        variables = {variable["key"]: variable["value"] for variable in collection["variable"]}
        self.assertEqual(variables["model"], "res.partner")
        records = collection["item"][0]
        self.assertEqual(records["name"], "Records")
        create = records["item"][0]["request"]
        self.assertEqual(create["url"]["variable"], [{"key": "model", "value": "{{model}}"}])
        self.assertEqual(json.loads(create["body"]["raw"]), {"name": "New record"})
        for update in records["item"]:
            request = update["request"]
            if request["method"] in ("PUT", "PATCH") and request["body"]["mode"] == "raw":
                if request["url"]["path"][-1] != ":id":  # many records: the created one, by id
                    self.assertIn('"ids": [{{record_created_id}}]', request["body"]["raw"])
                    continue
                # never {}, which the API refuses (400)
                self.assertEqual(json.loads(update["request"]["body"]["raw"]), {"name": "New record"})
        by_name = {item["name"]: item["request"] for item in records["item"]}
        self.assertEqual(by_name["Upload a file"]["body"], {"mode": "file", "file": {"src": ""}})
        self.assertEqual(by_name["Attach files"]["body"]["formdata"], [{"key": "file", "type": "file", "src": []}])
        self.assertIn({"key": "field", "value": "raw"}, by_name["Download a file"]["url"]["variable"])
        self.assertIn({"key": "id", "value": "{{record_created_id}}"}, by_name["Upload a file"]["url"]["variable"])


class TestExampleValues(BaseCase):
    def test_examples_by_schema(self):
        spec = {
            "components": {
                "schemas": {
                    "Thing": {
                        "type": "object",
                        "required": ["a"],
                        "properties": {"a": {"type": "integer", "minimum": 3}},
                    }
                }
            }
        }
        for schema, expected in (
            ({"type": "string"}, "Example"),
            ({"type": "string", "format": "date"}, "2026-01-31"),
            ({"type": ["null", "number"]}, 1.0),
            ({"type": "boolean"}, True),
            ({"anyOf": [{"enum": ["b", "c"]}, {"const": False}]}, "b"),
            ({"const": False}, False),
            ({"type": "array", "items": {"type": "integer"}}, []),
            ({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]}, [1, "Example"]),
            ({"$ref": "#/components/schemas/Thing"}, {"a": 3}),
            ({"allOf": [{"$ref": "#/components/schemas/Thing"}], "required": []}, {"a": 3}),
            ({"examples": [{"x": 1}], "type": "object"}, {"x": 1}),
            ({}, None),
        ):
            with self.subTest(schema=schema):
                self.assertEqual(example_value(schema, spec), expected)


class TestExampleBodies(BaseCase):
    """The bodies Swagger UI's "Try it out" and the Postman collection send: minimal and valid."""

    def body_examples(self, doc):
        spec = build_openapi(SERVER, [doc], version=VERSION)
        examples = {}
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if "requestBody" in operation:
                    examples[method, path] = operation["requestBody"]["content"]["application/json"]["example"]
        return examples

    def test_create_sets_the_required_fields_and_the_name_only(self):
        examples = self.body_examples(partner_doc())
        # no parent_id: Swagger UI's own example (every field) made the partner its own parent (422)
        self.assertEqual(examples["post", "/api/res.partner/create"], {"name": "Example"})
        self.assertEqual(examples["put", "/api/res.partner/{id}"], {"name": "Example"})
        self.assertEqual(examples["patch", "/api/res.partner"], {"ids": [1, 2], "values": {"name": "Example"}})
        required = {
            "name": {"type": "char", "string": "Name"},
            "partner_id": {"type": "many2one", "relation": "res.partner", "required": True},
        }
        examples = self.body_examples(ModelDoc("res.users", "User", required, frozenset({"create", "write"})))
        self.assertEqual(examples["post", "/api/res.users/create"], {"name": "Example", "partner_id": 1})

    def test_update_without_a_text_field_sets_a_simple_one(self):
        fields = {
            "cron_id": {"type": "many2one", "relation": "ir.cron"},
            "done": {"type": "integer"},
            "deactivate": {"type": "boolean"},
        }
        examples = self.body_examples(ModelDoc("ir.cron.progress", "Progress", fields, frozenset({"write"})))
        self.assertEqual(examples["put", "/api/ir.cron.progress/{id}"], {"deactivate": True})
        self.assertEqual(examples["patch", "/api/ir.cron.progress/{id}"], {"deactivate": True})


class TestDocumentationOrder(BaseCase):
    def test_usual_models_first_then_by_name(self):
        names = ["bus.presence", "base_import.mapping", "res.users", "sale.order", "res.partner", "ir.cron"]
        self.assertEqual(
            documentation_order(names),
            ["res.partner", "sale.order", "res.users", "base_import.mapping", "bus.presence", "ir.cron"],
        )
