"""Facts of the endpoints that the server and the OpenAPI document (``rest_api_docs``) share:
request bodies as JSON Schema (the server validates them, the document publishes them) and
success messages."""

from jsonschema import Draft202012Validator

from .method_call import CONTEXT_ALLOW_LIST
from .query import InvalidInput

METHOD_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
# the success messages of the writing endpoints (their bodies' "message")
CREATED_MESSAGE = "Record created successfully."
UPDATED_MESSAGE = "Record updated successfully."
DELETED_MESSAGE = "Record deleted successfully."
ISSUED_MESSAGE = "JWT Token generated successfully."


def execute_kw_body_schema(methods=()):
    """The body of ``POST /api/<model>/execute_kw``; ``methods``: the key's allow-list, if any."""
    method = {"type": "string", "pattern": METHOD_PATTERN, "description": "A public method name."}
    if methods:
        method = {"type": "string", "enum": list(methods), "description": "A method this API key may call."}
    context_keys = ", ".join(f"`{key}`" for key in CONTEXT_ALLOW_LIST)
    return {
        "type": "object",
        "required": ["method"],
        "properties": {
            "method": method,
            "args": {
                "type": "array",
                "items": {},
                "description": "Positional arguments (record ids first for record methods).",
            },
            "kwargs": {
                "type": "object",
                "description": f"Keyword arguments. `context` may set {context_keys}; other context keys are ignored.",
            },
        },
        "additionalProperties": False,
    }


def check_body(schema, body):
    """``InvalidInput`` naming each member of ``body`` that ``schema`` refuses (``body``: the whole body)."""
    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=lambda error: list(error.path))
    problems = []
    for error in errors:
        if error.validator == "additionalProperties":
            known = set(error.schema.get("properties", ()))
            problems += [(name, "is not a member of this body") for name in error.instance if name not in known]
        elif error.validator == "required":
            problems += [(name, "is required") for name in error.validator_value if name not in error.instance]
        else:
            name = ".".join(str(part) for part in error.path) or "body"
            problems.append((name, error.message))
    if problems:
        raise InvalidInput(*problems)
