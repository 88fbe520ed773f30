"""``GET /api/<model>/changes``: the change feed of a model (see ``change_feed``)."""

from datetime import timedelta

from odoo import http
from odoo.http import request

from .. import change_feed, settings
from ..dispatch import authenticate_request, orm_values
from ..errors import Gone
from ..query import parse_limit
from ..reach import check_reach
from ..responses import json_response
from ..routes import api_route
from .api import _domain, _domain_reach, _field_names, _model


class RestApiSync(http.Controller):
    @api_route("changes")
    def changes(self, model, **params):
        """Records created or updated, and ids deleted, since the ``since`` token, a page at a time."""
        auth = authenticate_request(model=model)
        records = _model(model)
        records.check_access("read")
        change_feed.check_feed(records)
        domain = _domain(params.get("domain"), records)
        check_reach(auth.scope, _domain_reach(domain, records), "filtering on")
        names = _field_names(records, params.get("fields"))
        default_limit, max_limit = settings.page_limits(request.env)
        limit = parse_limit(params.get("limit"), default_limit, max_limit)
        since = params.get("since")
        position = None
        if since is not None and since != change_feed.NOW:
            position = change_feed.read_token(request.env, model, since)
        tracked = model in settings.tracked_models(request.env)
        cr = request.env.cr
        bound = change_feed.horizon(cr)
        days = settings.tombstone_days(request.env)
        if tracked and position is not None and position[0] < bound - timedelta(days=days):
            raise Gone(
                f"This token is older than the {days} days deletions are kept: "
                "some may be missing. Sync again from the beginning (no since)."
            )
        if since == change_feed.NOW:
            next_token = change_feed.make_token(request.env, model, (bound, 0, change_feed.CHANGE))
            return json_response({"changes": [], **({"deleted": []} if tracked else {}), "next": next_token})
        # A new transaction, hence a snapshot taken after the horizon was read: every transaction
        # that started before the horizon has ended, and what it committed is visible below.
        cr.commit()  # pylint: disable=invalid-commit
        with orm_values():
            page = change_feed.feed_page(
                records, domain, names, position=position, bound=bound, limit=limit, tracked=tracked
            )
        return json_response(page)
