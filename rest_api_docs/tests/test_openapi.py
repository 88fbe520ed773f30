"""The OpenAPI builder, on plain data: every document it makes must be valid OpenAPI 3.1."""

import json
from unittest.mock import patch

from openapi_spec_validator import validate

from odoo.tests import BaseCase

from odoo.addons.rest_api_auth.scope import DENIED_MODEL_PREFIXES, model_denied
from odoo.addons.rest_api_core.endpoints import BY_ACTION

from .. import openapi
from ..openapi import KEY_ONLY_SECURITY, OPERATIONS, TOKEN_SECURITY, ModelDoc, build_openapi

SERVER = "http://127.0.0.1:8069"
VERSION = "18.0.1.0.0"

# fields_get()-shaped descriptions, one field of each Odoo type
PARTNER_FIELDS = {
    "id": {"type": "integer", "string": "ID", "readonly": True, "required": False},
    "name": {"type": "char", "string": "Name", "required": True, "readonly": False, "size": 64},
    "comment": {"type": "html", "string": "Notes", "help": "Internal notes."},
    "description": {"type": "text", "string": "Description"},
    "color": {"type": "integer", "string": "Color"},
    "credit_limit": {"type": "float", "string": "Credit Limit"},
    "balance": {"type": "monetary", "string": "Balance", "currency_field": "currency_id", "readonly": True},
    "active": {"type": "boolean", "string": "Active"},
    "birthday": {"type": "date", "string": "Birthday"},
    "write_date": {"type": "datetime", "string": "Last Updated on", "readonly": True},
    "type": {"type": "selection", "string": "Type", "selection": [["contact", "Contact"], ["invoice", "Invoice"]]},
    "lang": {"type": "selection", "string": "Language", "selection": []},
    "priority": {"type": "selection", "string": "Priority", "selection": [[1, "Low"], [2, "High"]]},
    "parent_id": {"type": "many2one", "string": "Parent", "relation": "res.partner"},
    "child_ids": {"type": "one2many", "string": "Contacts", "relation": "res.partner"},
    "category_id": {"type": "many2many", "string": "Tags", "relation": "res.partner.category"},
    "image_1920": {"type": "binary", "string": "Image"},
    "ref_record": {"type": "reference", "string": "Reference", "selection": [["res.users", "User"]]},
    "res_id": {"type": "many2one_reference", "string": "Resource", "model_field": "res_model"},
    "metadata": {"type": "json", "string": "Metadata"},
    "properties": {"type": "properties", "string": "Properties"},
    "properties_definition": {"type": "properties_definition", "string": "Definition"},
    "display_name": {"type": "char", "string": "Display Name", "readonly": True},
    "country_code": {"type": "char", "string": "Country Code", "required": True, "readonly": False},
}


def partner_doc(operations=OPERATIONS, **kwargs):
    kwargs.setdefault("defaulted", frozenset({"country_code"}))
    return ModelDoc("res.partner", "Contact", PARTNER_FIELDS, frozenset(operations), **kwargs)


def operations_of(spec):
    return {
        (path, method): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    }


