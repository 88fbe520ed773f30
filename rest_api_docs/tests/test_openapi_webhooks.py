"""Webhooks in the document, on plain data: the subscription endpoints as the registry declares
them (for a key allowed to manage webhooks only), the events as OpenAPI 3.1 ``webhooks``."""

import json

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from odoo.tests import BaseCase

from odoo.addons.rest_api_core import webhook_delivery, webhook_provisioning
from odoo.addons.rest_api_core.endpoints import BY_ACTION

from ..openapi import MAX_DETAILED_MODELS, OPERATIONS, ModelDoc, build_openapi
from ..postman import build_postman
from ..webhook_docs import SUBSCRIPTION_ACTIONS
from .test_openapi import SERVER, VERSION, partner_doc


def payload_validator(spec, name):
    """A validator of the body the document's webhook ``name`` posts (its refs resolved in ``spec``)."""
    schema = spec["webhooks"][name]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": spec["components"]})


class TestSubscriptionEndpoints(BaseCase):
    def test_only_in_the_document_of_a_key_that_may_manage_webhooks(self):
        paths = {BY_ACTION[action].path for action in SUBSCRIPTION_ACTIONS}
        self.assertFalse(paths & set(build_openapi(SERVER, None, version=VERSION)["paths"]))
        self.assertFalse(paths & set(build_openapi(SERVER, [partner_doc()], version=VERSION)["paths"]))
        self.assertFalse(paths & set(build_openapi(SERVER, None, version=VERSION, webhooks=True)["paths"]))
        for compact in (False, True):
            with self.subTest(compact=compact):
                spec = build_openapi(SERVER, [partner_doc()], version=VERSION, webhooks=True, compact=compact)
                validate(spec)
                self.assertIn("Webhooks", [tag["name"] for tag in spec["tags"]])
                for action in SUBSCRIPTION_ACTIONS:
                    endpoint = BY_ACTION[action]
                    operation = spec["paths"][endpoint.path][endpoint.method.lower()]
                    self.assertEqual((operation["x-odoo-action"], operation["operationId"]), (action, action))
                    statuses = set(operation["responses"]) - {"default"}
                    self.assertEqual(statuses, {str(endpoint.status), *map(str, endpoint.documented_errors)})
                    header_names = {parameter["$ref"].rsplit("/", 1)[1] for parameter in operation["parameters"]}
                    self.assertEqual("idempotency_key" in header_names, endpoint.writes)

    def test_the_bodies_are_the_ones_the_server_checks_and_answers(self):
        spec = build_openapi(SERVER, [partner_doc()], version=VERSION, webhooks=True)
        schemas = spec["components"]["schemas"]
        self.assertEqual(schemas["WebhookRequest"], webhook_provisioning.request_schema())
        self.assertEqual(schemas["Webhook"], webhook_provisioning.subscription_schema())
        self.assertEqual(schemas["WebhookCreated"], webhook_provisioning.created_schema())
        create = spec["paths"]["/api/webhooks"]["post"]
        media = create["requestBody"]["content"]["application/json"]
        self.assertEqual(media["schema"], {"$ref": "#/components/schemas/WebhookRequest"})
        # the example is valid, on a model the key may read, and matches no record
        Draft202012Validator(webhook_provisioning.request_schema()).validate(media["example"])
        self.assertEqual((media["example"]["model"], media["example"]["domain"]), ("res.partner", [["id", "=", 0]]))
        created = create["responses"]["201"]["content"]["application/json"]["schema"]
        self.assertEqual(created, {"$ref": "#/components/schemas/WebhookCreated"})

    def test_the_postman_collection_creates_lists_and_deletes_its_own_webhook(self):
        spec = build_openapi(SERVER, [partner_doc()], version=VERSION, webhooks=True)
        collection = build_postman(spec, name="webhooks", database="db")
        folder = next(item for item in collection["item"] if item["name"] == "Webhooks")
        requests = [item["request"] for item in folder["item"]]
        self.assertEqual([request["method"] for request in requests], ["POST", "GET", "DELETE"])
        self.assertEqual(requests[2]["url"]["variable"], [{"key": "id", "value": "{{webhook_created_id}}"}])
        tests = [" ".join(item["event"][-1]["script"]["exec"]) for item in folder["item"]]
        self.assertIn('pm.collectionVariables.set("webhook_created_id", created)', tests[0])
        self.assertIn("422", tests[0])  # the example URL may not resolve where the collection runs
        self.assertIn('pm.collectionVariables.unset("webhook_created_id")', tests[2])
        self.assertEqual(folder["item"][2]["event"][0]["listen"], "prerequest")  # skipped without one
        self.assertIn("webhook_created_id", [variable["key"] for variable in collection["variable"]])


