"""The documentation, checked by the clients people use, against a live Odoo on loopback.

* openapi-spec-validator validates the live document: anonymous, for a key
  with scope ``all`` and for a ``specific`` key;
* schemathesis fuzzes the API from the ``specific`` key's document: no
  server error, and every response conforms to the document (status, content
  type, headers, body);
* newman runs the Postman collection built for that key: every request
  passes its status check; and the collection of a key that requires login
  tokens, which gets its token first and sends it with every other request;
* headless Chromium opens ``/api/docs``: the operations render, "Authorize"
  with the key reloads the document with its models, and "Try it out" on a
  search endpoint gets a 200.

The tools are never skipped: a missing one fails the test, saying how to get
it (``.ci/run`` and the Docker image's ``test`` target install them): the tools
virtualenv (``$TOOLS_VENV``), newman and playwright-core (``tools/js/node_modules``,
else a directory on ``$NODE_PATH``), Chromium (``$CHROMIUM``). Reports and the
screenshot go to ``$REST_API_ARTIFACTS`` (default ``artifacts/``).
"""

import json
import os
import resource
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from tools.odoo_env import REPO_ROOT, SetupError, http_json, tools_venv

ARTIFACTS = Path(os.environ.get("REST_API_ARTIFACTS", REPO_ROOT / "artifacts"))
TOOLS_JS = REPO_ROOT / "tools" / "js"
# Where Node.js looks for packages, in its order: the npm tools of tools/js, then $NODE_PATH.
NODE_MODULES = [TOOLS_JS / "node_modules", *(Path(p) for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p)]
SCHEMATHESIS_EXAMPLES = 15  # per operation and phase
CLIENT_TIMEOUT = 900  # seconds, for each external client run

# A key for the fuzzer and the collection: every operation on partner tags (created,
# changed and deleted at will), reads and a few methods on models with fields of most types.
SPECIFIC_ACCESS = [
    {
        "model": "res.partner.category",
        "read": True,
        "create": True,
        "write": True,
        "unlink": True,
        "execute": True,
        "methods": ["name_search", "search_count"],
    },
    {"model": "res.partner", "read": True, "execute": True, "methods": ["name_search"]},
    *(
        {"model": model, "read": True}
        for model in ("res.users", "res.company", "res.currency", "res.country", "ir.attachment", "ir.ui.view")
    ),
]
# the models of SPECIFIC_ACCESS with binary fields their user may read (downloads), with reports
# (res.company: web's layout preview; listing and printing)
FILE_MODELS = ("res.partner", "res.users", "res.company", "ir.attachment")
REPORT_MODELS = ("res.company",)
# search, changes, count, schema, read and the attachments listing (ir.attachment is in the scope)
# on every model; downloads of FILE_MODELS; reports of REPORT_MODELS; create, PUT, PATCH and
# delete on tags, and PUT, PATCH and DELETE of many tags; execute_kw on tags and partners; batch;
# generate_token
SPECIFIC_OPERATIONS = len(SPECIFIC_ACCESS) * 6 + len(FILE_MODELS) + 2 * len(REPORT_MODELS) + 4 + 3 + 2 + 1 + 1


def required_tool(description, install_hint, *candidates):
    """The first existing executable among ``candidates``; fails the test (never skips) otherwise."""
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.fail(f"{description} is missing ({', '.join(map(str, filter(None, candidates)))}): {install_hint}")


def node_tool(name):
    return required_tool(
        name,
        "run `npm ci --prefix tools/js` (see .ci/run), or put a node_modules with it on NODE_PATH",
        *(modules / ".bin" / name for modules in NODE_MODULES),
    )