class TestAnonymousDocument(BaseCase):
    def setUp(self):
        super().setUp()
        self.spec = build_openapi(SERVER, None, version=VERSION)

    def test_valid_openapi_31(self):
        validate(self.spec)
        self.assertEqual(self.spec["openapi"], "3.1.0")
        self.assertEqual(self.spec["servers"], [{"url": SERVER}])
        self.assertEqual(self.spec["info"]["version"], VERSION)

    def test_generic_paths_only(self):
        self.assertEqual(
            sorted(self.spec["paths"]),
            [
                "/api/batch",
                "/api/generate_token",
                "/api/{model}",
                "/api/{model}/changes",
                "/api/{model}/create",
                "/api/{model}/execute_kw",
                "/api/{model}/record_count",
                "/api/{model}/reports",
                "/api/{model}/schema",
                "/api/{model}/search",
                "/api/{model}/{id}",
                "/api/{model}/{id}/attachments",
                "/api/{model}/{id}/report/{report}",
                "/api/{model}/{id}/{field}",
            ],
        )
        self.assertEqual(set(self.spec["paths"]["/api/{model}/{id}"]), {"get", "put", "patch", "delete"})
        self.assertEqual(set(self.spec["paths"]["/api/{model}"]), {"put", "patch", "delete"})
        download = self.spec["paths"]["/api/{model}/{id}/{field}"]["get"]["responses"]["200"]
        binary = {"schema": {"type": "string", "format": "binary"}}
        self.assertEqual(download["content"], {"application/octet-stream": binary, "*/*": binary})
        report = self.spec["paths"]["/api/{model}/{id}/report/{report}"]["get"]["responses"]["200"]
        self.assertIn("application/pdf", report["content"])
        attach = self.spec["paths"]["/api/{model}/{id}/attachments"]["post"]["requestBody"]["content"]
        self.assertEqual(list(attach), ["multipart/form-data"])
        # nothing of a database: no per-model schema
        self.assertFalse([name for name in self.spec["components"]["schemas"] if "." in name])

    def test_security_schemes(self):
        schemes = self.spec["components"]["securitySchemes"]
        self.assertEqual(schemes["ApiKey"], {**schemes["ApiKey"], "type": "apiKey", "in": "header", "name": "api-key"})
        self.assertEqual(schemes["LoginToken"]["name"], "Login-Token")
        self.assertEqual((schemes["Bearer"]["type"], schemes["Bearer"]["scheme"]), ("http", "bearer"))
        self.assertIn({"ApiKey": [], "LoginToken": []}, self.spec["security"])
        token = self.spec["paths"]["/api/generate_token"]["post"]
        self.assertNotIn("LoginToken", json.dumps(token["security"]))

    def test_every_operation_documents_success_and_problems(self):
        responses = self.spec["components"]["responses"]
        # the writing endpoints take Idempotency-Key: 409 while a retry's first request runs, 422 for another request
        writes = {endpoint.action for endpoint in BY_ACTION.values() if endpoint.writes}
        for (path, method), operation in operations_of(self.spec).items():
            with self.subTest(path=path, method=method):
                codes = set(operation["responses"])
                self.assertTrue({"401", "403", "404", "429", "default"} <= codes)
                self.assertEqual(operation["responses"]["default"], {"$ref": "#/components/responses/Error"})
                self.assertEqual("415" in codes, "requestBody" in operation)
                self.assertEqual("413" in codes, "requestBody" in operation)
                action = operation["x-odoo-action"]
                self.assertEqual({"409", "422"} <= codes, action in writes)
                self.assertEqual("422" in codes, action in writes)
                self.assertEqual("412" in codes, action in {"update", "patch", "delete"})  # If-Match
                self.assertEqual("304" in codes, action == "read")  # If-None-Match
                self.assertEqual(len([code for code in codes if code.startswith("2")]), 1)
                self.assertTrue(operation["operationId"])
                for code, response in operation["responses"].items():
                    if code[0] in "45" or code == "default":  # every error: the problem+json shape
                        name = response["$ref"].rsplit("/", 1)[1]
                        self.assertEqual(
                            responses[name]["content"],
                            {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                        )
        self.assertEqual(
            self.spec["paths"]["/api/{model}/search"]["get"]["responses"]["400"]["$ref"],
            ("#/components/responses/BadRequest"),
        )
        self.assertIn("405", responses["Error"]["description"])
        self.assertEqual(
            set(responses["TooManyRequests"]["headers"]),
            {"Retry-After", "RateLimit", "RateLimit-Policy", "X-Request-ID"},
        )
        self.assertIn("WWW-Authenticate", responses["Unauthorized"]["headers"])
        for response in responses.values():
            self.assertEqual(list(response["content"]), ["application/problem+json"])

    def test_every_operation_may_name_its_database(self):
        parameters = self.spec["components"]["parameters"]
        self.assertEqual((parameters["database"]["name"], parameters["database"]["in"]), ("X-Odoo-Database", "header"))
        self.assertEqual((parameters["db"]["name"], parameters["db"]["in"]), ("db", "query"))
        self.assertFalse(parameters["database"].get("required") or parameters["db"].get("required"))
        for (path, method), operation in operations_of(self.spec).items():
            with self.subTest(path=path, method=method):
                refs = [parameter.get("$ref") for parameter in operation["parameters"]]
                self.assertEqual(refs[-2:], ["#/components/parameters/database", "#/components/parameters/db"])
        self.assertIn("X-Odoo-Database", self.spec["info"]["description"])

    def test_credential_models_are_named_as_refused(self):
        description = self.spec["info"]["description"]
        for prefix in DENIED_MODEL_PREFIXES:
            self.assertIn(f"`{prefix}`", description)
        documented = [*self.spec["paths"], *self.spec["components"]["schemas"], *(t["name"] for t in self.spec["tags"])]
        self.assertFalse([name for name in documented if model_denied(name.removeprefix("/api/"))])

    def test_success_shapes(self):
        paths = self.spec["paths"]
        create = paths["/api/{model}/create"]["post"]["responses"]["201"]
        self.assertIn("Location", create["headers"])
        self.assertIn("Link", paths["/api/{model}/search"]["get"]["responses"]["200"]["headers"])
        count = self.spec["components"]["schemas"]["RecordCount"]
        self.assertEqual(count["required"], ["model", "domain", "record_count"])
        operation_ids = [operation["operationId"] for operation in operations_of(self.spec).values()]
        self.assertEqual(len(operation_ids), len(set(operation_ids)))


class TestKeyDocument(BaseCase):
    def test_valid_with_every_field_type(self):
        spec = build_openapi(SERVER, [partner_doc()], version=VERSION)
        validate(spec)
        self.assertEqual(spec["tags"][0], {"name": "res.partner", "description": "Contact"})
        self.assertIn("/api/res.partner/search", spec["paths"])
        self.assertNotIn("/api/{model}/search", spec["paths"])

    def test_only_the_allowed_operations(self):
        spec = build_openapi(SERVER, [partner_doc({"read", "unlink"})], version=VERSION)
        validate(spec)
        documented = {(path, method) for path, method in operations_of(spec) if path.startswith("/api/res.partner")}
        self.assertEqual(
            documented,
            {
                ("/api/res.partner/search", "get"),
                ("/api/res.partner/changes", "get"),
                ("/api/res.partner/record_count", "get"),
                ("/api/res.partner/schema", "get"),
                ("/api/res.partner/{id}", "get"),
                ("/api/res.partner/{id}", "delete"),
                ("/api/res.partner", "delete"),
            },
        )

    def test_write_only_model(self):
        spec = build_openapi(SERVER, [partner_doc({"write"})], version=VERSION)
        validate(spec)
        self.assertEqual(set(spec["paths"]["/api/res.partner/{id}"]), {"put", "patch"})
        self.assertEqual(set(spec["paths"]["/api/res.partner"]), {"put", "patch"})
        self.assertIn("/api/batch", spec["paths"])

    def test_model_without_operations_is_left_out(self):
        spec = build_openapi(SERVER, [partner_doc(set())], version=VERSION)
        self.assertFalse([path for path in spec["paths"] if "res.partner" in path])

    def test_execute_method_allow_list(self):
        spec = build_openapi(
            SERVER, [partner_doc({"execute"}, methods=("name_search", "search_count"))], version=VERSION
        )
        validate(spec)
        body = spec["paths"]["/api/res.partner/execute_kw"]["post"]["requestBody"]["content"]["application/json"]
        self.assertEqual(body["schema"]["properties"]["method"]["enum"], ["name_search", "search_count"])
        self.assertEqual(body["example"]["method"], "name_search")

    def test_compact_document_lists_the_models_of_each_operation(self):
        docs = [
            ModelDoc("res.partner", "Contact", {}, frozenset({"read", "write", "execute"})),
            ModelDoc("res.country", "Country", {}, frozenset({"read"})),
            ModelDoc("res.partner.category", "Tags", {}, frozenset({"read", "create", "unlink"})),
        ]
        spec = build_openapi(SERVER, docs, version=VERSION, compact=True)
        validate(spec)
        self.assertIn("This API key may use 3 models", spec["info"]["description"])
        self.assertEqual([tag["name"] for tag in spec["tags"]], ["Records", "Batch", "Login tokens"])
        self.assertFalse([name for name in spec["components"]["schemas"] if "." in name])

        def models_of(path, method):
            parameter = spec["paths"][path][method]["parameters"][0]
            self.assertEqual((parameter["name"], parameter["in"]), ("model", "path"))
            return parameter["schema"]["enum"]

        self.assertEqual(
            models_of("/api/{model}/search", "get"), ["res.partner", "res.partner.category", "res.country"]
        )
        self.assertEqual(models_of("/api/{model}/create", "post"), ["res.partner.category"])
        self.assertEqual(models_of("/api/{model}/{id}", "patch"), ["res.partner"])
        self.assertEqual(models_of("/api/{model}/{id}", "delete"), ["res.partner.category"])
        self.assertEqual(models_of("/api/{model}/execute_kw", "post"), ["res.partner"])
        self.assertEqual(models_of("/api/{model}", "patch"), ["res.partner"])
        self.assertEqual(models_of("/api/{model}", "delete"), ["res.partner.category"])
        self.assertEqual(
            spec["paths"]["/api/{model}/create"]["post"]["parameters"][0]["example"], "res.partner.category"
        )

    def test_compact_document_leaves_out_operations_no_model_allows(self):
        docs = [ModelDoc("res.country", "Country", {}, frozenset({"read"}))]
        spec = build_openapi(SERVER, docs, version=VERSION, compact=True, token_generation=False)
        validate(spec)
        self.assertEqual(
            sorted(spec["paths"]),
            [
                "/api/{model}/changes",
                "/api/{model}/record_count",
                "/api/{model}/reports",
                "/api/{model}/schema",
                "/api/{model}/search",
                "/api/{model}/{id}",
                "/api/{model}/{id}/attachments",
                "/api/{model}/{id}/report/{report}",
                "/api/{model}/{id}/{field}",
            ],
        )
        self.assertEqual(set(spec["paths"]["/api/{model}/{id}/{field}"]), {"get"})  # no upload without write
        self.assertEqual(set(spec["paths"]["/api/{model}/{id}"]), {"get"})

    def test_credential_models_are_never_documented(self):
        docs = [
            partner_doc({"read"}),
            ModelDoc("rest.api.key", "REST API Key", {"name": {"type": "char"}}, frozenset(OPERATIONS)),
            ModelDoc("res.users.apikeys", "API Key", {}, frozenset({"read"})),
            ModelDoc("rest.api.token", "Login token", {}, frozenset({"read"})),
        ]
        for compact in (False, True):
            with self.subTest(compact=compact):
                spec = build_openapi(SERVER, docs, version=VERSION, compact=compact)
                validate(spec)
                text = json.dumps({"paths": spec["paths"], "tags": spec["tags"], "components": spec["components"]})
                for name in ("rest.api.key", "res.users.apikeys", "rest.api.token"):
                    self.assertNotIn(f'"{name}', text)
                self.assertIn("res.partner", text)

    def test_fields_to_credential_models_are_not_writable(self):
        fields = {
            "name": {"type": "char", "string": "Name"},
            "api_key_ids": {"type": "one2many", "string": "API Keys", "relation": "res.users.apikeys"},
            "rest_api_key_ids": {"type": "one2many", "string": "REST API Keys", "relation": "rest.api.key"},
        }
        spec = build_openapi(SERVER, [ModelDoc("res.users", "User", fields, frozenset(OPERATIONS))], version=VERSION)
        validate(spec)
        schemas = spec["components"]["schemas"]
        self.assertEqual(set(schemas["res.users-values"]["properties"]), {"name"})
        self.assertTrue(schemas["res.users"]["properties"]["api_key_ids"]["readOnly"])
        self.assertTrue(schemas["res.users"]["properties"]["rest_api_key_ids"]["readOnly"])

    def test_key_requiring_login_tokens(self):
        spec = build_openapi(SERVER, [partner_doc()], version=VERSION, login_token_required=True)
        validate(spec)
        self.assertEqual(spec["security"], TOKEN_SECURITY)
        for requirement in spec["security"]:  # the key, and a token in Login-Token or as a bearer token
            self.assertEqual(len(requirement), 2)
            self.assertIn("ApiKey", requirement)
        token = spec["paths"]["/api/generate_token"]["post"]
        self.assertEqual(token["security"], KEY_ONLY_SECURITY)  # the first token needs the key alone
        self.assertNotIn("security", spec["paths"]["/api/res.partner/search"]["get"])  # the document's
        self.assertEqual(spec["tags"][0]["name"], "Login tokens")
        description = spec["info"]["description"]
        self.assertIn("requires a login token", description)
        self.assertIn("`POST /api/generate_token`", description)
        self.assertIn("Authorization: Bearer", description)
        schemes = spec["components"]["securitySchemes"]
        self.assertEqual((schemes["Bearer"]["type"], schemes["Bearer"]["scheme"]), ("http", "bearer"))

        # a key that may not generate tokens: tokens come from an administrator
        spec = build_openapi(
            SERVER, [partner_doc()], version=VERSION, login_token_required=True, token_generation=False
        )
        validate(spec)
        self.assertNotIn("/api/generate_token", spec["paths"])
        self.assertEqual(spec["security"], TOKEN_SECURITY)
        self.assertIn("an administrator issues them", spec["info"]["description"])

        # other keys: the key alone is enough; token endpoint last
        spec = build_openapi(SERVER, [partner_doc()], version=VERSION)
        self.assertIn({"ApiKey": []}, spec["security"])
        self.assertEqual(spec["tags"][-1]["name"], "Login tokens")
        self.assertNotIn("requires a login token", spec["info"]["description"])

    def test_compact_document_states_the_detail_bound(self):
        docs = [ModelDoc(f"x.model{n}", "X", {}, frozenset({"read"})) for n in range(3)]
        with patch.object(openapi, "MAX_DETAILED_MODELS", 2):
            spec = build_openapi(SERVER, docs, version=VERSION, compact=True)
        self.assertIn("more than the 2 a document details", spec["info"]["description"])
        self.assertIn("up to 2 at a time", spec["info"]["description"])
        self.assertNotIn("100", spec["info"]["description"])

    def test_usual_models_first_and_schemas_named_by_model(self):
        other = ModelDoc("account.move", "Journal Entry", {"id": {"type": "integer"}}, frozenset({"read"}))
        bus = ModelDoc("bus.presence", "User Presence", {"id": {"type": "integer"}}, frozenset({"read"}))
        spec = build_openapi(SERVER, [bus, other, partner_doc()], version=VERSION)
        validate(spec)
        self.assertEqual(
            [tag["name"] for tag in spec["tags"]],
            ["res.partner", "account.move", "bus.presence", "Batch", "Login tokens"],
        )
        self.assertTrue(
            {"res.partner", "res.partner-values", "res.partner-create", "account.move"}
            <= set(spec["components"]["schemas"])
        )
