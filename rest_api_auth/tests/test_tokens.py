import base64
import json
import time

import jwt

from odoo.tests import BaseCase

from ..exceptions import AuthenticationFailed
from ..tokens import (
    DEFAULT_EXPIRATION_DAYS,
    MAX_EXPIRATION_DAYS,
    LoginTokenClaims,
    decode_login_token,
    encode_login_token,
    issuer_for,
    new_secret,
    token_request,
)

SECRET = new_secret()
ISSUER = issuer_for("test-db-uuid")


def _claims(**overrides):
    now = int(time.time())
    values = {"user_id": 7, "api_key_id": 3, "jti": "abc123", "issued_at": now, "expires_at": now + 3600}
    return LoginTokenClaims(**{**values, **overrides})


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class TestLoginTokenCodec(BaseCase):
    def test_round_trip_keeps_every_claim(self):
        claims = _claims()
        token = encode_login_token(SECRET, ISSUER, claims)
        self.assertEqual(decode_login_token(token, SECRET, ISSUER), claims)
        payload = jwt.decode(token, SECRET, algorithms=["HS256"], issuer=ISSUER)
        self.assertEqual(payload["sub"], "7")
        self.assertEqual(jwt.get_unverified_header(token)["alg"], "HS256")

    def test_secret_is_long_and_random(self):
        self.assertGreaterEqual(len(SECRET.encode()), 32)
        self.assertNotEqual(new_secret(), new_secret())

    def _refused(self, token, message="The login token is invalid."):
        with self.assertRaises(AuthenticationFailed) as caught:
            decode_login_token(token, SECRET, ISSUER)
        self.assertEqual(caught.exception.detail, message)
        self.assertEqual(caught.exception.status, 401)

    def test_alg_none_is_refused(self):
        claims = jwt.decode(encode_login_token(SECRET, ISSUER, _claims()), options={"verify_signature": False})
        unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        self._refused(unsigned)

    def test_other_algorithm_with_the_same_secret_is_refused(self):
        claims = jwt.decode(encode_login_token(SECRET, ISSUER, _claims()), options={"verify_signature": False})
        self._refused(jwt.encode(claims, SECRET, algorithm="HS512"))

    def test_wrong_signature_is_refused(self):
        self._refused(encode_login_token(new_secret(), ISSUER, _claims()))

    def test_tampered_payload_is_refused(self):
        header, _payload, signature = encode_login_token(SECRET, ISSUER, _claims()).split(".")
        forged = _b64({"user_id": 2, "sub": "2", "api_key_id": 3, "iat": 1, "exp": 2**40, "jti": "x", "iss": ISSUER})
        self._refused(f"{header}.{forged}.{signature}")

    def test_expired_token_is_refused(self):
        now = int(time.time())
        self._refused(
            encode_login_token(SECRET, ISSUER, _claims(issued_at=now - 100, expires_at=now - 10)),
            "The login token has expired.",
        )

    def test_token_of_another_database_is_refused(self):
        self._refused(encode_login_token(SECRET, issuer_for("other-db-uuid"), _claims()))

    def test_missing_claims_are_refused(self):
        now = int(time.time())
        for missing in ("sub", "user_id", "api_key_id", "iat", "exp", "jti", "iss"):
            payload = {
                "iss": ISSUER,
                "sub": "7",
                "user_id": 7,
                "api_key_id": 3,
                "iat": now,
                "exp": now + 60,
                "jti": "j",
            }
            del payload[missing]
            with self.subTest(missing=missing):
                self._refused(jwt.encode(payload, SECRET, algorithm="HS256"))

    def test_claims_of_the_wrong_type_are_refused(self):
        now = int(time.time())
        base = {"iss": ISSUER, "sub": "7", "user_id": 7, "api_key_id": 3, "iat": now, "exp": now + 60, "jti": "j"}
        for change in ({"user_id": "7"}, {"sub": "8"}, {"api_key_id": True}, {"jti": 5}, {"sub": 7}):
            with self.subTest(change=change):
                self._refused(jwt.encode({**base, **change}, SECRET, algorithm="HS256"))

    def test_garbage_is_refused(self):
        for garbage in ("", "abc", "a.b.c", "é.é.é", "x" * 5000):
            with self.subTest(garbage=garbage[:10]):
                self._refused(garbage)


class TestTokenRequest(BaseCase):
    """The values of a body the registry's schema accepted (its checks: rest_api_core's test_generate_token)."""

    def test_defaults(self):
        self.assertEqual(token_request({}), (None, DEFAULT_EXPIRATION_DAYS))

    def test_original_shape(self):
        self.assertEqual(token_request({"user_id": 11, "expiration_days": 10}), (11, 10))
        self.assertEqual(token_request({"expiration_days": MAX_EXPIRATION_DAYS}), (None, MAX_EXPIRATION_DAYS))

    def test_whole_number_floats_are_integers(self):
        """As JSON Schema counts them."""
        result = token_request({"user_id": 11.0, "expiration_days": 10.0})
        self.assertEqual(result, (11, 10))
        self.assertEqual([type(value) for value in result], [int, int])
