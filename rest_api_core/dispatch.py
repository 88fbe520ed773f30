"""Error handling shared by every ``/api`` controller method.

A controller method decorated with :func:`api_endpoint` may raise the typed
errors of ``rest_api_auth.exceptions``; they become problem+json responses
after the transaction is rolled back (Odoo would otherwise commit whatever
was written before the error). Anything unexpected becomes a generic 500,
with the details only in the server log.
"""

import functools
import logging

from odoo.http import request

from odoo.addons.rest_api_auth.exceptions import RestApiError

from .responses import problem_response

_logger = logging.getLogger(__name__)


def api_endpoint(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RestApiError as error:
            request.env.cr.rollback()
            return problem_response(error)
        except Exception:
            request.env.cr.rollback()
            _logger.exception("Unexpected error serving %s %s", request.httprequest.method, request.httprequest.path)
            return problem_response(RestApiError("An unexpected error occurred; details are in the server log."))

    return wrapper
