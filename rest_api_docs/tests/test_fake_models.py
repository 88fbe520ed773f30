"""Documents for real models with one field of every Odoo type, as real users see them.

The throwaway models are declared through odoo-test-helper's FakeModelLoader;
what ``read()`` returns for their records must validate against the record
schema, and the Postman example body must create a record.
"""

import json
from unittest.mock import patch

from jsonschema import Draft202012Validator
from odoo_test_helper import FakeModelLoader
from openapi_spec_validator import validate

from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import json_default

from odoo.addons.rest_api_auth.exceptions import BadRequest, NotFound, PermissionDenied
from odoo.addons.rest_api_auth.scope import FULL_SCOPE, KeyScope, ModelAccess, model_denied

from .. import catalog, openapi
from ..openapi import build_openapi
from ..postman import build_postman
from ..tags import documentation_order

FAKE = "rest.api.docs.fake"
PARENT = "rest.api.docs.fake.parent"


@tagged("post_install", "-at_install")
class TestFakeModelDocuments(TransactionCase):
    def setUp(self):
        super().setUp()
        self.loader = FakeModelLoader(self.env, self.__module__)
        self.loader.backup_registry()
        from .fake_models import RestApiDocsFake, RestApiDocsFakeParent

        self.loader.update_registry((RestApiDocsFakeParent, RestApiDocsFake))
        self.addCleanup(self.loader.restore_registry)
        for model, group, perms in (
            (FAKE, "base.group_system", (1, 1, 1, 1)),
            (PARENT, "base.group_system", (1, 1, 1, 1)),
            (FAKE, "base.group_user", (1, 0, 0, 0)),
        ):
            self.env["ir.model.access"].create(
                {
                    "name": f"{model} {group}",
                    "model_id": self.env["ir.model"]._get_id(model),
                    "group_id": self.env.ref(group).id,
                    "perm_read": perms[0],
                    "perm_write": perms[1],
                    "perm_create": perms[2],
                    "perm_unlink": perms[3],
                }
            )
        self.admin_env = self.env(user=self.env.ref("base.user_admin"))
        self.spec = build_openapi(
            "http://127.0.0.1:8069", catalog.model_docs(self.admin_env, FULL_SCOPE, [FAKE, PARENT])[0], version="18.0"
        )
        self.schemas = self.spec["components"]["schemas"]

    def record_validator(self, model=FAKE):
        return Draft202012Validator(self.schemas[model], format_checker=Draft202012Validator.FORMAT_CHECKER)

    def as_json(self, record):
        """What the API sends for ``record``: its ``read()``, through Odoo's JSON encoding."""
        return json.loads(json.dumps(record.read()[0], default=json_default))

    def test_document_is_valid(self):
        validate(self.spec)
        properties = self.schemas[FAKE]["properties"]
        self.assertEqual(properties["lang"]["anyOf"][0]["enum"], ["en_US"])  # dynamic selection, evaluated
        self.assertEqual(properties["amount"]["type"], "number")
        self.assertEqual(properties["res_id"]["type"], "integer")
        self.assertEqual(properties["payload"], {"title": "Payload"})
        self.assertEqual(properties["image"]["anyOf"][0]["contentEncoding"], "base64")
        self.assertTrue(properties["total"]["readOnly"])
        self.assertIn("secret", properties)  # the administrator may read it
        self.assertEqual(self.schemas[f"{FAKE}-create"]["required"], ["name"])  # "code" has a default
        self.assertIn("properties_definition", self.schemas[f"{PARENT}-values"]["properties"])

    def test_read_values_match_the_record_schema(self):
        parent = self.admin_env[PARENT].create(
            {"name": "Parent", "properties_definition": [{"name": "color", "type": "char", "string": "Color"}]}
        )
        full = self.admin_env[FAKE].create(
            {
                "name": "Full",
                "note": "text",
                "body": "<p>html</p>",
                "quantity": 3,
                "ratio": 1.5,
                "currency_id": self.env.ref("base.EUR").id,
                "amount": 12.25,
                "done": True,
                "day": "2026-01-31",
                "moment": "2026-01-31 13:45:07",
                "state": "done",
                "lang": "en_US",
                "data": "aGVsbG8=",
                "parent_id": parent.id,
                "tag_ids": [(0, 0, {"name": "Docs"})],
                "target": f"res.partner,{self.env.ref('base.partner_admin').id}",
                "res_model": "res.partner",
                "res_id": self.env.ref("base.partner_admin").id,
                "payload": {"nested": [1, "two", None]},
                "properties": {"color": "blue"},
                "secret": "s3cr3t",
            }
        )
        empty = self.admin_env[FAKE].create({"name": "Empty"})
        for record in (full, empty, parent):
            with self.subTest(record=record.display_name):
                values = self.as_json(record)
                errors = [
                    f"{error.json_path}: {error.message}"
                    for error in self.record_validator(record._name).iter_errors(values)
                ]
                self.assertEqual(errors, [], values)

    def test_postman_example_body_creates_a_record(self):
        collection = build_postman(self.spec)
        folder = next(folder for folder in collection["item"] if folder["name"] == FAKE)
        create = next(item for item in folder["item"] if item["request"]["url"]["path"][-1] == "create")
        body = json.loads(create["request"]["body"]["raw"])
        validator = Draft202012Validator({**self.schemas[f"{FAKE}-create"], "components": self.spec["components"]})
        self.assertEqual([error.message for error in validator.iter_errors(body)], [])
        record = self.admin_env[FAKE].create(body)
        self.assertEqual(record.name, body["name"])

    def test_internal_user_sees_what_it_may_do(self):
        user = new_test_user(self.env, login="docs_reader", groups="base.group_user")
        docs, _detailed = catalog.model_docs(self.env(user=user), FULL_SCOPE, [FAKE])
        self.assertEqual(docs[0].operations, frozenset({"read", "execute"}))
        self.assertNotIn("secret", docs[0].fields)  # field restricted to administrators
        spec = build_openapi("http://127.0.0.1:8069", docs, version="18.0")
        validate(spec)
        self.assertEqual(set(spec["paths"][f"/api/{FAKE}/{{id}}"]), {"get"})
        # a model the user may not read at all is refused, not documented
        with self.assertRaises(PermissionDenied):
            catalog.model_docs(self.env(user=user), FULL_SCOPE, [PARENT])

    def test_specific_scope_narrows_the_user_rights(self):
        scope = KeyScope(
            mode="specific",
            access={
                FAKE: ModelAccess(read=True, unlink=True, execute=True, methods=frozenset({"name_search", "copy"})),
                "res.partner": ModelAccess(),  # listed with no operation
            },
        )
        docs, detailed = catalog.model_docs(self.admin_env, scope)
        self.assertTrue(detailed)
        self.assertEqual([doc.model for doc in docs], [FAKE])
        self.assertEqual(docs[0].operations, frozenset({"read", "unlink", "execute"}))
        self.assertEqual(docs[0].methods, ("copy", "name_search"))
        spec = build_openapi("http://127.0.0.1:8069", docs, version="18.0")
        validate(spec)
        self.assertNotIn(f"/api/{FAKE}/create", spec["paths"])
        self.assertEqual(set(spec["paths"][f"/api/{FAKE}/{{id}}"]), {"get", "delete"})

    def test_every_model_of_the_user_for_scope_all(self):
        docs, detailed = catalog.model_docs(self.admin_env, FULL_SCOPE)
        self.assertTrue(detailed)  # fewer than MAX_DETAILED_MODELS here
        names = [doc.model for doc in docs]
        self.assertEqual(names, sorted(names))
        self.assertTrue({FAKE, PARENT, "res.partner", "res.users"} <= set(names))
        # the administrator may read these, but they are never documented
        self.assertTrue(self.admin_env["res.users.apikeys"].has_access("read"))
        self.assertTrue(self.admin_env["rest.api.key"].has_access("read"))
        self.assertFalse([name for name in names if model_denied(name)])
        self.assertFalse([name for name in names if self.env[name]._transient or self.env[name]._abstract])
        self.assertNotIn("res.config.settings", names)
        validate(build_openapi("http://127.0.0.1:8069", docs, version="18.0"))

    def test_credential_wizard_and_abstract_models_are_never_documented(self):
        # a scope naming them anyway (access lines refuse credential models; a scope need not come from lines)
        everything = ModelAccess(read=True, create=True, write=True, unlink=True, execute=True)
        hidden = ("rest.api.key", "res.users.apikeys", "rest.api.token", "res.config.settings", "image.mixin")
        scope = KeyScope(mode="specific", access=dict.fromkeys((*hidden, FAKE), everything))
        self.assertEqual(catalog.candidate_models(self.admin_env, scope), [FAKE])
        docs, _detailed = catalog.model_docs(self.admin_env, scope)
        self.assertEqual([doc.model for doc in docs], [FAKE])
        for name in ("rest.api.key", "rest.api.key.access", "res.users.apikeys", "rest.api.throttle", "rest.api.token"):
            with self.subTest(name=name):
                with self.assertRaises(PermissionDenied) as caught:
                    catalog.model_docs(self.admin_env, FULL_SCOPE, [name])
                self.assertIn("cannot be used through the REST API", caught.exception.detail)
        for name, detail in (
            (
                "res.config.settings",
                "Model 'res.config.settings' is a wizard (transient model): wizards are not documented.",
            ),
            ("image.mixin", "Unknown model 'image.mixin'."),
            ("no.such.model", "Unknown model 'no.such.model'."),
        ):
            with self.subTest(name=name):
                with self.assertRaises(NotFound) as caught:
                    catalog.model_docs(self.admin_env, FULL_SCOPE, [name])
                self.assertEqual(caught.exception.detail, detail)

    def test_keys_with_too_many_models_get_a_compact_document(self):
        with patch.object(openapi, "MAX_DETAILED_MODELS", 5):
            docs, detailed = catalog.model_docs(self.admin_env, FULL_SCOPE)
            self.assertFalse(detailed)
            self.assertGreater(len(docs), 5)
            self.assertEqual([doc.fields for doc in docs[:3]], [{}, {}, {}])  # no fields_get() needed
            spec = build_openapi("http://127.0.0.1:8069", docs, version="18.0", compact=True)
            validate(spec)
            enum = spec["paths"]["/api/{model}/search"]["get"]["parameters"][0]["schema"]["enum"]
            self.assertEqual(enum, documentation_order(doc.model for doc in docs))  # Swagger UI's dropdown
            self.assertEqual(enum[0], "res.partner")
            # ?models= still details the ones asked for, up to the bound
            docs, detailed = catalog.model_docs(self.admin_env, FULL_SCOPE, [FAKE])
            self.assertTrue(detailed)
            self.assertIn("payload", docs[0].fields)
            # the same bound: a compact document above it, and what ?models= may name
            self.assertEqual(len(catalog.parse_models_param("a.b,c.d,e.f,g.h,i.j")), 5)
            with self.assertRaises(BadRequest) as caught:
                catalog.parse_models_param("a.b,c.d,e.f,g.h,i.j,k.l")
            self.assertEqual(caught.exception.detail, "'models' may name at most 5 models.")
