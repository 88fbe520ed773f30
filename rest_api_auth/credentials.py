"""Reading the API key and the login token from request headers (pure functions)."""

import re
from dataclasses import dataclass

API_KEY_HEADERS = ("api-key", "X-API-Key", "api_key")
LOGIN_TOKEN_HEADERS = ("Login-Token", "X-Login-Token", "token")

_JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Credentials:
    api_key: str | None
    login_token: str | None


def _first_header(headers, names):
    for name in names:
        value = (headers.get(name) or "").strip()
        if value:
            return value
    return None


def looks_like_jwt(value):
    return bool(_JWT_SHAPE.match(value))


def parse_credentials(headers):
    """Extract the credentials a request carries.

    ``headers`` is any case-insensitive mapping (werkzeug ``Headers``). The
    ``api_key`` alias is read too, but Odoo's HTTP server (werkzeug) and nginx's
    default configuration drop header names containing an underscore.
    ``Authorization: Bearer <value>`` carries the login token when the value is
    JWT-shaped, otherwise the API key (only when no explicit header gives one).
    """
    api_key = _first_header(headers, API_KEY_HEADERS)
    login_token = _first_header(headers, LOGIN_TOKEN_HEADERS)
    scheme, _, bearer = (headers.get("Authorization") or "").strip().partition(" ")
    bearer = bearer.strip()
    if scheme.lower() == "bearer" and bearer:
        if looks_like_jwt(bearer):
            login_token = login_token or bearer
        elif not api_key:
            api_key = bearer
    return Credentials(api_key=api_key, login_token=login_token)
