"""Typed errors raised by the REST API layers.

Each error knows its HTTP status and the RFC 9457 problem fields; the HTTP glue
in ``rest_api_core`` turns them into ``application/problem+json`` responses.
Nothing here depends on Odoo, so the mapping is easy to test and reuse.
"""

PROBLEM_TYPE_PREFIX = "urn:odoo-rest-api:problem:"


class UnknownApiKey(Exception):
    """No key matches the secret. Raised (never returned) so the verified-key cache skips it."""


class UnknownLoginToken(Exception):
    """No token row matches the login token. Raised (never returned) so the token cache skips it."""


class RestApiError(Exception):
    """Base class: an error the client caused or must be told about."""

    status = 500
    title = "Internal Server Error"
    slug = "internal-error"

    def __init__(self, detail=None, *, headers=None, **extensions):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = dict(headers or {})
        self.extensions = extensions

    @property
    def type_uri(self):
        return PROBLEM_TYPE_PREFIX + self.slug

    def to_problem(self, instance=None):
        """The problem+json body for this error (a plain dict)."""
        body = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class BadRequest(RestApiError):
    status = 400
    title = "Bad Request"
    slug = "bad-request"


class AuthenticationFailed(RestApiError):
    """401: missing, unknown, expired, revoked or inactive credentials."""

    status = 401
    title = "Unauthorized"
    slug = "unauthorized"

    def __init__(self, detail=None, *, error="invalid_token", **kwargs):
        super().__init__(detail, **kwargs)
        description = self.detail.replace('"', "'")
        self.headers.setdefault(
            "WWW-Authenticate",
            f'Bearer realm="odoo-rest-api", error="{error}", error_description="{description}"',
        )


class PermissionDenied(RestApiError):
    """403: the key's scope, an Odoo ACL/record rule or the IP allow-list refuses."""

    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(RestApiError):
    status = 404
    title = "Not Found"
    slug = "not-found"


class MethodNotAllowed(RestApiError):
    status = 405
    title = "Method Not Allowed"
    slug = "method-not-allowed"


class Conflict(RestApiError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class UnprocessableContent(RestApiError):
    """422: Odoo refused the data (ValidationError, UserError, constraint)."""

    status = 422
    title = "Unprocessable Content"
    slug = "unprocessable-content"


class Throttled(RestApiError):
    """429: the key is over its rate."""

    status = 429
    title = "Too Many Requests"
    slug = "too-many-requests"

    def __init__(self, retry_after, detail=None, **kwargs):
        retry_after = max(1, int(-(-retry_after // 1)))  # whole seconds, rounded up
        super().__init__(detail or "Rate limit exceeded; retry later.", retry_after=retry_after, **kwargs)
        self.headers["Retry-After"] = str(retry_after)


class TooManyFailedAuthentications(Throttled):
    """429: this client address failed too often against the keys of one prefix (a type of its
    own: the client's key is not over its rate; another key would be admitted)."""

    slug = "too-many-failed-authentications"

    def __init__(self, retry_after, **kwargs):
        detail = "Too many failed authentication attempts from this address with this key prefix; retry later."
        super().__init__(retry_after, detail, **kwargs)


class ServiceUnavailable(RestApiError):
    status = 503
    title = "Service Unavailable"
    slug = "service-unavailable"
