"""HTTP errors of the core endpoints beyond those of ``rest_api_auth.exceptions``."""

from odoo.addons.rest_api_auth.exceptions import RestApiError


class UnsupportedMediaType(RestApiError):
    """415: a body sent as something else than JSON (e.g. an HTML form)."""

    status = 415
    title = "Unsupported Media Type"
    slug = "unsupported-media-type"
