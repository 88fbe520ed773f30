"""HTTP errors of the core endpoints beyond those of ``rest_api_auth.exceptions``."""

from odoo.addons.rest_api_auth.exceptions import RestApiError


class ContentTooLarge(RestApiError):
    """413: a body over ``rest_api.max_body_size`` (refused unread when its length is announced)."""

    status = 413
    title = "Content Too Large"
    slug = "content-too-large"

    def __init__(self, limit):
        super().__init__(f"The request body is larger than this server's limit of {limit} bytes.")


class UnsupportedMediaType(RestApiError):
    """415: a body sent as something else than JSON (e.g. an HTML form)."""

    status = 415
    title = "Unsupported Media Type"
    slug = "unsupported-media-type"


class Gone(RestApiError):
    """410: a change-feed token older than the deletions kept: the client must sync from scratch."""

    status = 410
    title = "Gone"
    slug = "gone"


class PreconditionFailed(RestApiError):
    """412: ``If-Match`` names a version the record no longer has (see ``conditional``)."""

    status = 412
    title = "Precondition Failed"
    slug = "precondition-failed"


class TooManyElements(RestApiError):
    """413: a bulk request carrying more elements than ``rest_api.max_batch``."""

    status = 413
    title = "Content Too Large"
    slug = "content-too-large"

    def __init__(self, name, count, limit):
        super().__init__(
            f"{name} has {count} elements, more than this server's limit of {limit} (rest_api.max_batch); "
            "split the request.",
            max_batch=limit,
        )
