"""``Idempotency-Key`` on the writing endpoints (draft-ietf-httpapi-idempotency-key-header).

A client that did not get the answer of a create, update... (a timeout, a dropped connection)
retries it with the same key and gets the first answer again, with ``Idempotent-Replayed: true``,
instead of a second effect. Keys are per API key and effective user: nobody else's key ever
replays, nor collides.

The guarantees come from the request's own transaction (the two statements are functions of the
table's model, ``models/rest_api_idempotency.py``):

* the 2xx response is stored (``rest.api.idempotency``) in the transaction of the effect: a
  rolled-back request (any 4xx or 5xx) stores nothing and runs again on retry; a committed one
  always replays;
* a transaction-level advisory lock on the key makes a retry arriving while the first request
  still runs a 409 with ``Retry-After`` rather than a second effect;
* a retry whose snapshot predates the first request's commit meets the stored row at its
  insert: PostgreSQL raises a serialization failure there (repeatable read), Odoo runs the
  request again on a fresh snapshot, which replays.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from odoo import fields
from odoo.tools import SQL

from odoo.addons.rest_api_auth.exceptions import BadRequest, Conflict, UnprocessableContent

from . import company, settings
from .files import FORM_TYPES
from .http_headers import IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER
from .models.rest_api_idempotency import CLAIM_FUNCTION, STORE_FUNCTION

HEADER = IDEMPOTENCY_KEY_HEADER
REPLAYED_HEADER = IDEMPOTENT_REPLAYED_HEADER
COMPANY_HEADER = company.HEADER  # part of the fingerprint: another company is another request
MAX_LENGTH = 255
# visible ASCII (a structured-field string's quotes included, see parse_key)
KEY_PATTERN = rf"^[!-~]{{1,{MAX_LENGTH}}}$"
_KEY = re.compile(KEY_PATTERN)
RETRY_AFTER_SECONDS = 1
# the response headers replayed; the others belong to each request (X-Request-ID, RateLimit, CORS)
STORED_HEADERS = ("Content-Type", "Location", "ETag")
_LOCK_NAMESPACE = b"rest_api.idempotency"
_CLAIM, _STORE = SQL.identifier(CLAIM_FUNCTION), SQL.identifier(STORE_FUNCTION)


@dataclass(frozen=True)
class Claim:
    """A writing request that carries a key not used yet: its response is stored by :func:`store`."""

    native_key_id: int
    uid: int
    key: str
    fingerprint: str
    replace: bool  # an expired row of the same key is there: the insert replaces it


class Replay(Exception):
    """Raised to answer a retry with the stored ``response`` (``dispatch`` returns it as is)."""

    def __init__(self, response):
        super().__init__("replayed")
        self.response = response


def parse_key(value):
    """The ``Idempotency-Key`` header's key (None when absent); 400 when it is not 1 to 255 visible
    ASCII characters. The draft sends it as a structured-field string (``"..."``); bare is accepted."""
    if value is None:
        return None
    text = value.strip()
    if not _KEY.match(text):  # the document's pattern, exactly
        raise BadRequest(
            f"The {HEADER} header must be 1 to {MAX_LENGTH} visible ASCII characters (a UUID is a good choice)."
        )
    return text[1:-1] if len(text) > 2 and text[0] == text[-1] == '"' else text


def fingerprint(httprequest):
    """SHA-256 of what makes the request this request: method, path and query, ``X-Odoo-Company``
    and body (a form's fields and files, which Odoo has parsed already, else the raw bytes)."""
    digest = hashlib.sha256()
    for part in (httprequest.method, httprequest.path, httprequest.query_string.decode("latin-1")):
        digest.update(part.encode() + b"\0")
    digest.update((httprequest.headers.get(COMPANY_HEADER) or "").encode("latin-1") + b"\0")
    if httprequest.mimetype in FORM_TYPES:
        for name, value in sorted(httprequest.form.items(multi=True)):
            digest.update(f"{name}\0{value}\0".encode())
        for name, storage in sorted(httprequest.files.items(multi=True), key=lambda item: item[0]):
            digest.update(f"{name}\0{storage.filename}\0".encode())
            digest.update(storage.read())
            storage.seek(0)
    else:
        digest.update(httprequest.get_data())
    return digest.hexdigest()


def _lock_id(native_key_id, uid, key):
    digest = hashlib.sha256(b"\0".join([_LOCK_NAMESPACE, str(native_key_id).encode(), str(uid).encode(), key.encode()]))
    return int.from_bytes(digest.digest()[:8], "big", signed=True)


def begin(request, auth):
    """The :class:`Claim` of an authenticated writing request with an ``Idempotency-Key`` (None
    without one). Raises :class:`Replay` when the key's response is stored (and not expired),
    422 when the key was used for another request, 409 while a request with it is running."""
    key = parse_key(request.httprequest.headers.get(HEADER))
    if key is None:
        return None
    env, native_key_id, uid = request.env, auth.key.native_key_id, request.env.uid
    env.cr.execute(SQL("SELECT %s(%s, %s, %s, %s)", _CLAIM, native_key_id, uid, key, _lock_id(native_key_id, uid, key)))
    stored = env.cr.fetchone()[0]  # None: locked by another request; {}: no response stored
    if stored is None:
        raise Conflict(
            f"A request with this {HEADER} is still being processed; retry after {RETRY_AFTER_SECONDS} s.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            retry_after=RETRY_AFTER_SECONDS,
        )
    current = fingerprint(request.httprequest)
    expired = bool(stored) and datetime.fromisoformat(stored["created_at"]) < _horizon(env)
    if stored and not expired:
        if stored["fingerprint"] != current:
            raise UnprocessableContent(
                f"This {HEADER} was used for another request (method, path, {COMPANY_HEADER} or body); "
                "send a new key with a new request."
            )
        replayed = request.make_response(
            stored["body"], headers=list(stored["headers"].items()), status=stored["status"]
        )
        replayed.headers[REPLAYED_HEADER] = "true"
        raise Replay(replayed)
    return Claim(native_key_id, uid, key, current, replace=expired)


def _horizon(env):
    return fields.Datetime.now() - timedelta(hours=settings.idempotency_ttl_hours(env))


def store(request, claim, response):
    """Store ``response`` under ``claim`` when it is a success, in the request's transaction."""
    if claim is None or not 200 <= response.status_code < 300:
        return
    httprequest = request.httprequest
    headers = {name: response.headers[name] for name in STORED_HEADERS if name in response.headers}
    # a row committed after this transaction's snapshot: serialization failure (Odoo runs the request again)
    request.env.cr.execute(
        SQL(
            "SELECT %s(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            _STORE,
            claim.native_key_id,
            claim.uid,
            claim.key,
            claim.fingerprint,
            httprequest.method,
            httprequest.path[:2000],
            response.status_code,
            json.dumps(headers),
            response.get_data(as_text=True),
            fields.Datetime.now(),
            claim.replace,
        )
    )
