"""The single authentication entry point every ``/api`` route calls.

``authenticate`` reads the credentials, verifies the API key (from the worker's
verified-key cache, or with Odoo's hash), applies the key's policy (active,
expiry, client IP, login token requirement, scope), verifies the login token,
throttles, and switches the request to the effective user. It raises the typed
errors of :mod:`.exceptions`; it never returns a partial result.
"""

from dataclasses import dataclass, field

from odoo import fields

from . import throttling
from .credentials import parse_credentials
from .exceptions import AuthenticationFailed, PermissionDenied
from .keys import REST_API_KEY_SCOPE, VerifiedKey, ip_allowed, secret_digest
from .models.rest_api_key import UnknownApiKey
from .models.rest_api_token import UnknownLoginToken
from .scope import FULL_SCOPE, KeyScope

__all__ = ["REST_API_KEY_SCOPE", "AuthContext", "authenticate", "resolve"]

# ``token``: generate_token, authenticated by the key alone. ``docs``: no model to narrow.
KEY_ONLY_OPERATIONS = ("token",)


@dataclass(frozen=True)
class AuthContext:
    """Who the request runs as, and under which key policy."""

    uid: int  # the effective user (login token's user, else the key owner)
    scope: KeyScope = FULL_SCOPE
    api_key_id: int | None = None  # rest.api.key id; None for a personal key
    token_id: int | None = None  # rest.api.token id when a login token was sent
    response_headers: dict = field(default_factory=dict)  # e.g. RateLimit headers
    key: VerifiedKey | None = None  # the verified key's policy (owner, token permissions, ...)


def authenticate(request, operation, model=None, method=None):
    """Authenticate ``request`` for ``operation`` on ``model`` (and ``method``).

    On success the request environment is switched to the effective user
    (``request.env.uid == context.uid``, with the user's language and time zone)
    and an :class:`AuthContext` is returned. Raises :class:`AuthenticationFailed`
    (401), :class:`PermissionDenied` (403) or ``Throttled`` (429).
    """
    httprequest = request.httprequest
    context = resolve(request.env, httprequest.headers, httprequest.remote_addr, operation, model=model, method=method)
    request.update_env(user=context.uid, su=False)
    user_context = request.env["res.users"].context_get()
    request.update_context(lang=user_context.get("lang"), tz=user_context.get("tz"))
    return context


def resolve(env, headers, client_ip, operation, *, model=None, method=None):
    """The checks of :func:`authenticate`, on plain inputs, without touching the request."""
    credentials = parse_credentials(headers)
    if not credentials.api_key:
        raise AuthenticationFailed("An API key is required (header 'api-key').", error="invalid_request")

    throttling.check_client_ip(env, client_ip)
    try:
        key = env["rest.api.key"]._rest_api_verified_key(credentials.api_key)
    except UnknownApiKey:
        throttling.record_auth_failure(env, client_ip)
        raise AuthenticationFailed("Invalid API key.") from None

    _check_key_usable(key, client_ip)
    token = None
    if operation not in KEY_ONLY_OPERATIONS:
        if credentials.login_token:
            token = _verified_token(env, key, credentials.login_token)
        elif key.require_login_token:
            raise AuthenticationFailed(
                "This API key requires a login token (header 'Login-Token').", error="invalid_request"
            )

    if model and not key.scope.allows(model, operation, method):
        target = f"{model}.{method}" if method else model
        raise PermissionDenied(f"This API key may not {operation} {target}.")

    verdict = throttling.check_key_rate(env, key.bucket, key.rate)
    if key.api_key_id:
        throttling.record_usage(env, key.api_key_id)
    return AuthContext(
        uid=token.user_id if token else key.uid,
        scope=key.scope,
        api_key_id=key.api_key_id,
        token_id=token.token_id if token else None,
        response_headers=verdict.headers() if verdict else {},
        key=key,
    )


def _check_key_usable(key, client_ip):
    if not key.active:
        raise AuthenticationFailed("This API key is deactivated.")
    if not key.owner_active:
        raise AuthenticationFailed("The user of this API key is deactivated.")
    if key.expired(fields.Datetime.now()):
        raise AuthenticationFailed("This API key has expired.")
    if not ip_allowed(key.networks, client_ip):
        raise PermissionDenied(f"This API key may not be used from {client_ip}.")


def _verified_token(env, key, raw_token):
    """The state of the login token ``raw_token``, which must have been issued under ``key``."""
    if not key.api_key_id:
        raise AuthenticationFailed("Login tokens are only accepted with the REST API key that issued them.")
    try:
        state = env["rest.api.token"]._rest_api_verified_token(secret_digest(raw_token), raw_token)
    except UnknownLoginToken:
        raise AuthenticationFailed("The login token is invalid.") from None
    if state.api_key_id != key.api_key_id:
        raise AuthenticationFailed("The login token was issued under another API key.")
    if state.revoked:
        raise AuthenticationFailed("The login token has been revoked.")
    if state.expires_at <= fields.Datetime.now():
        raise AuthenticationFailed("The login token has expired.")
    if not state.user_active:
        raise AuthenticationFailed("The user of this login token is deactivated.")
    if state.user_id != key.uid and not key.owner_is_system:
        raise AuthenticationFailed("This API key may no longer act for the user of this login token.")
    return state
