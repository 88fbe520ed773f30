"""The single authentication entry point every ``/api`` route calls.

INTERIM (foundation): accepts a user's native API key (personal key) with
scope ``all``. The rest_api_auth issue replaces the body of ``authenticate``
with REST keys, login tokens, scopes, IP checks, the verified-key cache and
throttling, keeping this signature and the ``AuthContext`` shape.
"""

from dataclasses import dataclass, field

from .credentials import parse_credentials
from .exceptions import AuthenticationFailed, PermissionDenied
from .scope import FULL_SCOPE, KeyScope

REST_API_KEY_SCOPE = "rest_api"


@dataclass(frozen=True)
class AuthContext:
    """Who the request runs as, and under which key policy."""

    uid: int  # the effective user (login token's user, else the key owner)
    scope: KeyScope = FULL_SCOPE
    api_key_id: int | None = None  # rest.api.key id; None for a personal key
    token_id: int | None = None  # rest.api.token id when a login token was sent
    response_headers: dict = field(default_factory=dict)  # e.g. RateLimit headers


def authenticate(request, operation, model=None, method=None):
    """Authenticate ``request`` for ``operation`` on ``model`` (and ``method``).

    On success the request environment is switched to the effective user
    (``request.env.uid == context.uid``) and an :class:`AuthContext` is returned.
    Raises :class:`AuthenticationFailed` (401), :class:`PermissionDenied` (403)
    or ``Throttled`` (429).
    """
    credentials = parse_credentials(request.httprequest.headers)
    if not credentials.api_key:
        raise AuthenticationFailed("An API key is required (header 'api-key').", error="invalid_request")
    uid = request.env["res.users.apikeys"]._check_credentials(scope=REST_API_KEY_SCOPE, key=credentials.api_key)
    if not uid:
        raise AuthenticationFailed("Invalid API key.")
    context = AuthContext(uid=uid)
    if model and not context.scope.allows(model, operation, method):
        raise PermissionDenied(f"This API key may not {operation} {model}.")
    request.update_env(user=uid)
    return context
