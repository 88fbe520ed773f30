"""Opaque, tamper-proof tokens handed to clients (search cursors, change-feed tokens).

A token is ``<base64url JSON payload>.<HMAC-SHA256>``, the HMAC keyed with the database's
``database.secret`` (Odoo's ``tools.misc.hmac``) and a scope per use, so that a token of one
database, or of one use, is refused by another. A client cannot change what a token says
without the server noticing: a modified or made-up token is a 400 naming its parameter.
"""

import base64
import binascii
import hmac as hmac_lib
import json

from odoo.tools.misc import hmac

from .query import InvalidInput

MAX_TOKEN_LENGTH = 4096  # a cursor holds the sort key of one row; longer is not ours


def sign(env, scope, payload):
    """``payload`` (JSON-ready) as a signed token for ``scope``."""
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    body = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return f"{body}.{hmac(env(su=True), scope, body)}"


def unsign(env, scope, token, param):
    """The payload of ``token`` signed for ``scope``; 400 (``InvalidInput`` on ``param``) when
    it was not made here, for this use, or was changed."""
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidInput((param, "is not a token this server issued"))
    body, signature = token.split(".")
    if not hmac_lib.compare_digest(signature, hmac(env(su=True), scope, body)):
        raise InvalidInput((param, "is not a token this server issued, or was modified"))
    try:
        return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error):  # signed by us, hence unreachable unless the secret leaked
        raise InvalidInput((param, "is not a token this server issued")) from None