def run_client(command, **kwargs):
    """Run an external client to completion (bounded in time).

    The Odoo loaded by the test run lowered this process's address-space limit
    (``limit_memory_hard``); Node.js and Chromium reserve much virtual memory
    and must not inherit it.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft != hard:
        limit = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
        command = ["prlimit", f"--as={limit}", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=CLIENT_TIMEOUT, check=False, **kwargs)


def get(base_url, path, key=None):
    """(status, headers, decoded JSON) of a GET."""
    return http_json("GET", base_url + path, headers={"api-key": key} if key else None, timeout=120)


@pytest.fixture(scope="module")
def keys(rpc):
    """Unthrottled REST API keys of the administrator, provisioned over JSON-RPC; deleted afterwards."""
    policy = {"user_id": rpc.uid, "rate_limit": 0, "allow_token_generation": True}
    created = {
        "all": rpc.generate_api_key("docs all", scope_mode="all", **policy),
        "specific": rpc.generate_api_key("docs specific", scope_mode="specific", access=SPECIFIC_ACCESS, **policy),
        "token": rpc.generate_api_key(
            "docs login token",
            scope_mode="specific",
            access=[{"model": "res.partner.category", "read": True}],
            require_login_token=True,
            **policy,
        ),
    }
    yield {name: result["key"] for name, result in created.items()}
    rpc.execute("rest.api.key", "unlink", [result["id"] for result in created.values()])


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def test_live_documents_are_valid_openapi_31(prefork_server, keys):
    base_url = prefork_server.base_url
    status, _headers, anonymous = get(base_url, "/api/openapi.json")
    assert status == 200
    validate(anonymous)
    assert "/api/{model}/search" in anonymous["paths"]

    started = time.monotonic()
    status, _headers, everything = get(base_url, "/api/openapi.json", keys["all"])
    elapsed = time.monotonic() - started
    assert status == 200
    validate(everything)
    models = {tag["name"] for tag in everything["tags"]} - {"Login tokens", "Batch"}
    # Swagger UI lists the tags in this order: the usual models first, not base_import.mapping
    assert [tag["name"] for tag in everything["tags"]][:4] == [
        "res.partner",
        "res.partner.category",
        "res.users",
        "res.company",
    ]
    assert {"res.partner", "res.users", "ir.config_parameter"} <= models
    assert not models & {"rest.api.key", "rest.api.token", "res.users.apikeys"}  # never through the REST API
    print(f"document of a key with scope 'all': {len(models)} models, {elapsed:.2f}s over HTTP")

    status, _headers, specific = get(base_url, "/api/openapi.json", keys["specific"])
    assert status == 200
    validate(specific)
    assert [tag["name"] for tag in specific["tags"]] == [
        *("res.partner", "res.partner.category", "res.users", "res.company"),  # the usual models first
        *("ir.attachment", "ir.ui.view", "res.country", "res.currency"),  # then by name
        "Batch",
        "Login tokens",
    ]
    assert set(specific["paths"]["/api/res.partner.category/{id}"]) == {"get", "put", "patch", "delete"}
    assert set(specific["paths"]["/api/res.partner.category"]) == {"put", "patch", "delete"}
    assert set(specific["paths"]["/api/res.users/{id}"]) == {"get"}

    # a key that requires login tokens reads its document with the key alone; data needs a token
    status, _headers, token_key = get(base_url, "/api/openapi.json", keys["token"])
    assert status == 200
    validate(token_key)
    assert [tag["name"] for tag in token_key["tags"]] == ["Login tokens", "res.partner.category"]
    assert token_key["security"] == [{"ApiKey": [], "LoginToken": []}, {"ApiKey": [], "Bearer": []}]


def test_schemathesis_finds_no_server_error_nor_schema_violation(prefork_server, keys, artifacts, tmp_path):
    try:
        schemathesis = str(tools_venv("schemathesis") / "schemathesis")
    except SetupError as error:
        pytest.fail(str(error))
    junit = artifacts / "schemathesis.junit.xml"
    command = [
        schemathesis, "run", prefork_server.base_url + "/api/openapi.json",
        "--header", f"api-key: {keys['specific']}",
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_headers_conformance,response_schema_conformance",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(SCHEMATHESIS_EXAMPLES),
        "--seed", "20261127",
        # one thread: CPython 3.11's ast module is not thread-safe (hypothesis then fails with
        # "SystemError: AST constructor recursion depth mismatch", python/cpython#106905)
        "--workers", "1",
        "--request-timeout", "60",
        "--no-shrink",
        "--report", "junit", "--report-junit-path", str(junit),
    ]  # fmt: skip
    result = run_client(command, cwd=tmp_path)  # its crash cache goes to the working directory
    output = result.stdout + result.stderr
    (artifacts / "schemathesis.log").write_text(output)
    assert result.returncode == 0, output[-6000:]
    assert f"{SPECIFIC_OPERATIONS} selected / {SPECIFIC_OPERATIONS} total" in output, output[:2000]


def run_newman(collection, key, artifacts, tmp_path, report_name):
    """newman's run of ``collection`` with ``key`` (its JSON report); the run must exit 0 with no failure."""
    newman = node_tool("newman")
    collection_file = tmp_path / f"{report_name}-collection.json"
    collection_file.write_text(json.dumps(collection))
    report = artifacts / f"{report_name}.json"
    command = [
        newman, "run", str(collection_file),
        "--env-var", f"api_key={key}",
        "--reporters", "cli,json", "--reporter-json-export", str(report),
        "--timeout-request", "60000", "--color", "off",
    ]  # fmt: skip
    result = run_client(command)
    (artifacts / f"{report_name}.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    run = json.loads(report.read_text())["run"]
    assert run["stats"]["requests"]["failed"] == 0
    assert run["stats"]["assertions"]["failed"] == 0
    assert run["failures"] == []
    return run


def test_newman_runs_the_postman_collection(prefork_server, keys, artifacts, tmp_path):
    status, _headers, collection = get(prefork_server.base_url, "/api/postman_collection.json", keys["specific"])
    assert status == 200
    run = run_newman(collection, keys["specific"], artifacts, tmp_path, "newman")
    requests = sum(len(folder["item"]) for folder in collection["item"])
    assert requests == SPECIFIC_OPERATIONS
    # and one more: the record "Delete many records" deletes, created first by its prerequest
    assert run["stats"]["requests"] == {"total": requests + 1, "pending": 0, "failed": 0}
    assert run["stats"]["assertions"]["total"] == requests  # none skipped: each request tested its status
    codes = {execution["item"]["name"]: execution["response"]["code"] for execution in run["executions"]}
    assert codes["Delete many records"] == 200
    assert codes["Run operations in one transaction"] == 200  # the example: a tag created, then deleted


def test_newman_follows_the_login_token_flow(prefork_server, keys, artifacts, tmp_path):
    """The collection of a key that requires login tokens: its first request gets one, the others send it."""
    status, _headers, collection = get(prefork_server.base_url, "/api/postman_collection.json", keys["token"])
    assert status == 200
    assert [folder["name"] for folder in collection["item"]] == ["Login tokens", "res.partner.category"]
    run = run_newman(collection, keys["token"], artifacts, tmp_path, "newman-login-token")
    sent = [(execution["item"]["name"], execution["response"]["code"]) for execution in run["executions"]]
    assert sent[:3] == [("Generate a login token", 200), ("Search records", 200), ("Count records", 200)], sent
    search = run["executions"][1]["request"]["header"]
    assert any(header["key"] == "Login-Token" and header["value"] for header in search), search


def test_swagger_ui_in_headless_chromium(prefork_server, keys, artifacts):
    node = required_tool("Node.js", "install Node.js 20 or later", shutil.which("node"))
    chromium = required_tool(
        "Chromium",
        "apt-get install chromium (see .ci/run), or point CHROMIUM at a Chromium or Chrome executable",
        os.environ.get("CHROMIUM"),
        "/usr/bin/chromium",
    )
    node_tool("newman")  # the npm tools are installed (playwright-core comes with newman)
    screenshot = artifacts / "docs_swagger_ui.png"
    screenshot.unlink(missing_ok=True)
    command = [
        node, str(TOOLS_JS / "docs-browser-check.mjs"),
        prefork_server.base_url, keys["all"], "res.partner", str(screenshot),
    ]  # fmt: skip
    node_path = os.pathsep.join(str(modules) for modules in NODE_MODULES)
    result = run_client(command, env={**os.environ, "CHROMIUM": chromium, "NODE_PATH": node_path})
    assert result.returncode == 0, result.stderr[-4000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "error" not in seen, seen
    assert seen["title"].startswith("Odoo REST API")
    # before authorizing: the generic paths (all of the endpoint registry) and the generic document's
    # three webhooks (a record created, updated, deleted)
    assert seen["anonymousOperations"] == 21 + 3
    assert seen["tags"] > 50  # after "Authorize": one tag per model of the 'all' key
    assert seen["keyOperations"] >= 9  # the model's operations, once its tag is open
    assert seen["tryItOutStatus"] == "200"
    assert json.loads(seen["tryItOutBody"])[0]["id"]
    assert seen["externalRequests"] == []  # works offline: nothing but this server was asked
    assert seen["pageErrors"] == []
    assert seen["consoleErrors"] == []
    assert screenshot.is_file() and screenshot.stat().st_size > 10000
