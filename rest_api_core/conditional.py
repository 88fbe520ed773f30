"""Conditional requests on one record (``/api/<model>/<id>``, RFC 9110 section 13).

The ``ETag`` of a record is its version: a hash of its model, id and ``write_date``, and of
what its representation depends on besides (the user, companies and language it is read
with). ``GET`` answers it, and 304 for a matching ``If-None-Match``; ``PUT``/``PATCH`` answer
the new one. ``PUT``/``PATCH``/``DELETE`` with ``If-Match`` get 412 when the record's version
is another: compared under a row lock held until the transaction ends, so that no write can
come between the check and the effect.

Models without ``write_date`` (``_log_access = False``) have no version: no ``ETag``, and
``If-Match`` is a 400.
"""

import hashlib

from odoo.tools import SQL

from odoo.addons.rest_api_auth.exceptions import BadRequest

from .errors import PreconditionFailed
from .serialization import MAX_ID

IF_MATCH = "If-Match"
IF_NONE_MATCH = "If-None-Match"
ETAG = "ETag"


def _record(env, route_args):
    """``(model, id)`` of the request's record, None when the controller answers it otherwise (404, 400)."""
    name, record_id = route_args.get("model"), route_args.get("record_id")
    registry = env.registry
    if name not in registry or registry[name]._abstract or not isinstance(record_id, int):
        return None
    if not 1 <= record_id <= MAX_ID:
        return None
    return env[name], record_id


def _versioned(model):
    return model._log_access and "write_date" in model._fields


def _write_date(model, record_id, lock=None):
    """The record's ``write_date`` (None when it does not exist); ``lock``: a row lock clause."""
    query = SQL("SELECT write_date FROM %s WHERE id = %s", SQL.identifier(model._table), record_id)
    if lock:
        query = SQL("%s %s", query, SQL(lock))
    model.env.cr.execute(query)
    row = model.env.cr.fetchone()
    return row[0] if row else None


def etag(model, record_id, write_date):
    env = model.env
    companies = ",".join(map(str, env.context.get("allowed_company_ids") or ()))
    text = f"{model._name}\0{record_id}\0{write_date.isoformat() if write_date else ''}\0{env.uid}\0{companies}"
    return '"' + hashlib.sha256(f"{text}\0{env.lang}".encode()).hexdigest()[:32] + '"'


def _tags(header):
    """The entity tags of an ``If-Match``/``If-None-Match`` header (``*`` included as is)."""
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def check_if_match(request, endpoint, route_args):
    """412 when ``If-Match`` names none of the record's current version (after the access check
    the request would get without it); the row stays locked until the transaction ends."""
    header = request.httprequest.headers.get(IF_MATCH)
    if header is None or not endpoint.conditional or endpoint.method == "GET":
        return
    target = _record(request.env, route_args)
    if target is None:
        return
    model, record_id = target
    if not _versioned(model):
        raise BadRequest(f"{model._name} records carry no version (no write_date): {IF_MATCH} cannot be checked.")
    # a deletion takes the strongest lock (it conflicts with new references to the record), a write the
    # lock Odoo's UPDATE takes anyway (references to the record may still be created meanwhile)
    lock = "FOR UPDATE" if endpoint.method == "DELETE" else "FOR NO KEY UPDATE"
    write_date = _write_date(model, record_id, lock)
    if write_date is None:
        return  # the controller answers 404
    record = model.browse(record_id)
    record.check_access("unlink" if endpoint.method == "DELETE" else "write")
    tags = _tags(header)
    if "*" not in tags and etag(model, record_id, write_date) not in tags:
        raise PreconditionFailed(
            f"{model._name} record {record_id} changed since the version in {IF_MATCH}: read it again "
            "(its ETag) and retry. Nothing was changed."
        )


def finish(request, endpoint, route_args, response):
    """``ETag`` on the 200 of a record's ``GET``, ``PUT`` or ``PATCH``; 304 for a ``GET`` whose
    ``If-None-Match`` names the current version (weak comparison, as RFC 9110 says)."""
    if not endpoint.conditional or endpoint.method == "DELETE" or response.status_code != 200:
        return response
    target = _record(request.env, route_args)
    if target is None or not _versioned(target[0]):
        return response
    model, record_id = target
    tag = etag(model, record_id, _write_date(model, record_id))
    if endpoint.method == "GET":
        header = request.httprequest.headers.get(IF_NONE_MATCH)
        tags = [candidate.removeprefix("W/") for candidate in _tags(header or "")]
        if "*" in tags or tag in tags:
            not_modified = request.make_response(b"", status=304)
            not_modified.headers.pop("Content-Type", None)
            not_modified.headers[ETAG] = tag
            return not_modified
    response.headers[ETAG] = tag
    return response