class TestEventWebhooks(BaseCase):
    def test_one_entry_per_model_and_event_the_key_may_read(self):
        tags = ModelDoc("res.partner.category", "Tag", {"name": {"type": "char"}}, frozenset({"create"}))
        spec = build_openapi(SERVER, [partner_doc(), tags], version=VERSION)
        validate(spec)
        # the tags' key may not read them: no subscription of it could post their changes
        self.assertEqual(list(spec["webhooks"]), ["res.partner.created", "res.partner.updated", "res.partner.deleted"])
        delivery = spec["webhooks"]["res.partner.updated"]["post"]
        self.assertEqual(delivery["security"], [])
        parameters = [
            spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
            for parameter in delivery["parameters"]
        ]
        sent = webhook_delivery.headers("msg_1_2", 1796100000, b"{}", [webhook_delivery.new_secret()] * 2)
        self.assertEqual([parameter["name"] for parameter in parameters], [name for name in sent if "webhook" in name])
        for parameter in parameters:
            self.assertTrue(parameter["required"])
            Draft202012Validator(parameter["schema"]).validate(sent[parameter["name"]])
        self.assertEqual(set(delivery["responses"]), {"2XX", "410", "default"})
        self.assertIn("Webhooks.", spec["info"]["description"])

    def test_the_payloads_are_the_record_schemas_of_the_field_type_contract(self):
        spec = build_openapi(SERVER, [partner_doc()], version=VERSION)
        updated = payload_validator(spec, "res.partner.updated")
        body = {"type": "res.partner.updated", "timestamp": "2026-12-02T06:50:00Z",
                "data": {"id": 7, "name": "Acme", "parent_id": [3, "Parent"], "active": True}}  # fmt: skip
        updated.validate(body)
        self.assertFalse(updated.is_valid({**body, "type": "res.partner.created"}))
        self.assertFalse(updated.is_valid({**body, "data": {"name": "Acme"}}))  # no id
        self.assertFalse(updated.is_valid({**body, "data": {"id": 7, "parent_id": "Parent"}}))  # a many2one's shape
        deleted = payload_validator(spec, "res.partner.deleted")
        deleted.validate({"type": "res.partner.deleted", "timestamp": "2026-12-02T06:50:00Z", "data": {"id": 7}})
        self.assertFalse(deleted.is_valid({"type": "res.partner.deleted", "timestamp": "x"}))
        data = spec["webhooks"]["res.partner.created"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        self.assertEqual(data["properties"]["data"], {"$ref": "#/components/schemas/res.partner"})  # not repeated

    def test_compact_and_generic_documents_have_one_entry_per_event(self):
        many = [ModelDoc(f"x.model{index}", "X", {}, frozenset(OPERATIONS)) for index in range(MAX_DETAILED_MODELS + 1)]
        compact = build_openapi(SERVER, many, version=VERSION, compact=True)
        validate(compact)
        self.assertEqual(list(compact["webhooks"]), ["{model}.created", "{model}.updated", "{model}.deleted"])
        created = payload_validator(compact, "{model}.created")
        body = {"type": "x.model3.created", "timestamp": "2026-12-02T06:50:00Z", "data": {"id": 1, "name": "X"}}
        created.validate(body)
        self.assertFalse(created.is_valid({**body, "type": "res.partner.created"}))  # not the key's
        self.assertLess(len(json.dumps(compact["webhooks"])), 20000)  # bounded, however many models
        generic = build_openapi(SERVER, None, version=VERSION)
        validate(generic)
        payload_validator(generic, "{model}.created").validate({**body, "type": "res.partner.created"})
        self.assertFalse(payload_validator(generic, "{model}.deleted").is_valid(body))
        # a key that may read nothing gets none
        nothing = build_openapi(SERVER, [partner_doc({"create"})], version=VERSION)
        self.assertNotIn("webhooks", nothing)
        self.assertNotIn("webhook_id", nothing["components"]["parameters"])
