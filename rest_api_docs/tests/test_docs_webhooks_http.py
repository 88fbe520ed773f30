"""The published document says what the webhook endpoints answer and what a receiver gets: over
real HTTP, a key allowed to manage webhooks reads its document, creates and lists a subscription
(each answer valid against the document), and the event delivered to a real receiver on loopback
is valid against the document's ``webhooks`` entry."""

import json

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from odoo.tests import tagged

from odoo.addons.rest_api_core.tests.test_webhooks import WebhookCase, verify


def schema_of(spec, schema):
    return Draft202012Validator({**schema, "components": spec["components"]})


@tagged("post_install", "-at_install")
class TestWebhooksDocument(WebhookCase):
    def document(self):
        spec = self.assertJson(self.api("GET", "/api/openapi.json", key=self.key["key"]))
        validate(spec)
        return spec

    def test_the_document_describes_the_answers_and_the_deliveries(self):
        self.assertNotIn("/api/webhooks", self.document()["paths"])
        self.env["rest.api.key"].browse(self.key["id"]).allow_webhooks = True
        spec = self.document()
        self.assertEqual(set(spec["paths"]["/api/webhooks"]), {"get", "post"})
        create = spec["paths"]["/api/webhooks"]["post"]
        example = create["requestBody"]["content"]["application/json"]["example"]
        created = self.assertJson(
            self.api("POST", "/api/webhooks", key=self.key["key"], body={**example, "url": self.receiver.url}), 201
        )
        schema_of(spec, create["responses"]["201"]["content"]["application/json"]["schema"]).validate(created)
        listed = self.assertJson(self.api("GET", "/api/webhooks", key=self.key["key"]))
        listing = spec["paths"]["/api/webhooks"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        schema_of(spec, listing).validate(listed)
        self.assertEqual([hook["id"] for hook in listed], [created["id"]])
        # the example subscription matches no record: its events are captured, never sent
        self.partner.write({"name": "Not announced"})
        self.send()
        self.assertFalse(self.receiver.received)
        self.assertJson(self.api("DELETE", f"/api/webhooks/{created['id']}", key=self.key["key"]))

        # a subscription of the key delivers what the document's entry describes
        _webhook, secret = self.subscribe(events=["updated"])
        self.partner.write({"name": "Documented", "email": "documented@example.com"})
        self.send()
        [(headers, raw)] = self.receiver.received
        self.assertTrue(verify(secret, headers, raw))
        delivery = spec["webhooks"]["res.partner.updated"]["post"]
        body = json.loads(raw)
        schema_of(spec, delivery["requestBody"]["content"]["application/json"]["schema"]).validate(body)
        self.assertEqual((body["data"]["name"], body["data"]["email"]), ("Documented", "documented@example.com"))
        lower = {name.lower(): value for name, value in headers.items()}
        for reference in delivery["parameters"]:
            parameter = spec["components"]["parameters"][reference["$ref"].rsplit("/", 1)[1]]
            Draft202012Validator(parameter["schema"]).validate(lower[parameter["name"]])
