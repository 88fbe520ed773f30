"""POST /api/generate_token over real HTTP, and the authentication every /api route shares."""

import datetime
import json
import time

import jwt

from odoo.tests import BaseCase, tagged

from odoo.addons.rest_api_auth.tests.common import (
    PROBLEM_CONTENT_TYPE,
    RestApiHttpCase,
    make_api_key,
    make_personal_key,
)
from odoo.addons.rest_api_auth.tokens import DEFAULT_EXPIRATION_DAYS, MAX_EXPIRATION_DAYS
from odoo.addons.rest_api_core.endpoints import check_body, token_request_schema
from odoo.addons.rest_api_core.query import InvalidInput

TOKEN_RESPONSE_MEMBERS = {"login_token", "message", "token_type", "expires_in_days", "expiration_date", "user_info"}


class GenerateTokenCase(RestApiHttpCase):
    def assertProblem(self, response, status, detail, path="/api/generate_token"):
        return super().assertProblem(response, status, detail, path)


@tagged("post_install", "-at_install")
class TestGenerateToken(GenerateTokenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key, cls.secret = make_api_key(cls.env, cls.user, allow_token_generation=True)
        cls.admin_key, cls.admin_secret = make_api_key(cls.env, cls.admin, allow_token_generation=True)

    def generate(self, headers=None, body=None, path="/api/generate_token", raw=None):
        return self.post(path, {"api-key": self.secret} if headers is None else headers, body, raw)

    def test_token_for_the_key_user(self):
        before = datetime.datetime.now().replace(microsecond=0)
        response = self.generate()
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        body = response.json()
        self.assertEqual(set(body), TOKEN_RESPONSE_MEMBERS)
        self.assertEqual(body["message"], "JWT Token generated successfully.")
        self.assertEqual(body["token_type"], "JWT")
        self.assertEqual(body["expires_in_days"], DEFAULT_EXPIRATION_DAYS)
        self.assertEqual(
            body["user_info"], {"user_id": self.user.id, "user_name": "Rest User", "user_login": "rest_user"}
        )
        expiration = datetime.datetime.fromisoformat(body["expiration_date"])
        self.assertGreaterEqual(expiration, before + datetime.timedelta(days=DEFAULT_EXPIRATION_DAYS))
        self.assertLessEqual(expiration, datetime.datetime.now() + datetime.timedelta(days=DEFAULT_EXPIRATION_DAYS))

        # a signed HS256 JWT naming the user, the key, the expiry, and a recorded jti
        tokens = self.env["rest.api.token"]
        self.assertEqual(jwt.get_unverified_header(body["login_token"])["alg"], "HS256")
        claims = jwt.decode(
            body["login_token"], tokens._jwt_secret(), algorithms=["HS256"], issuer=tokens._jwt_issuer()
        )
        self.assertEqual(
            (claims["sub"], claims["user_id"], claims["api_key_id"]), (str(self.user.id), self.user.id, self.key.id)
        )
        self.assertEqual(
            datetime.datetime.fromtimestamp(claims["exp"], datetime.timezone.utc).replace(tzinfo=None), expiration
        )
        token = tokens.search([("jti", "=", claims["jti"])])
        self.assertEqual((token.user_id, token.key_id, token.expires_at), (self.user, self.key, expiration))
        self.assertEqual(token.state, "valid")
        self.assertNotIn(body["login_token"], json.dumps(token.read()[0], default=str))

    def test_original_request_shape_and_model_alias(self):
        response = self.generate(
            body={"user_id": self.user.id, "expiration_days": 10}, path="/api/res.partner/generate_token"
        )
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(body["expires_in_days"], 10)
        self.assertEqual(body["user_info"]["user_id"], self.user.id)
        expiration = datetime.datetime.fromisoformat(body["expiration_date"])
        self.assertAlmostEqual(
            (expiration - datetime.datetime.now()).total_seconds(),
            datetime.timedelta(days=10).total_seconds(),
            delta=60,
        )

    def test_administrator_key_issues_for_any_user(self):
        response = self.generate({"api-key": self.admin_secret}, {"user_id": self.other_user.id, "expiration_days": 3})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            response.json()["user_info"],
            {"user_id": self.other_user.id, "user_name": "Rest Other", "user_login": "rest_other"},
        )

    def test_key_issues_only_for_its_own_user(self):
        response = self.generate(body={"user_id": self.other_user.id})
        self.assertProblem(response, 403, "This API key may only issue login tokens for its own user.")
        self.assertFalse(self.env["rest.api.token"].search([("user_id", "=", self.other_user.id)]))

    def test_key_not_allowed_to_issue_tokens(self):
        _key, secret = make_api_key(self.env, self.user)
        self.assertProblem(self.generate({"api-key": secret}), 403, "This API key may not issue login tokens.")

    def test_personal_key_cannot_issue_tokens(self):
        secret = make_personal_key(self.user)
        self.assertProblem(self.generate({"api-key": secret}), 403, "This API key may not issue login tokens.")

    def test_required_login_token_does_not_apply_to_generate_token(self):
        self.key.require_login_token = True
        self.assertEqual(self.generate().status_code, 200)

    def test_bad_expiration_days(self):
        for days in (0, -1, MAX_EXPIRATION_DAYS + 1, "10", 1.5, None, True, [3]):
            with self.subTest(days=days):
                response = self.generate(body={"expiration_days": days})
                detail = response.json().get("detail", "")
                self.assertTrue(detail.startswith("expiration_days: "), detail)
                body = self.assertProblem(response, 400, detail)
                self.assertEqual([param["name"] for param in body["invalid_params"]], ["expiration_days"])
        self.assertFalse(self.env["rest.api.token"].search([]))
        # JSON Schema counts 10.0 as an integer: so does the server
        body = self.generate(body={"expiration_days": 10.0}).json()
        self.assertEqual(body["expires_in_days"], 10)

    def test_bad_body(self):
        for raw in ("{", "[1, 2]", '"text"', "\xff\xfe", '{"user_id": }', "[" * 100_000):
            with self.subTest(raw=raw):
                response = self.generate(raw=raw.encode("latin-1"))
                self.assertEqual(response.status_code, 400, response.text)
                self.assertEqual(response.headers["Content-Type"], PROBLEM_CONTENT_TYPE)
        # the same JSON parser as every other /api body: the problem names the body
        problem = self.generate(raw=b"[1, 2]").json()
        self.assertEqual(problem["invalid_params"], [{"name": "body", "reason": "must be a JSON object, not an array"}])
        body = self.assertProblem(self.generate(body={"user": 3}), 400, "user: is not a member of this body")
        self.assertEqual(body["invalid_params"], [{"name": "user", "reason": "is not a member of this body"}])
        body = self.assertProblem(self.generate(body={"user_id": "7"}), 400, "user_id: '7' is not of type 'integer'")
        self.assertEqual(body["invalid_params"][0]["name"], "user_id")
        # an empty body is an empty object: a token for the key's user, whatever its content type
        self.assertEqual(self.generate(raw=b"").status_code, 200)
        response = self.post(
            "/api/generate_token",
            {"api-key": self.secret, "Content-Type": "application/x-www-form-urlencoded"},
            raw=b"",
        )
        self.assertEqual(response.status_code, 200, response.text)

    def test_body_is_json(self):
        response = self.post(
            "/api/generate_token", {"api-key": self.secret, "Content-Type": "text/plain"}, raw=b'{"expiration_days": 2}'
        )
        self.assertProblem(response, 415, "Send the body as JSON (Content-Type: application/json), not text/plain.")

    def test_only_post(self):
        response = self.opener.get(
            self.base_url() + "/api/generate_token", headers={"api-key": self.secret}, timeout=30
        )
        self.assertProblem(response, 405, "GET is not allowed on /api/generate_token; use POST.")
        self.assertEqual(response.headers["Allow"], "POST, OPTIONS")

    def test_unknown_or_inactive_user(self):
        headers = {"api-key": self.admin_secret}
        self.assertProblem(self.generate(headers, {"user_id": 987654}), 404, "There is no active user with id 987654.")
        self.other_user.active = False
        self.assertProblem(
            self.generate(headers, {"user_id": self.other_user.id}),
            404,
            f"There is no active user with id {self.other_user.id}.",
        )


