"""Clients nobody here wrote, working from a key's published document, against a live Odoo on loopback.

A database of its own with ``product`` installed (``res.partner``, ``product.product``
and ``res.country`` cover most field types), served with ``--workers 2``, and a key whose
detailed document covers those three models:

* openapi-python-client generates a client from the document as published, with its
  default settings; a full CRUD cycle (create, search with a domain, read, count,
  update, ``execute_kw name_search``, delete) runs through the generated code, and so does a
  partner's image, uploaded as raw bytes and downloaded back (whole and at a size); and
  openapi-core validates every response of it and of the error cases (400, 401, 403,
  404, 409, 415, 422, 429; 405, which no operation of the path documents, against the
  Problem schema) against the document (``livetests/clients/client_cycle.py``);
* a property test (hypothesis, ``livetests/clients/write_contract.py``) proves, field by
  field, that the published write schemas and the server agree (x2many commands with the
  values of the related model's referenced schema included);
* schemathesis runs every check, stateful phase included, bounded in examples and time:
  zero failures. The failed-authentication limit of this server is raised so that
  schemathesis' bad-credential probes are answered 401, never 429. Its configuration
  (``livetests/clients/schemathesis.toml``) says which refusals of schema-valid requests
  the document announces: 422 (Odoo's business rules), and 400 for the Odoo expressions
  in ``domain``/``fields``/``order``.

The tools come from the tools virtualenv (``$TOOLS_VENV``); a missing one fails the test.
"""

import json
import os
from pathlib import Path

import jsonschema
import pytest

from tools.odoo_env import ADDONS, OdooRpc, OdooServer, SetupError, http_json, tools_venv

from .test_live_docs import run_client

MODELS = ("res.partner", "product.product", "res.country")
CYCLE_SCRIPT = Path(__file__).parent / "clients" / "client_cycle.py"
SCHEMATHESIS_CONFIG = Path(__file__).parent / "clients" / "schemathesis.toml"
CONTRACT_SCRIPT = Path(__file__).parent / "clients" / "write_contract.py"
CONTRACT_EXAMPLES = 5  # per field: values the document allows, and as many arbitrary JSON values
# the records the property test writes on
SCRATCH_RECORDS = {
    "res.partner": {"name": "Write contract"},
    "product.product": {"name": "Write contract product"},
    "res.country": {"name": "Contractland", "code": "QZ"},
}
# the field types of the writable fields of those models (date and datetime fields are read-only there)
WRITABLE_TYPES = {"binary", "boolean", "char", "float", "html", "integer", "many2many", "many2one", "one2many",
                  "properties", "selection", "text"}  # fmt: skip
FAILED_AUTH_LIMIT = 100000  # per period: schemathesis sends many bad credentials
SCHEMATHESIS_EXAMPLES = 10  # per operation and phase
SCHEMATHESIS_MAX_TIME = 180  # seconds: fuzzing and stateful testing repeat until it is spent

# per model: the values of a create and of an update, and a name_search text that finds the record
CASES = {
    "res.partner": {
        "create": {"name": "Client cycle", "email": "cycle@example.com"},
        "update": {"phone": "+1 555 0100"},
        "name_search": "Client cycle",
    },
    "product.product": {
        "create": {"name": "Client cycle product", "list_price": 12.5},
        "update": {"default_code": "CYCLE-1"},
        "name_search": "Client cycle product",
    },
    "res.country": {
        "create": {"name": "Cycleland", "code": "QX"},
        "update": {"phone_code": 999},
        "name_search": "Cycleland",
    },
}


# per model: the image field the generated client uploads a PNG into and downloads back, and a size
FILE_CASES = {"res.partner": {"create": {"name": "Client files"}, "field": "image_1920", "size": 128}}
FILE_EXCHANGES = 5  # create, upload, download, download at the size, delete


def tool(name):
    try:
        return str(tools_venv(name) / name)
    except SetupError as error:
        pytest.fail(str(error))


