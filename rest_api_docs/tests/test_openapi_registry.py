"""The document publishes what the endpoint registry and the server's checks declare."""

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from odoo.tests import BaseCase

from odoo.addons.rest_api_core.endpoints import (
    BY_ACTION,
    ENDPOINTS,
    batch_body_schema,
    bulk_write_body_schema,
    token_request_schema,
)
from odoo.addons.rest_api_core.metrics import CONTENT_TYPE
from odoo.addons.rest_api_core.query import MAX_OFFSET, InvalidInput, parse_limit, parse_offset

from ..openapi import build_openapi
from ..postman import build_postman
from .test_openapi import SERVER, VERSION, partner_doc


def _accepted(parse, text):
    try:
        parse(text)
    except InvalidInput:
        return False
    return True


class TestEndpointRegistry(BaseCase):
    def test_the_document_says_what_the_registry_declares(self):
        spec = build_openapi(SERVER, None, version=VERSION)
        documented = {(path, method) for path, item in spec["paths"].items() for method in item}
        self.assertEqual(documented, {(endpoint.path, endpoint.method.lower()) for endpoint in ENDPOINTS})
        for endpoint in ENDPOINTS:
            with self.subTest(endpoint=endpoint.action):
                operation = spec["paths"][endpoint.path][endpoint.method.lower()]
                self.assertEqual(operation["x-odoo-action"], endpoint.action)
                statuses = set(operation["responses"]) - {"default"}
                not_modified = {"304"} if endpoint.conditional and endpoint.method == "GET" else set()
                self.assertEqual(statuses, {str(endpoint.status), *map(str, endpoint.documented_errors), *not_modified})

    def test_the_token_body_is_the_one_the_server_checks(self):
        spec = build_openapi(SERVER, None, version=VERSION)
        self.assertEqual(spec["components"]["schemas"]["TokenRequest"], token_request_schema())
        body = spec["paths"]["/api/generate_token"]["post"]["requestBody"]
        self.assertFalse(body["required"])  # no body: the defaults
        self.assertEqual(body["content"]["application/json"]["schema"], {"$ref": "#/components/schemas/TokenRequest"})

    def test_the_bulk_bodies_are_the_ones_the_server_checks(self):
        """The create body takes one object or an array of them; the multi-record update body is the
        server's schema with the model's values; the batch body is the server's own."""
        spec = build_openapi(SERVER, [partner_doc()], version=VERSION)
        validate(spec)

        def body(path, method):
            return spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]

        create = {"$ref": "#/components/schemas/res.partner-create"}
        self.assertEqual(
            body("/api/res.partner/create", "post"),
            {"oneOf": [create, {"type": "array", "items": create, "minItems": 1}]},
        )
        values = {"allOf": [{"$ref": "#/components/schemas/res.partner-values"}], "minProperties": 1}
        for method in ("put", "patch"):
            self.assertEqual(body("/api/res.partner", method), bulk_write_body_schema(values))
        self.assertEqual(body("/api/batch", "post"), {"$ref": "#/components/schemas/BatchRequest"})
        self.assertEqual(spec["components"]["schemas"]["BatchRequest"], batch_body_schema())
        validator = Draft202012Validator({**body("/api/res.partner/create", "post"), "components": spec["components"]})
        self.assertTrue(validator.is_valid({"name": "One"}))
        self.assertTrue(validator.is_valid([{"name": "One"}, {"name": "Two"}]))
        self.assertFalse(validator.is_valid([]))
        self.assertFalse(validator.is_valid([{"name": "One"}, 5]))
        created = spec["paths"]["/api/res.partner/create"]["post"]["responses"]["201"]["content"]
        self.assertEqual(
            created["application/json"]["schema"]["oneOf"],
            [{"$ref": "#/components/schemas/Created"}, {"$ref": "#/components/schemas/CreatedMany"}],
        )

    def test_page_parameters_agree_with_the_server(self):
        """``limit`` and ``offset`` as a client following the document sends them (integers in
        decimal, whole-number floats included: JSON Schema counts them as integers): the server
        accepts exactly what the published schema allows, and refuses what is not an integer."""
        default, maximum = 20, 300
        parameters = build_openapi(SERVER, None, version=VERSION, page_limits=(default, maximum))["components"][
            "parameters"
        ]
        cases = {
            "limit": (parameters["limit"]["schema"], lambda text: parse_limit(text, default, maximum)),
            "offset": (parameters["offset"]["schema"], parse_offset),
        }
        self.assertEqual(parameters["limit"]["schema"]["default"], default)
        numbers = [-(2**31), -1, 0, 1, 2, default, maximum - 1, maximum, maximum + 1, MAX_OFFSET, MAX_OFFSET + 1]
        for name, (schema, parse) in cases.items():
            validator = Draft202012Validator(schema)
            for number in [*numbers, *(float(n) for n in numbers)]:
                text = str(number)
                with self.subTest(parameter=name, value=text):
                    self.assertEqual(_accepted(parse, text), validator.is_valid(number))
            for text in ("", "1.5", "ten", "1e3", "0x10", "5.", " 5", "5\n", "99999999999999999999"):
                with self.subTest(parameter=name, value=text):
                    self.assertFalse(_accepted(parse, text))

    def test_bodies_may_be_too_large_and_every_429_is_explained(self):
        spec = build_openapi(SERVER, None, version=VERSION)
        responses = spec["components"]["responses"]
        self.assertIn("rest_api.max_body_size", responses["ContentTooLarge"]["description"])
        too_many = responses["TooManyRequests"]["description"]
        self.assertIn("rate limit", too_many)
        self.assertIn("failed authentication", too_many)
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                with self.subTest(path=path, method=method):
                    has_413 = operation["responses"].get("413") == {"$ref": "#/components/responses/ContentTooLarge"}
                    self.assertEqual(has_413, "requestBody" in operation)


class TestMetricsDocument(BaseCase):
    def test_only_in_the_document_of_a_key_that_may_read_them(self):
        metrics = BY_ACTION["metrics"]
        self.assertNotIn(metrics.path, build_openapi(SERVER, None, version=VERSION)["paths"])
        self.assertNotIn(metrics.path, build_openapi(SERVER, [partner_doc()], version=VERSION)["paths"])
        spec = build_openapi(SERVER, [partner_doc()], version=VERSION, metrics=True)
        validate(spec)
        operation = spec["paths"][metrics.path]["get"]
        self.assertEqual(operation["operationId"], "metrics")
        self.assertEqual(list(operation["responses"]["200"]["content"]), [CONTENT_TYPE.split(";")[0]])
        # 400: a malformed X-Odoo-Company (an authenticated route)
        self.assertEqual(set(operation["responses"]) - {"default"}, {"200", "400", "401", "403", "429"})
        self.assertIn("Read Metrics", operation["description"])
        self.assertIn("Monitoring", [tag["name"] for tag in spec["tags"]])
        # and the Postman collection of that document has it, last
        collection = build_postman(spec, name="metrics", database="db")
        self.assertEqual(collection["item"][-1]["name"], "Monitoring")
        self.assertEqual(collection["item"][-1]["item"][0]["request"]["method"], "GET")
