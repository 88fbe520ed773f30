"""Property test: the published write schemas and the server agree, field by field.

Run by livetests/test_live_clients.py with the tools virtualenv's Python (hypothesis,
schemathesis' generator of values from a JSON Schema, jsonschema, httpx):

    python write_contract.py DOCUMENT BASE_URL API_KEY RECORDS_JSON EXAMPLES

``RECORDS_JSON`` maps each model to a scratch record's id. For every writable field of the
model's ``-values`` schema in the document (so every field type those models have):

* values generated from the field's write schema are written with ``PUT``, x2many commands
  included, with the values of their create/update commands generated from the related
  model's values schema the document references: the server never answers 400 (nor 500) to
  what the document allows (it may answer 403, 404, 409 or 422: access rights, constraints and
  business rules are no JSON Schema);
* arbitrary JSON values are written: when the server answers 400, the document forbids the
  value; when the document forbids it, the server answers 400; never 500.

Prints one JSON object: the number of writes per model and field type, and the disagreements.
"""

import json
import sys
from pathlib import Path

import httpx
import jsonschema
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ALLOWED_OUTCOMES = {200, 403, 404, 409, 422}  # for a value the document allows

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)


def allowed_values(schema, components):
    """Values valid for ``schema``: the JSON bodies schemathesis generates for an operation
    whose body is ``{"value": <schema>}`` (its public API, the generator of its runs), the
    document's ``components`` (which its ``$ref`` point into) alongside."""
    body = {"type": "object", "properties": {"value": schema}, "required": ["value"], "additionalProperties": False}
    content = {"application/json": {"schema": body}}
    operation = {"requestBody": {"required": True, "content": content}, "responses": {"200": {"description": "OK"}}}
    document = {"openapi": "3.1.0", "info": {"title": "field", "version": "1"}, "paths": {"/f": {"put": operation}},
                "components": components}  # fmt: skip
    return schemathesis.openapi.from_dict(document)["/f"]["PUT"].as_strategy().map(lambda case: case.body["value"])


def check_field(client, path, name, schema, *, components, examples, report):
    validator = jsonschema.Draft202012Validator({**schema, "components": components})
    disagreements = report["disagreements"]

    def put(value):
        response = client.put(path, content=json.dumps({name: value}), headers={"content-type": "application/json"})
        report["writes"] += 1
        return response

    run = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )

    @run
    @given(allowed_values(schema, components))
    def allowed(value):
        response = put(value)
        if response.status_code not in ALLOWED_OUTCOMES:
            disagreements.append(
                f"{path} {name} = {value!r}: allowed, got {response.status_code} {response.text[:300]}"
            )

    @run
    @given(JSON_VALUES)
    def arbitrary(value):
        response = put(value)
        valid = validator.is_valid(value)
        if response.status_code >= 500 or (response.status_code == 400) == valid:
            expected = "not 400" if valid else "400"
            disagreements.append(
                f"{path} {name} = {value!r}: the document {'allows' if valid else 'forbids'} it, expected "
                f"{expected}, got {response.status_code} {response.text[:300]}"
            )

    allowed()
    arbitrary()


def main(document_path, base_url, key, records_json, examples):
    document = json.loads(Path(document_path).read_text())
    records = json.loads(records_json)
    schemas = document["components"]["schemas"]
    report = {"writes": 0, "fields": {}, "types": {}, "disagreements": []}
    with httpx.Client(base_url=base_url, headers={"api-key": key}, timeout=60) as client:
        status = client.get("/api/res.partner/schema").status_code
        assert status == 200, status
        for model, record_id in records.items():
            fields = client.get(f"/api/{model}/schema").json()
            values = schemas[f"{model}-values"]["properties"]
            report["fields"][model] = len(values)
            for name, schema in values.items():
                report["types"].setdefault(fields[name]["type"], 0)
                report["types"][fields[name]["type"]] += 1
                check_field(client, f"/api/{model}/{record_id}", name, schema, components=document["components"],
                            examples=int(examples), report=report)  # fmt: skip
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:])