def error_cases(key, throttled_key):
    """Requests answered with each documented error status (the expected status is the name's
    last three characters); the two throttled ones in a row: the second is refused."""

    def post(path, body, content_type="application/json", api_key=key):
        content = body if isinstance(body, str) else json.dumps(body)
        return {"method": "POST", "path": path, "headers": {"api-key": api_key, "content-type": content_type},
                "content": content}  # fmt: skip

    return {
        "400": {"method": "GET", "path": "/api/res.partner/search?domain=garbage", "headers": {"api-key": key}},
        # what the document forbids, the server refuses (before: 201 "LO", 201 and 500, 200, 200)
        "code longer than its size 400": post("/api/res.country/create", {"name": "Longland", "code": "LONGCODE"}),
        "properties not an object 400": post("/api/product.product/create", {"name": "P", "product_properties": 7}),
        "extra execute_kw member 400": post("/api/res.partner/execute_kw", {"method": "name_search", "x": 1}),
        "read-only field 400": {**post("/api/res.partner/1", {"display_name": "Renamed"}), "method": "PUT"},
        "401": {"method": "GET", "path": "/api/res.partner/search", "headers": {"api-key": "0" * 40}},
        "403": post("/api/res.partner/execute_kw", {"method": "search_count", "args": [[]]}),  # not allow-listed
        "404": {"method": "GET", "path": "/api/res.partner/2147483000", "headers": {"api-key": key}},
        "409": post("/api/res.country/create", {"name": "Duplicate", "code": "BE"}),
        "415": post("/api/res.partner/create", "name=x", content_type="text/plain"),
        "422": post("/api/res.country/create", {"name": "Badformat", "code": "QY", "address_format": "%(bogus)s"}),
        "before 200": {
            "method": "GET",
            "path": "/api/res.country/record_count",
            "headers": {"api-key": throttled_key},
        },
        "429": {"method": "GET", "path": "/api/res.country/record_count", "headers": {"api-key": throttled_key}},
    }


@pytest.fixture(scope="module")
def product_server(live_workspace):
    """Odoo with ``--workers 2`` on a database of its own with ``product`` installed."""
    database = live_workspace.create_database(modules=(*ADDONS, "product"))
    with OdooServer(live_workspace, database, extra_args=["--workers=2", "--max-cron-threads=0"]) as server:
        yield server


@pytest.fixture(scope="module")
def client_keys(product_server):
    rpc = OdooRpc(product_server.base_url, product_server.database)
    rpc.execute("ir.config_parameter", "set_param", "rest_api.failed_auth_limit", str(FAILED_AUTH_LIMIT))
    access = [
        {"model": model, "read": True, "create": True, "write": True, "unlink": True, "execute": True,
         "methods": ["name_search"]}
        for model in MODELS
    ]  # fmt: skip
    policy = {"user_id": rpc.uid, "scope_mode": "specific", "access": access}
    return {
        "key": rpc.generate_api_key("clients", rate_limit=0, **policy)["key"],
        "throttled": rpc.generate_api_key("clients throttled", rate_limit=1, rate_period=3600, rate_burst=1, **policy)[
            "key"
        ],
    }


@pytest.fixture(scope="module")
def document(product_server, client_keys, tmp_path_factory):
    """The key's detailed document, as published, saved to a file: ``(path, document)``."""
    status, _headers, document = http_json(
        "GET", product_server.base_url + "/api/openapi.json", headers={"api-key": client_keys["key"]}, timeout=120
    )
    assert status == 200
    assert {tag["name"] for tag in document["tags"]} >= set(MODELS)
    path = tmp_path_factory.mktemp("document") / "openapi.json"
    path.write_text(json.dumps(document))
    return path, document


