"""The request headers of the dispatch layer in the OpenAPI document: ``X-Odoo-Company``,
``Idempotency-Key``, ``If-Match``/``If-None-Match``, and what they add to the responses
(``ETag``, ``Idempotent-Replayed``, 304). Which operation takes which comes from the endpoint
registry (``rest_api_core.endpoints``: ``writes``, ``conditional``).
"""

from odoo.addons.rest_api_core import company, idempotency
from odoo.addons.rest_api_core.settings import IDEMPOTENCY_TTL_HOURS


def _header(description, schema, example=None):
    header = {"description": description, "schema": schema}
    if example is not None:
        header["example"] = example
    return header


def _refs(kind, *names):
    if kind == "headers":
        return {name: {"$ref": f"#/components/headers/{name}"} for name in names}
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


RESPONSE_HEADERS = {
    "ETag": _header(
        "The record's version: send it in `If-Match` to write only that version, in `If-None-Match` to get 304 "
        "while it is current.",
        {"type": "string"},
        '"3f6c0e1b9a7d4e2f8c5b1a0d9e8f7a6b"',
    ),
    idempotency.REPLAYED_HEADER: _header(
        "`true` on the answer to a retry with an `Idempotency-Key` already used: the stored response of the "
        "first request, which alone had an effect.",
        {"type": "string", "enum": ["true"]},
    ),
}
HEADER_PARAMETERS = {
    "company": {
        "name": company.HEADER,
        "in": "header",
        "description": "The companies the request works in, comma-separated ids, the first one current (the web "
        "client's company switcher): only companies of the user (else 403). Default: the user's.",
        "schema": {"type": "string", "pattern": company.PATTERN},
        "example": "1",
    },
    "idempotency_key": {
        "name": idempotency.HEADER,
        "in": "header",
        "description": "A key of the client's choice (a UUID), unique per request: a retry with the same key and "
        "body gets the first success again (`Idempotent-Replayed: true`) rather than a second effect; the "
        "same key with another request is a 422, a retry while the first still runs a 409. Kept "
        f"`rest_api.idempotency_ttl` hours ({IDEMPOTENCY_TTL_HOURS} by default), per API key and user; a failed "
        "request is not kept (its retry runs again).",
        "schema": {"type": "string", "pattern": idempotency.KEY_PATTERN},
        "example": "0b6f8f52-7c5e-4c55-9d0f-2f4b3f1f9a1e",
    },
    "if_match": {
        "name": "If-Match",
        "in": "header",
        "description": "The record's `ETag` as read: the request runs only if the record is still that version, "
        "else 412 and nothing is changed. `*`: any version.",
        "schema": {"type": "string"},
    },
    "if_none_match": {
        "name": "If-None-Match",
        "in": "header",
        "description": "The record's `ETag` as read: 304 without a body while it is still that version.",
        "schema": {"type": "string"},
    },
}


def header_parameter_refs(endpoint):
    """The request headers ``endpoint`` takes besides the credentials and the database (``rest_api_core.dispatch``)."""
    names = ["company"] if endpoint.operation else []
    if endpoint.writes:
        names.append("idempotency_key")
    if endpoint.conditional:
        names.append("if_none_match" if endpoint.method == "GET" else "if_match")
    return _refs("parameters", *names)


def header_responses(endpoint, responses):
    """``responses`` with what ``endpoint``'s request headers add: ``Idempotent-Replayed`` and ``ETag`` on the
    success, 304 for a record's ``GET``."""
    extra = [idempotency.REPLAYED_HEADER] if endpoint.writes else []
    if endpoint.conditional and endpoint.method != "DELETE":
        extra.append("ETag")
    responses = {
        status: {**response, "headers": {**response.get("headers", {}), **_refs("headers", *extra)}}
        if status.startswith("2")
        else response
        for status, response in responses.items()
    }
    if endpoint.conditional and endpoint.method == "GET":
        responses["304"] = {
            "description": "Not modified: the record is still the version of `If-None-Match`.",
            "headers": _refs("headers", "ETag", "X-Request-ID"),
        }
    return responses
