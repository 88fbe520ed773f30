"""The single authentication entry point every ``/api`` route calls.

``authenticate`` reads the credentials, verifies the API key (from the worker's
verified-key cache, or with Odoo's hash after the failed-authentication limit
of the client address and the key's prefix), applies the key's policy (active, expiry,
client IP), throttles, verifies the login token, checks the scope, and
switches the request to the effective user. It raises the typed errors of
:mod:`.exceptions`; it never returns a partial result.
"""

from dataclasses import dataclass, field

from odoo import SUPERUSER_ID, fields

from .credentials import parse_credentials
from .current_request import mark_authenticated
from .exceptions import AuthenticationFailed, PermissionDenied, RestApiError, UnknownApiKey, UnknownLoginToken
from .keys import REST_API_KEY_SCOPE, VerifiedKey, ip_allowed, secret_digest
from .scope import denial_reason, method_denied, model_denied
from .throttling import throttle
from .tokens import OTHER_USER, LoginTokenPolicy, token_refusal

__all__ = ["REST_API_KEY_SCOPE", "AuthContext", "authenticate", "charge", "check_scope", "resolve"]


@dataclass(frozen=True)
class AuthContext:
    """Who the request runs as, and under which key policy."""

    uid: int  # the effective user (login token's user, else the key owner)
    key: VerifiedKey  # the verified key's policy (owner, scope, token permissions, ...)
    token_id: int | None = None  # rest.api.token id when a login token was sent
    response_headers: dict = field(default_factory=dict)  # e.g. RateLimit headers

    @property
    def scope(self):
        return self.key.scope

    @property
    def api_key_id(self):
        """The rest.api.key id; None for a personal key."""
        return self.key.api_key_id


def authenticate(request, operation, model=None, method=None, *, login_token=LoginTokenPolicy.REQUIRED, charge=True):
    """Authenticate ``request`` for ``operation`` on ``model`` (and ``method``).

    ``login_token``: the endpoint's login-token policy (``tokens.LoginTokenPolicy``), which
    the caller takes from its endpoint registry.

    On success the request environment is switched to the effective user
    (``request.env.uid == context.uid``, with the user's language and time zone)
    and an :class:`AuthContext` is returned. Raises :class:`AuthenticationFailed`
    (401), :class:`PermissionDenied` (403), ``Throttled`` (429) or
    ``ServiceUnavailable`` (503, the throttle store is down and the settings say
    fail closed). ``charge=False`` skips the rate check and the usage count: for
    a request Odoo runs again (serialization retry, read-only cursor upgraded to
    read-write) after it was charged once.
    """
    httprequest = request.httprequest
    context = resolve(
        request.env,
        httprequest.headers,
        httprequest.remote_addr,
        operation,
        model=model,
        method=method,
        login_token=login_token,
        charge=charge,
    )
    request.update_env(user=context.uid, su=False)
    user_context = request.env["res.users"].context_get()
    request.update_context(lang=user_context.get("lang"), tz=user_context.get("tz"))
    mark_authenticated(request, context)
    return context


def resolve(
    env, headers, client_ip, operation, *, model=None, method=None, login_token=LoginTokenPolicy.REQUIRED, charge=True
):
    """The checks of :func:`authenticate`, on plain inputs, without touching the request.

    Order: the key (401; the failed-authentication limit only when its hash must
    be checked), its client addresses (403; not charged, so that a leaked key
    used from elsewhere cannot spend the real client's allowance), then the
    key's rate (429), then the login token (401) and the scope (403), which are
    charged: a client sending refused requests is throttled like any other.
    """
    credentials = parse_credentials(headers)
    if not credentials.api_key:
        raise AuthenticationFailed("An API key is required (header 'api-key').", error="invalid_request")
    try:
        key = env["rest.api.key"]._rest_api_verified_key(credentials.api_key, client_ip)
    except UnknownApiKey:
        raise AuthenticationFailed("Invalid API key.") from None
    _check_key_usable(key, client_ip)

    verdict = _charge(env, key) if charge else None
    try:
        token = _login_token(env, key, credentials.login_token, login_token)
        uid = token.user_id if token else key.uid
        if uid == SUPERUSER_ID:  # Odoo runs everything of uid 1 as superuser, past every access right
            raise PermissionDenied("The superuser (__system__) cannot act through the REST API.")
        if model:
            check_scope(key, model, operation, method)
    except RestApiError as error:
        if verdict:  # the request was charged: say so on the refusal too
            for name, value in verdict.headers().items():
                error.headers.setdefault(name, value)
        raise
    return AuthContext(
        uid=uid,
        key=key,
        token_id=token.token_id if token else None,
        response_headers=verdict.headers() if verdict else {},
    )


def _charge(env, key):
    """Admit the request under the key's rate (the verdict, None when unlimited) and count it."""
    # an unlimited key costs no round trip to the throttle store
    verdict = None if key.rate.unlimited else throttle.check_key_rate(env, key.bucket, key.rate)
    if key.api_key_id:
        throttle.record_usage(env, key.api_key_id)
    return verdict


def charge(env, key, count):
    """Charge ``count`` more requests of ``key`` (the operations of a batch beyond the request
    itself), each as a request is: admitted under the key's rate (``Throttled``, 429, at the first
    refused) and counted. The last verdict (None when unlimited)."""
    verdict = None
    for _ in range(count):
        verdict = _charge(env, key)
    return verdict


def _login_token(env, key, raw_token, policy):
    """The verified login token's state under the endpoint's ``policy``; None when none is
    needed and none was sent, or when the endpoint does not use one."""
    if policy == LoginTokenPolicy.UNUSED:
        return None
    if raw_token:
        return _verified_token(env, key, raw_token)
    if key.require_login_token and policy != LoginTokenPolicy.OPTIONAL:
        raise AuthenticationFailed(
            "This API key requires a login token (header 'Login-Token').", error="invalid_request"
        )
    return None


def _check_key_usable(key, client_ip):
    if not key.active:
        raise AuthenticationFailed("This API key is deactivated.")
    if not key.owner_active:
        raise AuthenticationFailed("The user of this API key is deactivated.")
    if key.expired(fields.Datetime.now()):
        raise AuthenticationFailed("This API key has expired.")
    if not ip_allowed(key.networks, client_ip):
        raise PermissionDenied(f"This API key may not be used from {client_ip}.")


def check_scope(key, model, operation, method):
    if model_denied(model):
        raise PermissionDenied(denial_reason(model))
    if method and method_denied(model, method):
        raise PermissionDenied(f"{model}.{method} checks a password: it cannot be called through the REST API.")
    if not key.scope.allows(model, operation, method):
        target = f"{model}.{method}" if method else model
        raise PermissionDenied(f"This API key may not {operation} {target}.")


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
    # Tokens already issued keep working when the key stops issuing new ones.
    if token_refusal(True, key.uid, key.owner_is_system, state.user_id) == OTHER_USER:
        raise AuthenticationFailed("This API key may no longer act for the user of this login token.")
    return state
