"""The documentation endpoints over real HTTP: anonymous, with keys, and refused."""

import json
import re
from unittest.mock import patch

from openapi_spec_validator import validate

from odoo.http import _generate_routing_rules
from odoo.tests import HttpCase, tagged
from odoo.tools import config

from odoo.addons.rest_api_auth.scope import model_denied
from odoo.addons.rest_api_auth.tests.common import RestApiUsersMixin, make_api_key, make_personal_key

from ..models.res_config_settings import DOCS_PUBLIC_PARAM
from ..openapi import MAX_DETAILED_MODELS, TOKEN_SECURITY

PROBLEM_JSON = "application/problem+json"


@tagged("post_install", "-at_install")
class TestDocsEndpoints(RestApiUsersMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        cls.admin_key = make_personal_key(cls.admin)
        cls.user_key = make_api_key(cls.env, cls.user, allow_token_generation=True)[1]
        cls.specific_key = make_api_key(
            cls.env,
            cls.user,
            scope_mode="specific",
            access=[
                {"model": "res.partner", "read": True, "execute": True, "methods": ["name_search"]},
                {"model": "res.partner.category", "read": True, "create": True, "write": True, "unlink": True},
                {"model": "ir.config_parameter", "read": True},  # the user may not read it
            ],
        )[1]

    def get(self, path, key=None, **headers):
        if key:
            headers["api-key"] = key
        return self.url_open(path, headers=headers)

    def assertProblem(self, response, status):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], PROBLEM_JSON)
        body = response.json()
        self.assertEqual(body["status"], status)
        return body

    # ------------------------------------------------------------ anonymous

    def test_anonymous_document_is_generic(self):
        response = self.get("/api/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        spec = response.json()
        validate(spec)
        self.assertIn("/api/{model}/search", spec["paths"])
        # nothing about this database: no model's path nor schema
        self.assertEqual([path for path in spec["paths"] if "." in path], [])
        self.assertEqual([name for name in spec["components"]["schemas"] if "." in name], [])
        self.assertEqual(spec["servers"], [{"url": self.base_url()}])
        self.assertEqual(spec["components"]["parameters"]["database"]["name"], "X-Odoo-Database")

    def test_server_url_is_the_one_the_client_used(self):
        """Derived from the request (behind a proxy, with --proxy-mode, from X-Forwarded-*), never configured."""
        forwarded = {"X-Forwarded-Host": "api.example.com", "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.1.2.3"}
        for proxy_mode, expected in ((False, self.base_url()), (True, "https://api.example.com")):
            with self.subTest(proxy_mode=proxy_mode), patch.dict(config.options, {"proxy_mode": proxy_mode}):
                spec = self.get("/api/openapi.json", **forwarded).json()
                self.assertEqual(spec["servers"], [{"url": expected}])
                collection = self.get("/api/postman_collection.json", self.admin_key, **forwarded).json()
                self.assertEqual({v["key"]: v["value"] for v in collection["variable"]}["base_url"], expected)

    def test_anonymous_postman_collection(self):
        response = self.get("/api/postman_collection.json")
        self.assertEqual(response.status_code, 200)
        collection = response.json()
        self.assertEqual(
            collection["info"]["schema"], "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
        )
        self.assertEqual([folder["name"] for folder in collection["item"]], ["Records", "Batch", "Login tokens"])
        variables = {variable["key"]: variable["value"] for variable in collection["variable"]}
        self.assertEqual(variables["database"], "")  # the generic collection does not name this database

    def test_hidden_documentation_needs_a_key(self):
        self.env["ir.config_parameter"].sudo().set_param(DOCS_PUBLIC_PARAM, "False")
        for path in ("/api/openapi.json", "/api/postman_collection.json"):
            with self.subTest(path=path):
                response = self.get(path)
                body = self.assertProblem(response, 401)
                self.assertIn("needs an API key", body["detail"])
                self.assertIn("WWW-Authenticate", response.headers)
                self.assertEqual(self.get(path, self.admin_key).status_code, 200)
        # the page itself reveals nothing: it stays available, to authorize with a key
        self.assertEqual(self.get("/api/docs").status_code, 200)
        # "off" is off, as for every on/off parameter (it once left the documents public)
        for word, status in (("off", 401), ("no", 401), ("on", 200), ("yes", 200)):
            with self.subTest(word=word):
                self.env["ir.config_parameter"].sudo().set_param(DOCS_PUBLIC_PARAM, word)
                self.assertEqual(self.get("/api/openapi.json").status_code, status)

    def test_per_model_documentation_needs_a_key(self):
        self.assertProblem(self.get("/api/openapi.json?models=res.partner"), 401)

    def test_settings_store_the_choice_explicitly(self):
        settings = self.env["res.config.settings"].create({"rest_api_docs_public": False})
        settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param(DOCS_PUBLIC_PARAM), "False")
        self.assertFalse(self.env["res.config.settings"].create({}).rest_api_docs_public)
        self.assertEqual(self.get("/api/openapi.json").status_code, 401)
        self.env["res.config.settings"].create({"rest_api_docs_public": True}).execute()
        self.assertTrue(self.env["res.config.settings"].create({}).rest_api_docs_public)
        self.assertEqual(self.get("/api/openapi.json").status_code, 200)

    # ------------------------------------------------------------ with a key

    def test_invalid_key_is_refused(self):
        for path in ("/api/openapi.json", "/api/postman_collection.json", "/api/openapi.json?models=res.partner"):
            with self.subTest(path=path):
                response = self.get(path, "0" * 40)
                self.assertProblem(response, 401)
                self.assertIn("WWW-Authenticate", response.headers)

    def test_key_document_lists_its_models(self):
        response = self.get("/api/openapi.json", self.admin_key)
        self.assertEqual(response.status_code, 200)
        spec = response.json()
        validate(spec)
        self.assertNotIn("/api/{model}/search", spec["paths"])
        for path in ("/api/res.partner/search", "/api/res.partner/{id}", "/api/ir.config_parameter/create"):
            self.assertIn(path, spec["paths"])
        partner = spec["components"]["schemas"]["res.partner"]["properties"]
        self.assertEqual(partner["name"]["title"], "Name")
        vary = {name.strip().lower() for name in response.headers.get("Vary").split(",")}
        # every header that may carry a credential (rest_api_auth.credentials)
        self.assertLessEqual({"api-key", "x-api-key", "authorization", "login-token", "x-login-token", "token"}, vary)

    def test_key_collection_names_its_database(self):
        collection = self.get("/api/postman_collection.json?models=res.partner", self.user_key).json()
        variables = {variable["key"]: variable["value"] for variable in collection["variable"]}
        self.assertEqual(variables["database"], self.env.cr.dbname)
        search = next(item for item in collection["item"][0]["item"] if item["name"] == "Search records")
        headers = {header["key"]: header["value"] for header in search["request"]["header"]}
        self.assertEqual(headers["X-Odoo-Database"], "{{database}}")
        # what the collection sends: the database this server serves
        response = self.get("/api/res.partner/search?limit=1", self.user_key, **{"X-Odoo-Database": self.env.cr.dbname})
        self.assertEqual(response.status_code, 200, response.text)

    def test_credential_models_and_wizards_are_never_documented(self):
        spec = self.get("/api/openapi.json", self.admin_key).json()
        validate(spec)
        models = {tag["name"] for tag in spec["tags"]} - {"Login tokens", "Monitoring", "Batch"}
        self.assertIn("res.users", models)
        self.assertEqual([name for name in models if model_denied(name)], [])
        self.assertEqual([name for name in models if self.env[name]._transient or self.env[name]._abstract], [])
        self.assertFalse([path for path in spec["paths"] if model_denied(path.split("/")[2])])
        # even the administrator, who may read them in Odoo
        for name in ("rest.api.key", "rest.api.token", "res.users.apikeys"):
            with self.subTest(name=name):
                body = self.assertProblem(self.get(f"/api/openapi.json?models={name}", self.admin_key), 403)
                self.assertIn("cannot be used through the REST API", body["detail"])
        body = self.assertProblem(self.get("/api/openapi.json?models=res.config.settings", self.admin_key), 404)
        self.assertIn("wizard", body["detail"])
        # res.users' key fields are read-only in the documentation
        spec = self.get("/api/openapi.json?models=res.users", self.admin_key).json()
        writable = spec["components"]["schemas"]["res.users-values"]["properties"]
        self.assertIn("name", writable)
        self.assertNotIn("api_key_ids", writable)

    def test_models_parameter_narrows(self):
        spec = self.get("/api/openapi.json?models=res.partner,res.partner.category", self.admin_key).json()
        validate(spec)
        # a personal key cannot issue login tokens (no token endpoint) nor read the metrics (no
        # "Read Metrics" permission of its own), even the administrator's
        self.assertEqual([tag["name"] for tag in spec["tags"]], ["res.partner", "res.partner.category", "Batch"])
        self.assertNotIn("/api/metrics", spec["paths"])
        collection = self.get("/api/postman_collection.json?models=res.partner", self.user_key).json()
        self.assertEqual([folder["name"] for folder in collection["item"]], ["res.partner", "Batch", "Login tokens"])
        # names as Odoo writes them: the pattern the document publishes for {model}
        for value in ("Res.Partner", "res..partner", "rés.partner", "res.partner;x"):
            with self.subTest(value=value):
                body = self.assertProblem(self.get(f"/api/openapi.json?models={value}", self.admin_key), 400)
                self.assertEqual(body["invalid_params"][0]["name"], "models")

    def test_metrics_in_the_document_of_a_key_that_may_read_them(self):
        key, secret = make_api_key(self.env, self.admin)
        self.assertNotIn("/api/metrics", self.get("/api/openapi.json?models=res.partner", secret).json()["paths"])
        key.allow_metrics = True
        spec = self.get("/api/openapi.json?models=res.partner", secret).json()
        self.assertIn("/api/metrics", spec["paths"])
        self.assertIn("Monitoring", [tag["name"] for tag in spec["tags"]])

    def test_mcp_resources_are_the_documents_model_schemas(self):
        """The MCP resource of a model holds the very component schemas of its OpenAPI document."""
        message = {"jsonrpc": "2.0", "id": 1, "method": "resources/read",
                   "params": {"uri": "odoo://model/res.partner/schema"}}  # fmt: skip
        headers = {"api-key": self.admin_key, "Content-Type": "application/json"}
        answer = self.url_open("/api/mcp", data=json.dumps(message), headers=headers).json()
        resource = json.loads(answer["result"]["contents"][0]["text"].replace("#/$defs/", "#/components/schemas/"))
        components = self.get("/api/openapi.json?models=res.partner", self.admin_key).json()["components"]["schemas"]
        self.assertEqual(resource["properties"], components["res.partner"]["properties"])
        for name in ("res.partner-values", "res.partner-create"):
            self.assertEqual(resource["$defs"][name], components[name])

    def test_bad_models_parameter(self):
        body = self.assertProblem(self.get("/api/openapi.json?models=no.such.model", self.admin_key), 404)
        self.assertIn("no.such.model", body["detail"])
        self.assertProblem(self.get("/api/openapi.json?models=res.partner,'drop'", self.admin_key), 400)
        self.assertProblem(self.get("/api/openapi.json?models=,", self.admin_key), 400)
        too_many = ",".join(f"x.model{number}" for number in range(MAX_DETAILED_MODELS + 1))
        body = self.assertProblem(self.get(f"/api/openapi.json?models={too_many}", self.admin_key), 400)
        self.assertIn(f"at most {MAX_DETAILED_MODELS} models", body["detail"])

    def test_user_rights_shape_the_document(self):
        spec = self.get("/api/openapi.json", self.user_key).json()
        validate(spec)
        self.assertIn("/api/res.partner/search", spec["paths"])
        self.assertNotIn("/api/ir.config_parameter/search", spec["paths"])  # administrators only
        self.assertNotIn("delete", spec["paths"].get("/api/res.currency/{id}", {}))
        self.assertProblem(self.get("/api/openapi.json?models=ir.config_parameter", self.user_key), 403)

    def test_specific_key_documents_its_scope_only(self):
        spec = self.get("/api/openapi.json", self.specific_key).json()
        validate(spec)
        self.assertEqual([tag["name"] for tag in spec["tags"]], ["res.partner", "res.partner.category", "Batch"])
        operations = {
            (path, method) for path, item in spec["paths"].items() for method in item if method != "parameters"
        }
        self.assertEqual(
            operations,
            {
                ("/api/res.partner/search", "get"),
                ("/api/res.partner/changes", "get"),
                ("/api/res.partner/record_count", "get"),
                ("/api/res.partner/schema", "get"),
                ("/api/res.partner/{id}", "get"),
                ("/api/res.partner/changes", "get"),
                ("/api/res.partner/execute_kw", "post"),
                ("/api/res.partner/{id}/{field}", "get"),  # its images (no ir.attachment: no attachments)
                # the key may also create, write and delete tags, but its user may only read them
                ("/api/res.partner.category/search", "get"),
                ("/api/res.partner.category/changes", "get"),
                ("/api/res.partner.category/record_count", "get"),
                ("/api/res.partner.category/schema", "get"),
                ("/api/res.partner.category/{id}", "get"),
                ("/api/res.partner.category/changes", "get"),
                ("/api/batch", "post"),  # for its execute_kw operations
            },
        )
        method = spec["paths"]["/api/res.partner/execute_kw"]["post"]["requestBody"]["content"]["application/json"]
        self.assertEqual(method["schema"]["properties"]["method"]["enum"], ["name_search"])
        self.assertProblem(self.get("/api/openapi.json?models=res.users", self.specific_key), 403)
        self.assertProblem(self.get("/api/openapi.json?models=ir.config_parameter", self.specific_key), 403)

    def test_x2many_commands_follow_what_the_key_may_do_on_the_comodel(self):
        """The values of create/update commands: the comodel's values schema where the document has
        it; no such command where the key or its user may not create/write the comodel's records."""

        def commands(spec, field):
            schema = spec["components"]["schemas"]["res.partner-values"]["properties"][field]
            forms = schema["anyOf"][0]["anyOf"][1]["items"]["anyOf"]
            return {form["prefixItems"][0].get("const"): form["prefixItems"][2] for form in forms[:-3]}

        ref = {"$ref": "#/components/schemas/res.partner-values"}
        spec = self.get("/api/openapi.json?models=res.partner", self.admin_key).json()
        self.assertEqual(commands(spec, "child_ids"), {0: ref, 1: ref})
        # a comodel ?models= left out, which the key may use: an object, named
        self.assertEqual(
            commands(spec, "category_id"),
            {code: {"type": "object", "description": "Values of a `res.partner.category` record."} for code in (0, 1)},
        )
        spec = self.get("/api/openapi.json", self.specific_key).json()
        self.assertEqual(commands(spec, "child_ids"), {})  # the key may only read and execute on contacts
        self.assertEqual(commands(spec, "category_id"), {})  # its user may only read tags
        self.assertEqual(commands(spec, "bank_ids"), {})  # not in the key's scope

    def test_key_requiring_login_tokens_documents_how_to_get_one(self):
        """The key alone reads its documentation, which shows the token flow; following it works."""
        _key, secret = make_api_key(
            self.env,
            self.user,
            allow_token_generation=True,
            require_login_token=True,
            scope_mode="specific",
            access=[{"model": "res.partner", "read": True}],
        )
        response = self.get("/api/openapi.json", secret)
        self.assertEqual(response.status_code, 200, response.text)
        spec = response.json()
        validate(spec)
        self.assertEqual(spec["security"], TOKEN_SECURITY)
        self.assertEqual([tag["name"] for tag in spec["tags"]], ["Login tokens", "res.partner"])
        self.assertIn("requires a login token", spec["info"]["description"])
        token_operation = spec["paths"]["/api/generate_token"]["post"]
        self.assertEqual(token_operation["security"], [{"ApiKey": []}, {"Bearer": []}])
        # as documented: the key alone is refused on data, gets a token, and the token opens the data
        self.assertProblem(self.get("/api/res.partner/search?limit=1", secret), 401)
        example = token_operation["requestBody"]["content"]["application/json"]["example"]
        response = self.url_open(
            "/api/generate_token",
            data=json.dumps(example),
            headers={"api-key": secret, "Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        login_token = response.json()["login_token"]
        for headers in ({"Login-Token": login_token}, {"Authorization": f"Bearer {login_token}"}):
            with self.subTest(headers=list(headers)):
                response = self.get("/api/res.partner/search?limit=1", secret, **headers)
                self.assertEqual(response.status_code, 200, response.text)
        # the collection starts with the token request, which stores the token for the others
        collection = self.get("/api/postman_collection.json", secret).json()
        self.assertEqual([folder["name"] for folder in collection["item"]], ["Login tokens", "res.partner"])
        script = "\n".join(collection["item"][0]["item"][0]["event"][0]["script"]["exec"])
        self.assertIn('pm.collectionVariables.set("login_token"', script)

    def test_get_routes_are_read_only(self):
        """Odoo may serve them from a read replica (DESIGN: GET routes are readonly=True)."""
        routes = {
            "/api/openapi.json",
            "/api/postman_collection.json",
            "/api/docs",
            "/rest_api_docs/keys/<int:key_id>/openapi.json",
            "/rest_api_docs/keys/<int:key_id>/postman_collection.json",
        }
        # the routes as Odoo merges them for this database's modules (what ir.http routes with)
        rules = {
            url: endpoint.routing
            for url, endpoint in _generate_routing_rules(self.env.registry._init_modules, nodb_only=False)
            if url in routes
        }
        self.assertEqual(set(rules), routes)
        for url, routing in rules.items():
            with self.subTest(route=url):
                self.assertIs(routing["readonly"], True)
                self.assertEqual(routing["methods"], ["GET"])

    # ------------------------------------------------------------ Swagger UI

    def test_swagger_ui_page_is_self_contained(self):
        response = self.get("/api/docs")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "text/html; charset=utf-8")
        policy = response.headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", policy)
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("http", re.sub(r'href="/api/openapi.json"', "", response.text).replace("http-equiv", ""))
        assets = re.findall(r'(?:src|href)="(/rest_api_docs/static/[^"]+)"', response.text)
        self.assertEqual(len(assets), 5)
        for asset in assets:
            with self.subTest(asset=asset):
                self.assertEqual(self.url_open(asset).status_code, 200)
        script = self.url_open("/rest_api_docs/static/src/js/docs.js").text
        self.assertIn("validatorUrl: null", script)
        self.assertIn("/api/openapi.json", script)

    def test_swagger_ui_license_is_shipped(self):
        for name in ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"):
            with self.subTest(name=name):
                self.assertEqual(self.url_open(f"/rest_api_docs/static/lib/swagger-ui/{name}").status_code, 200)


@tagged("post_install", "-at_install")
class TestKeyFormDocs(RestApiUsersMixin, HttpCase):
    """The "Open API Docs" and "Download Postman Collection" buttons of a key's form."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rest_api_users()
        cls.key = make_api_key(
            cls.env,
            cls.user,
            scope_mode="specific",
            access=[{"model": "res.partner", "read": True}, {"model": "res.country", "read": True}],
        )[0]

    def test_buttons_open_the_key_documents(self):
        self.assertEqual(
            self.key.action_open_api_docs(),
            {"type": "ir.actions.act_url", "url": f"/api/docs?key_id={self.key.id}", "target": "new"},
        )
        action = self.key.action_download_postman_collection()
        self.assertEqual(action["url"], f"/rest_api_docs/keys/{self.key.id}/postman_collection.json")
        self.assertEqual(action["target"], "download")
        arch = self.env["rest.api.key"].get_view(view_type="form")["arch"]
        self.assertIn('name="action_open_api_docs"', arch)
        self.assertIn('name="action_download_postman_collection"', arch)

    def test_manager_gets_the_key_scope(self):
        self.authenticate(self.manager.login, self.manager.login)
        response = self.url_open(f"/rest_api_docs/keys/{self.key.id}/openapi.json")
        self.assertEqual(response.status_code, 200)
        spec = response.json()
        validate(spec)
        self.assertEqual([tag["name"] for tag in spec["tags"]], ["res.partner", "res.country"])  # usual ones first
        response = self.url_open(f"/rest_api_docs/keys/{self.key.id}/postman_collection.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.headers["Content-Disposition"], 'attachment; filename="test key.postman_collection.json"'
        )
        collection = response.json()
        self.assertEqual([folder["name"] for folder in collection["item"]], ["res.partner", "res.country"])
        self.assertEqual({v["key"]: v["value"] for v in collection["variable"]}["api_key"], "")  # never stored

    def test_owner_may_see_its_key_others_may_not(self):
        """A key the user may not read is answered like one that does not exist: nothing leaks."""
        self.authenticate(self.user.login, self.user.login)
        self.assertEqual(self.url_open(f"/rest_api_docs/keys/{self.key.id}/openapi.json").status_code, 200)
        self.authenticate(self.other_user.login, self.other_user.login)
        missing = self.env["rest.api.key"].sudo().search([], order="id desc", limit=1).id + 1000
        for key_id in (self.key.id, missing, 2**31, 10**20):
            for document in ("openapi.json", "postman_collection.json"):
                with self.subTest(key_id=key_id, document=document):
                    response = self.url_open(f"/rest_api_docs/keys/{key_id}/{document}")
                    self.assertEqual(response.status_code, 404, response.text)
                    self.assertEqual(response.headers["Content-Type"], PROBLEM_JSON)
                    self.assertEqual(response.json()["detail"], f"There is no REST API key with id {key_id}.")

    def test_key_requiring_login_tokens(self):
        self.key.sudo().write({"require_login_token": True, "allow_token_generation": True})
        self.authenticate(self.manager.login, self.manager.login)
        spec = self.url_open(f"/rest_api_docs/keys/{self.key.id}/openapi.json").json()
        validate(spec)
        self.assertEqual(spec["security"], TOKEN_SECURITY)
        self.assertEqual(spec["tags"][0]["name"], "Login tokens")
        collection = self.url_open(f"/rest_api_docs/keys/{self.key.id}/postman_collection.json").json()
        self.assertEqual(collection["item"][0]["name"], "Login tokens")
        self.assertEqual({v["key"]: v["value"] for v in collection["variable"]}["database"], self.env.cr.dbname)

    def test_needs_a_web_session(self):
        response = self.url_open(f"/rest_api_docs/keys/{self.key.id}/openapi.json", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
