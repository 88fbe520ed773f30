"""``X-Odoo-Company: <id>[,<id>...]``: the companies a request works in, as the web client's
company switcher sets them (``allowed_company_ids``, the first one the current company).

Applied by ``dispatch.authenticate_request`` on every authenticated route, ``execute_kw``
included; only companies the effective user belongs to (403 otherwise). Without the header,
Odoo's default: records of all the user's companies are visible, the user's own company is current.
"""

import re

from odoo.addons.rest_api_auth.exceptions import BadRequest, PermissionDenied

HEADER = "X-Odoo-Company"
MAX_COMPANIES = 100
# the OpenAPI document publishes the same pattern (rest_api_docs.components)
PATTERN = rf"^[0-9]{{1,10}}( *, *[0-9]{{1,10}}){{0,{MAX_COMPANIES - 1}}}$"
_COMPANIES = re.compile(PATTERN)


def parse(value):
    """The company ids of the header's ``value`` in order, without repetitions; 400 when malformed."""
    text = value.strip()
    if not _COMPANIES.match(text):
        raise BadRequest(
            f"The {HEADER} header must be company ids separated by commas (at most {MAX_COMPANIES}), e.g. `1,2`."
        )
    return list(dict.fromkeys(int(part) for part in text.split(",")))


def apply(request):
    """Switch the authenticated request to the companies of its ``X-Odoo-Company`` header, if any."""
    value = request.httprequest.headers.get(HEADER)
    if value is None:
        return
    ids = parse(value)
    allowed = set(request.env.user._get_company_ids())
    refused = [company_id for company_id in ids if company_id not in allowed]
    if refused:
        names = ", ".join(map(str, refused))
        raise PermissionDenied(f"The user of this request does not work in the company {names} ({HEADER}).")
    request.update_context(allowed_company_ids=ids)
