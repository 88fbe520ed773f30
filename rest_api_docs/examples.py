"""Example values of request bodies: minimal and valid, for Swagger UI and Postman.

Pure: JSON Schema (and the OpenAPI document its ``$ref`` point into) in, JSON
value out. A create example sets the required fields and the record's name:
never an optional relation, whose example id may not exist or may close a loop
(Swagger UI's own example of every field made ``res.partner`` its own parent).
An update example sets one simple field (text, boolean, number) when the model has one.
Business rules beyond the schema (a technical ``ir.*`` model's code or names) may
still refuse them: the client then gets a 400 or 422 problem, never a 500.
"""

BODY_ACTIONS = ("create", "update", "patch", "bulk_update", "bulk_patch")


def resolve(node, spec):
    """``node`` with its ``$ref`` followed in ``spec`` (repeatedly)."""
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _object_example(schema, spec):
    properties = schema.get("properties") or {}
    names = [name for name in schema.get("required") or () if name in properties]
    if names and "name" in properties and "name" not in names:
        names.insert(0, "name")  # a record without a name is rarely what a client means (a new user's partner)
    if not names:
        # no required field: one simple field, the record's name when it has one; never an
        # empty object, which an update refuses
        names = _one_simple_field(properties, spec)
    return {name: example_value(properties[name], spec) for name in names}


def _first_type(schema):
    kind = schema.get("type")
    if isinstance(kind, list):
        return next((item for item in kind if item != "null"), None)
    if kind is None and schema.get("anyOf"):
        return _first_type(schema["anyOf"][0])
    return kind


def _one_simple_field(properties, spec):
    """``[name]`` of the field an example without required fields shows: ``name``, else a text,
    a boolean or a number (never a relation: its example id may not exist); ``[]`` when none."""
    kinds = {name: _first_type(resolve(prop, spec)) for name, prop in properties.items()}
    simple = [name for name, prop in properties.items() if _is_stringish(resolve(prop, spec))]
    if "name" in simple:
        return ["name"]
    for wanted in ("string", "boolean", "number"):
        names = [name for name in (simple if wanted == "string" else properties) if kinds[name] == wanted]
        if names:
            return names[:1]
    return []


def _is_stringish(schema):
    if schema.get("type") == "string":
        return True
    return any(branch.get("type") == "string" for branch in schema.get("anyOf") or ())


def _merge_all_of(schema, spec):
    merged = {"type": "object", "properties": {}, "required": list(schema.get("required") or ())}
    for part in schema["allOf"]:
        resolved = resolve(part, spec)
        merged["properties"].update(resolved.get("properties") or {})
        merged["required"].extend(resolved.get("required") or ())
    return merged


def _scalar_example(schema):
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((item for item in kind if item != "null"), None)
    if kind == "string":
        return "2026-01-31" if schema.get("format") == "date" else "Example"
    return {"integer": max(1, schema.get("minimum", 1)), "number": 1.0, "boolean": True}.get(kind)


_NO_EXAMPLE = object()


def _given_example(schema):
    """The value the schema itself suggests (``examples``, ``const``, first of ``enum``), if any."""
    if schema.get("examples"):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    return _NO_EXAMPLE


def _all_of_example(schema, spec):
    """The example of a part (``Values``' own) when nothing is required, else one of the merged object."""
    merged = _merge_all_of(schema, spec)
    if not merged["required"]:
        for part in schema["allOf"]:
            given = _given_example(resolve(part, spec))
            if given is not _NO_EXAMPLE:
                return given
    return _object_example(merged, spec)


def example_value(schema, spec):
    """A plausible value for ``schema`` (refs resolved in ``spec``), for request bodies."""
    schema = resolve(schema, spec)
    given = _given_example(schema)
    if given is not _NO_EXAMPLE:
        return given
    if "allOf" in schema:
        return _all_of_example(schema, spec)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        return example_value(branches[0], spec)
    if schema.get("type") == "object" or "properties" in schema:
        return _object_example(schema, spec)
    if schema.get("type") == "array":
        return [example_value(item, spec) for item in schema.get("prefixItems") or ()]
    return _scalar_example(schema)


def add_body_examples(spec):
    """Give the create and update bodies of ``spec`` (in place) their :func:`example_value`, where
    the document has none: Swagger UI's "Try it out" and the Postman collection send it."""
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            if operation.get("x-odoo-action") not in BODY_ACTIONS or "requestBody" not in operation:
                continue
            media = resolve(operation["requestBody"], spec)["content"]["application/json"]
            if "example" not in media:
                media["example"] = example_value(media["schema"], spec)
    return spec
