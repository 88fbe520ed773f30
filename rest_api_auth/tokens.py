"""Login tokens: HS256 JWTs, their claims, endpoints' login-token policies, the generate_token body (no ORM)."""

import enum
import secrets
from dataclasses import dataclass

import jwt

from .exceptions import AuthenticationFailed

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("iss", "sub", "user_id", "api_key_id", "iat", "exp", "jti")

DEFAULT_EXPIRATION_DAYS = 1
MAX_EXPIRATION_DAYS = 90  # like Odoo's longest self-service API key for internal users


class LoginTokenPolicy(enum.Enum):
    """What an endpoint does with a login token: declared per endpoint in rest_api_core's
    registry (``endpoints.py``), applied by ``authentication.authenticate``."""

    REQUIRED = "required"  # needed when the key requires login tokens; verified and used when sent
    OPTIONAL = "optional"  # never needed; verified and used when sent (the documentation shows how to get one)
    UNUSED = "unused"  # the key alone authenticates; a token sent is not read (generate_token)


# Why a key may not issue a login token for a user (see token_refusal)
NOT_ALLOWED = "not_allowed"
OTHER_USER = "other_user"
TOKEN_REFUSALS = {
    NOT_ALLOWED: "This API key may not issue login tokens.",
    OTHER_USER: "This API key may only issue login tokens for its own user.",
}


def new_secret():
    """A signing secret: 48 random bytes (64 URL-safe characters), well above HS256's 32."""
    return secrets.token_urlsafe(48)


def new_jti():
    return secrets.token_hex(16)


def issuer_for(database_uuid):
    """Tokens name the database they were issued by, so a copy of it refuses them."""
    return f"odoo-rest-api:{database_uuid}"


@dataclass(frozen=True)
class LoginTokenClaims:
    user_id: int
    api_key_id: int
    jti: str
    issued_at: int  # seconds since the epoch
    expires_at: int


def encode_login_token(secret, issuer, claims):
    payload = {
        "iss": issuer,
        "sub": str(claims.user_id),
        "user_id": claims.user_id,
        "api_key_id": claims.api_key_id,
        "iat": claims.issued_at,
        "exp": claims.expires_at,
        "jti": claims.jti,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def decode_login_token(token, secret, issuer):
    """Verify signature, algorithm, issuer, expiry and claim types; raise a 401 otherwise.

    The algorithm is pinned: a token whose header says ``none``, ``RS256`` or
    anything but HS256 is refused before its signature is looked at.
    """
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("The login token has expired.") from None
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("The login token is invalid.") from None
    user_id, api_key_id, jti = payload["user_id"], payload["api_key_id"], payload["jti"]
    if not (
        _is_int(user_id)
        and _is_int(api_key_id)
        and payload["sub"] == str(user_id)
        and isinstance(jti, str)
        and jti
        and _is_int(payload["iat"])
        and _is_int(payload["exp"])
    ):
        raise AuthenticationFailed("The login token is invalid.")
    return LoginTokenClaims(
        user_id=user_id,
        api_key_id=api_key_id,
        jti=jti,
        issued_at=payload["iat"],
        expires_at=payload["exp"],
    )


def token_refusal(allow_token_generation, key_owner_id, key_owner_is_system, user_id):
    """Why a key may not issue a login token for ``user_id``: :data:`NOT_ALLOWED`, :data:`OTHER_USER`, or None.

    The one rule for every path (``/api/generate_token``, the web client's dialog,
    and every request carrying a token): a key issues tokens for its own user only,
    unless its user is a system administrator, who may act for anyone. A token
    stops working as soon as its key's user could no longer issue it (lost the
    administrator rights).
    """
    if not allow_token_generation:
        return NOT_ALLOWED
    if user_id != key_owner_id and not key_owner_is_system:
        return OTHER_USER
    return None


def token_request(body):
    """``{"user_id": 11, "expiration_days": 10}`` -> ``(user_id or None, days)``, for a body
    its JSON Schema accepted (rest_api_core's registry, ``token_request_schema``).

    Both members are optional: the user defaults to the key's owner, the validity
    to :data:`DEFAULT_EXPIRATION_DAYS`. JSON Schema counts ``10.0`` as an integer: so does this.
    """
    user_id = body.get("user_id")
    return int(user_id) if user_id is not None else None, int(body.get("expiration_days", DEFAULT_EXPIRATION_DAYS))