@tagged("post_install", "-at_install")
class TestAuthenticationOverHttp(GenerateTokenCase):
    """The credential checks of every /api route, through the one route that exists in every setup."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key, cls.secret = make_api_key(cls.env, cls.user, allow_token_generation=True)

    def generate(self, headers):
        return self.post("/api/generate_token", headers)

    def test_missing_or_garbled_headers(self):
        for headers in (
            {},
            {"api-key": ""},
            {"Login-Token": "a.b.c"},
            {"Authorization": f"Basic {self.secret}"},
            {"Authorization": "Bearer"},
            {"Api-Keys": self.secret},
        ):
            with self.subTest(headers=headers):
                body = self.assertProblem(self.generate(headers), 401, "An API key is required (header 'api-key').")
                self.assertEqual(body["title"], "Unauthorized")

    def test_unknown_keys(self):
        wrong_secret = self.secret[:8] + ("0" if self.secret[8] != "0" else "1") + self.secret[9:]
        for secret in (wrong_secret, "0" * 40, "garbage", "x" * 300, "a key with spaces in it", "ключ" * 10):
            with self.subTest(secret=secret[:12]):
                headers = {"api-key": secret.encode().decode("latin-1")}
                self.assertProblem(self.generate(headers), 401, "Invalid API key.")

    def test_header_aliases(self):
        for headers in (
            {"api-key": self.secret},
            {"API-KEY": self.secret},
            {"X-API-Key": self.secret},
            {"Authorization": f"Bearer {self.secret}"},
        ):
            with self.subTest(headers=list(headers)):
                self.assertEqual(self.generate(headers).status_code, 200)
        # Odoo's HTTP server (werkzeug) drops header names with an underscore before Odoo
        # sees them (as nginx does by default): the ``api_key`` alias never arrives.
        response = self.generate({"api_key": self.secret})
        self.assertProblem(response, 401, "An API key is required (header 'api-key').")

    def test_deactivated_key_is_refused_on_the_next_request(self):
        self.assertEqual(self.generate({"api-key": self.secret}).status_code, 200)
        self.key.with_user(self.manager).write({"active": False})
        self.assertProblem(self.generate({"api-key": self.secret}), 401, "This API key is deactivated.")
        self.key.with_user(self.manager).write({"active": True})
        self.assertEqual(self.generate({"api-key": self.secret}).status_code, 200)

    def test_deleted_key_is_refused_on_the_next_request(self):
        self.assertEqual(self.generate({"api-key": self.secret}).status_code, 200)
        self.key.with_user(self.manager).unlink()
        self.assertProblem(self.generate({"api-key": self.secret}), 401, "Invalid API key.")

    def test_expired_key(self):
        self.key.expiration_date = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(seconds=1)
        self.assertEqual(self.generate({"api-key": self.secret}).status_code, 200)
        time.sleep(2.1)
        self.assertProblem(self.generate({"api-key": self.secret}), 401, "This API key has expired.")

    def test_key_of_a_deactivated_user(self):
        self.assertEqual(self.generate({"api-key": self.secret}).status_code, 200)
        self.user.active = False
        self.assertProblem(self.generate({"api-key": self.secret}), 401, "The user of this API key is deactivated.")

    def test_disallowed_client_ip(self):
        self.key.allowed_ips = "10.0.0.0/8, 2001:db8::/32"
        self.assertProblem(self.generate({"api-key": self.secret}), 403, "This API key may not be used from 127.0.0.1.")
        self.key.allowed_ips = "10.0.0.0/8, 127.0.0.1"
        self.assertEqual(self.generate({"api-key": self.secret}).status_code, 200)

    def test_personal_keys_setting(self):
        secret = make_personal_key(self.user)
        self.assertProblem(self.generate({"api-key": secret}), 403, "This API key may not issue login tokens.")
        self.env["ir.config_parameter"].sudo().set_param("rest_api.personal_keys_enabled", "False")
        self.assertProblem(self.generate({"api-key": secret}), 401, "Invalid API key.")


class TestTokenRequestSchema(BaseCase):
    """The generate_token body schema the server checks and the document publishes."""

    def test_bad_values_are_listed(self):
        cases = [
            ({"expiration_days": 0}, ["expiration_days"]),
            ({"expiration_days": -3}, ["expiration_days"]),
            ({"expiration_days": MAX_EXPIRATION_DAYS + 1}, ["expiration_days"]),
            ({"expiration_days": "10"}, ["expiration_days"]),
            ({"expiration_days": 1.5}, ["expiration_days"]),
            ({"expiration_days": True}, ["expiration_days"]),
            ({"expiration_days": None}, ["expiration_days"]),
            ({"user_id": "11"}, ["user_id"]),
            ({"user_id": 0}, ["user_id"]),
            ({"user_id": False}, ["user_id"]),
            ({"user": 11, "expiration_day": 3}, ["expiration_day", "user"]),
            ({"user_id": -1, "expiration_days": 9999}, ["expiration_days", "user_id"]),
        ]
        for body, names in cases:
            with self.subTest(body=body), self.assertRaises(InvalidInput) as caught:
                check_body(token_request_schema(), body)
            self.assertEqual(sorted(param["name"] for param in caught.exception.invalid_params), names)

    def test_valid_bodies(self):
        for body in (
            {},
            {"user_id": 11},
            {"expiration_days": MAX_EXPIRATION_DAYS},
            {"user_id": 2.0, "expiration_days": 1},
        ):
            with self.subTest(body=body):
                check_body(token_request_schema(), body)