def test_generated_client_runs_a_crud_cycle_and_openapi_core_validates_every_response(
    product_server, client_keys, document, tmp_path
):
    document_path, published = document
    generator = tool("openapi-python-client")
    bin_dir = str(Path(generator).parent)
    env = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}  # its ruff post-hooks
    result = run_client([generator, "generate", "--path", str(document_path)], cwd=tmp_path, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "Warning" not in output, output[-6000:]  # nothing of the document was skipped
    package_dir = tmp_path / "odoo-rest-api-client"
    for model in MODELS:
        tag = model.replace(".", "_")
        actions = {
            path.stem.removeprefix(f"{tag}_")
            for path in (package_dir / "odoo_rest_api_client" / "api" / tag).glob("*_*.py")
        }
        assert actions >= {"create", "search", "read", "record_count", "update", "patch", "delete", "execute_kw"}, (
            actions
        )
        if model in FILE_CASES:  # the model's own binary fields: nothing skipped, a function each way
            assert actions >= {"download", "upload"}, actions

    cases = {"models": CASES, "files": FILE_CASES, "errors": error_cases(client_keys["key"], client_keys["throttled"])}
    command = [str(Path(bin_dir) / "python"), str(CYCLE_SCRIPT), str(document_path), str(package_dir),
               product_server.base_url, client_keys["key"], json.dumps(cases)]  # fmt: skip
    result = run_client(command, cwd=tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failures"] == [], "\n".join(report["failures"])
    assert report["errors"] == {name: int(name[-3:]) for name in cases["errors"]}
    assert len(report["seen"]) == 9 * len(MODELS) + FILE_EXCHANGES * len(FILE_CASES) + len(cases["errors"])
    # Odoo creates the template of a new variant: the document does not require it
    assert published["components"]["schemas"]["product.product-create"]["required"] == ["name"]

    # 405: no operation of the path documents it; its body is the document's Problem
    status, headers, problem = http_json(
        "POST", product_server.base_url + "/api/res.partner/search", {}, headers={"api-key": client_keys["key"]}
    )
    assert status == 405 and "GET" in headers["Allow"]
    assert headers["Content-Type"].startswith("application/problem+json")
    schema = {**published["components"]["schemas"]["Problem"], "$defs": {}}
    jsonschema.validate(problem, schema)


def test_schemathesis_runs_every_check_and_the_stateful_phase_without_failure(
    product_server, client_keys, document, tmp_path
):
    document_path, _published = document
    schemathesis = tool("schemathesis")
    command = [
        schemathesis, "--config-file", str(SCHEMATHESIS_CONFIG), "run", str(document_path),
        "--url", product_server.base_url,
        "--header", f"api-key: {client_keys['key']}",
        "--checks", "all",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(SCHEMATHESIS_EXAMPLES),
        "--max-time", str(SCHEMATHESIS_MAX_TIME),
        "--seed", "20261202",
        # one thread: CPython 3.11's ast module is not thread-safe (hypothesis then fails with
        # "SystemError: AST constructor recursion depth mismatch", python/cpython#106905)
        "--workers", "1",
        "--request-timeout", "60",
        "--no-shrink",
    ]  # fmt: skip
    result = run_client(command, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    assert "No issues found" in output or " 0 failures" in output or "passed" in output, output[-4000:]


def test_write_schemas_and_server_agree_on_generated_values(product_server, client_keys, document, tmp_path):
    """For every writable field of the three models (so every field type they have): what the
    document allows, the server accepts (never a 400); what the server refuses with 400, the
    document forbids; what the document forbids, the server refuses with 400; never a 500."""
    document_path, _published = document
    base_url, headers = product_server.base_url, {"api-key": client_keys["key"]}
    records = {}
    for model, values in SCRATCH_RECORDS.items():
        status, _headers, created = http_json("POST", f"{base_url}/api/{model}/create", values, headers=headers)
        assert status == 201, created
        records[model] = created["id"]
    python = str(Path(tool("python")))
    command = [python, str(CONTRACT_SCRIPT), str(document_path), base_url, client_keys["key"], json.dumps(records),
               str(CONTRACT_EXAMPLES)]  # fmt: skip
    result = run_client(command, cwd=tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["disagreements"] == [], "\n".join(report["disagreements"][:30])
    assert set(report["types"]) >= WRITABLE_TYPES, report["types"]
    print(f"write contract: {report['writes']} writes, fields per type {report['types']}")
