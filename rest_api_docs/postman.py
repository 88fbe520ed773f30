"""A Postman Collection v2.1 built from the OpenAPI document of :mod:`.openapi`.

Pure: OpenAPI dict in, collection dict out. One folder per tag (per model),
requests ordered so that running a folder walks a record's life: create it,
find it, read it, update it, call a method, delete it. Requests that change a
record only ever target the record the folder created (or an id the user
typed), never one found by searching, so running the collection cannot
overwrite or delete existing data. Every request tests its success status.

Every request sends ``X-Odoo-Database: {{database}}`` (ignored while empty:
one database). "Generate a login token" stores the token it gets in the
``login_token`` variable, which every other request sends in ``Login-Token``;
for a key that requires login tokens, its folder comes first.
"""

import json
import re

from odoo.addons.rest_api_core.endpoints import BY_ACTION
from odoo.addons.rest_api_core.idempotency import HEADER as IDEMPOTENCY_HEADER
from odoo.addons.rest_api_core.multidb import DATABASE_HEADER, DATABASE_PARAM

from .examples import example_value, resolve
from .file_paths import MULTIPART, OCTET_STREAM

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def _record_life():
    """The data endpoints in the order of a record's life, then the others; the deletions after the
    record's files and reports (the registry lists those after them), which need the record; a
    webhook created before it is listed (then deleted)."""
    deletions = ("delete", "bulk_delete")
    actions = [action for action in BY_ACTION if action not in (*deletions, "webhook_create")]
    position = actions.index("report") + 1
    actions[position:position] = deletions
    actions.insert(actions.index("webhooks"), "webhook_create")
    return tuple(actions)


ACTION_ORDER = _record_life()
RECORD_ACTIONS = {endpoint.action for endpoint in BY_ACTION.values() if "/{id}" in endpoint.path}
MUTATING_ACTIONS = {action for action in RECORD_ACTIONS if BY_ACTION[action].method != "GET"}
# the actions that create what the folder's later requests change: the record, a webhook
CREATE_ACTIONS = ("create", "webhook_create")
DELETE_ACTIONS = ("delete", "webhook_delete")
WEBHOOK_ACTIONS = {"webhooks", "webhook_create", "webhook_delete"}
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
PATH_EXAMPLES = ("field", "report")  # path parameters whose example is a usable default
GENERIC_MODEL_EXAMPLE = "res.partner"
# Requests whose body is an example value, and how a model may refuse those values: bad value
# (400), a record rule (403), a duplicate (409), a business rule (422).
# A webhook's example URL may not resolve where the collection runs (422).
EXAMPLE_BODY_ACTIONS = {
    "create",
    "update",
    "patch",
    "bulk_update",
    "bulk_patch",
    "bulk_delete",
    "batch",
    "webhook_create",
}
EXAMPLE_REFUSALS = (400, 403, 409, 422)
# the multi-record requests: on the folder's created record; the delete on one it creates first
BULK_WRITE_ACTIONS = ("bulk_update", "bulk_patch")
BULK_IDS_MARKER = "__created_ids__"


def _variable_prefix(model, action=None):
    if action in WEBHOOK_ACTIONS:
        return "webhook"
    return re.sub(r"\W", "_", model) if model else "record"


def _script(lines):
    return {"type": "text/javascript", "exec": lines}


def _status_test(status, action):
    """The status check: the success status; for a request whose body is an example the model's
    business rules may refuse (see :mod:`.examples`), also that refusal as a problem, never a 5xx;
    for a download, also 404: the record the folder found may hold no file in that field."""
    if action == "download":
        return [
            f'pm.test("status is {status}, or 404: no file in that field of this record", function () {{',
            f"    pm.expect(pm.response.code).to.be.oneOf([{status}, 404]);",
            "    if (pm.response.code === 404) {",
            '        pm.expect(pm.response.headers.get("Content-Type")).to.include("application/problem+json");',
            "    }",
            "});",
        ]
    if action not in EXAMPLE_BODY_ACTIONS:
        return [
            f'pm.test("status is {status}", function () {{',
            f"    pm.response.to.have.status({status});",
            "});",
        ]
    refusals = ", ".join(str(code) for code in EXAMPLE_REFUSALS)
    return [
        f'pm.test("status is {status}, or the example values refused ({refusals}: edit the body)", function () {{',
        f"    pm.expect(pm.response.code).to.be.oneOf([{status}, {refusals}]);",
        f"    if (pm.response.code !== {status}) {{",
        '        pm.expect(pm.response.headers.get("Content-Type")).to.include("application/problem+json");',
        '        console.log(pm.info.requestName + ": " + pm.response.json().detail);',
        "    }",
        "});",
    ]


def _test_event(status, action, prefix):
    lines = _status_test(status, action)
    if action in CREATE_ACTIONS:
        lines += [
            f"if (pm.response.code === {status}) {{",
            "    const created = pm.response.json().id;",
            f'    pm.collectionVariables.set("{prefix}_created_id", created);',
            f'    pm.collectionVariables.set("{prefix}_id", created);',
            "}",
        ]
    elif action == "search":
        lines += [
            "if (pm.response.code === 200) {",
            "    const records = pm.response.json();",
            f'    if (records.length && !pm.collectionVariables.get("{prefix}_id")) {{',
            f'        pm.collectionVariables.set("{prefix}_id", records[0].id);',
            "    }",
            "}",
        ]
    elif action in DELETE_ACTIONS:
        lines += [
            "if (pm.response.code === 200) {",
            f'    pm.collectionVariables.unset("{prefix}_created_id");',
            f'    pm.collectionVariables.unset("{prefix}_id");',
            "}",
        ]
    elif action == "generate_token":
        lines += [
            "if (pm.response.code === 200) {",
            '    pm.collectionVariables.set("login_token", pm.response.json().login_token);',
            "}",
        ]
    return {"listen": "test", "script": _script(lines)}


def _skip_without_id_event():
    """Skip a record request whose id resolves to nothing (no record created or found yet)."""
    return {
        "listen": "prerequest",
        "script": _script(
            [
                'const id = pm.variables.replaceIn(String(pm.request.url.variables.get("id") || ""));',
                "if (!/^[0-9]+$/.test(id)) {",
                '    console.log("No record id for " + pm.info.requestName + ": skipped.");',
                "    pm.execution.skipRequest();",
                "}",
            ]
        ),
    }


def _skip_without_event(variable):
    """Skip a multi-record request while the collection variable ``variable`` holds no record id
    of the collection's own (nothing of its own to change)."""
    return {
        "listen": "prerequest",
        "script": _script(
            [
                f'if (!/^[0-9]+$/.test(String(pm.collectionVariables.get("{variable}") || ""))) {{',
                '    console.log("No record created for " + pm.info.requestName + ": skipped.");',
                "    pm.execution.skipRequest();",
                "}",
            ]
        ),
    }


def _create_first_event(path, prefix, spec):
    """Before the multi-record delete: create the record it deletes (never an existing one), with the
    create request's example; skipped when the key may not create records of the model."""
    create = spec.get("paths", {}).get(f"{path}/create", {}).get("post")
    if not create:
        return _skip_without_event(f"{prefix}_bulk_ids")  # never set: always skipped
    example = resolve(create["requestBody"], spec)["content"]["application/json"].get("example", {})
    url = "{{base_url}}" + path.replace("{model}", "{{model}}") + "/create"
    return {
        "listen": "prerequest",
        "script": _script(
            [
                'const headers = {"api-key": pm.variables.replaceIn("{{api_key}}"), '
                '"Content-Type": "application/json", '
                f'"{DATABASE_HEADER}": pm.variables.replaceIn("{{{{database}}}}")}};',
                'const token = pm.variables.replaceIn("{{login_token}}");',
                'if (token) { headers["Login-Token"] = token; }',
                f'pm.collectionVariables.set("{prefix}_bulk_ids", "[]");',
                "pm.sendRequest({",
                f'    url: pm.variables.replaceIn("{url}"), method: "POST",',
                "    header: Object.entries(headers).map(([key, value]) => ({key, value})),",
                f'    body: {{mode: "raw", raw: {json.dumps(json.dumps(example))}}},',
                "}, function (error, response) {",
                f"    if (!error && response.code === {BY_ACTION['create'].status}) {{",
                f'        pm.collectionVariables.set("{prefix}_bulk_ids", JSON.stringify([response.json().id]));',
                "    }",
                "});",
            ]
        ),
    }


def _bulk_body(operation, spec, prefix):
    """The raw body of a multi-record update: the example values on the folder's created record."""
    media = resolve(operation["requestBody"], spec)["content"]["application/json"]
    values = example_value(media["schema"]["properties"]["values"], spec)
    raw = json.dumps({"ids": BULK_IDS_MARKER, "values": values}, indent=2)
    return raw.replace(f'"{BULK_IDS_MARKER}"', f"[{{{{{prefix}_created_id}}}}]")


def _prerequest_events(action, path, prefix, spec):
    if action in RECORD_ACTIONS:
        return [_skip_without_id_event()]
    if action in BULK_WRITE_ACTIONS:
        return [_skip_without_event(f"{prefix}_created_id")]
    if action == "bulk_delete":
        return [_create_first_event(path, prefix, spec)]
    return []


def _query(parameters, action=None, prefix=None):
    """The query of a request: each parameter offered but off (``limit`` on), with its example;
    the multi-record delete's ``ids`` on, the record its prerequest created."""
    if action == "bulk_delete":
        return [
            {
                "key": "ids",
                "value": f"{{{{{prefix}_bulk_ids}}}}",
                "description": parameter.get("description", ""),
                "disabled": False,
            }
            for parameter in parameters
            if parameter["name"] == "ids"
        ]
    query = []
    for parameter in parameters:
        # the database goes in its header (the ``database`` variable), not in every URL
        if parameter["in"] != "query" or parameter["name"] == DATABASE_PARAM:
            continue
        query.append(
            {
                "key": parameter["name"],
                "value": str(parameter.get("example", "")),
                "description": parameter.get("description", ""),
                "disabled": parameter["name"] != "limit",
            }
        )
    return query


def login_token_required(requirements):
    """Whether every alternative of these OpenAPI security ``requirements`` needs a login token."""
    return bool(requirements) and all(
        "LoginToken" in requirement or {"ApiKey", "Bearer"} <= set(requirement) for requirement in requirements
    )


def _headers(operation, spec):
    headers = [
        {"key": "Accept", "value": "application/json"},
        {
            "key": DATABASE_HEADER,
            "value": "{{database}}",
            "description": "The database, on a server hosting several (the `database` variable; empty: ignored).",
        },
    ]
    if operation.get("x-odoo-action") != "generate_token":
        required = login_token_required(operation.get("security", spec.get("security")))
        headers.append(
            {
                "key": "Login-Token",
                "value": "{{login_token}}",
                "description": 'Required by this API key: run "Generate a login token" first, or set the '
                "`login_token` variable."
                if required
                else "Optional: a login token issued under this API key (runs the request as its user).",
            }
        )
    # the optional request headers of the operation (Idempotency-Key, If-Match, X-Odoo-Company...): off, to switch on
    for parameter in (resolve(parameter, spec) for parameter in operation.get("parameters") or ()):
        if parameter["in"] == "header" and parameter["name"] != DATABASE_HEADER:
            value = "{{$guid}}" if parameter["name"] == IDEMPOTENCY_HEADER else str(parameter.get("example", ""))
            headers.append(
                {"key": parameter["name"], "value": value, "description": parameter["description"], "disabled": True}
            )
    return headers


def _request_item(path, method, operation, spec):
    action = operation.get("x-odoo-action")
    model = operation.get("x-odoo-model")
    prefix = _variable_prefix(model, action)
    parameters = [resolve(parameter, spec) for parameter in operation.get("parameters") or ()]
    segments = [segment for segment in path.split("/") if segment]
    url_variables = []
    for index, segment in enumerate(segments):
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1]
            segments[index] = f":{name}"
            if name == "id":
                source = f"{prefix}_created_id" if action in MUTATING_ACTIONS else f"{prefix}_id"
                value = f"{{{{{source}}}}}"
            elif name in PATH_EXAMPLES:  # a file's field, a report: the document's example
                value = str(next((p.get("example", "") for p in parameters if p.get("name") == name), ""))
            else:
                value = f"{{{{{name}}}}}"
            url_variables.append({"key": name, "value": value})
    query = _query(parameters, action, prefix)
    raw = "{{base_url}}/" + "/".join(segments)
    if any(not item["disabled"] for item in query):
        raw += "?" + "&".join(f"{item['key']}={item['value']}" for item in query if not item["disabled"])
    url = {"raw": raw, "host": ["{{base_url}}"], "path": segments}
    if query:
        url["query"] = query
    if url_variables:
        url["variable"] = url_variables

    request = {
        "method": method.upper(),
        "header": _headers(operation, spec),
        "url": url,
        "description": operation.get("description"),
    }
    body = operation.get("requestBody")
    content = resolve(body, spec)["content"] if body else {}
    if MULTIPART in content:  # attachments: pick the files in Postman
        request["body"] = {"mode": "formdata", "formdata": [{"key": "file", "type": "file", "src": []}]}
    elif OCTET_STREAM in content:  # a raw file upload: pick it in Postman
        request["header"].append({"key": "Content-Type", "value": OCTET_STREAM})
        request["body"] = {"mode": "file", "file": {"src": ""}}
    elif body:
        media = content["application/json"]
        example = media["example"] if "example" in media else example_value(media["schema"], spec)
        request["header"].append({"key": "Content-Type", "value": "application/json"})
        request["body"] = {
            "mode": "raw",
            "raw": _bulk_body(operation, spec, prefix)
            if action in BULK_WRITE_ACTIONS
            else json.dumps(example, indent=2),
            "options": {"raw": {"language": "json"}},
        }
    status = next(code for code in operation["responses"] if code.startswith("2"))
    events = [*_prerequest_events(action, path, prefix, spec), _test_event(status, action, prefix)]
    return {"name": operation.get("summary") or operation.get("operationId"), "request": request, "event": events}


def _operations(spec):
    for path, path_item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in path_item:
                yield path, method, path_item[method]


def build_postman(spec, name=None, database=""):
    """The Postman Collection v2.1 (a dict, ready for JSON) of OpenAPI document ``spec``.

    ``database``: the default of the ``database`` variable (sent in ``X-Odoo-Database``).
    """
    tags = [tag["name"] for tag in spec.get("tags", [])]
    descriptions = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    folders = {tag: [] for tag in tags}
    for path, method, operation in _operations(spec):
        tag = (operation.get("tags") or ["Other"])[0]
        folders.setdefault(tag, []).append((path, method, operation))

    variables = [
        {"key": "base_url", "value": spec["servers"][0]["url"], "type": "string"},
        {"key": "api_key", "value": "", "type": "string"},
        {"key": "login_token", "value": "", "type": "string"},
        {"key": "database", "value": database, "type": "string"},
    ]
    prefixes = []
    items = []
    for tag, operations in folders.items():
        if not operations:
            continue
        operations.sort(key=lambda entry: ACTION_ORDER.index(entry[2].get("x-odoo-action", "search")))
        items.append(
            {
                "name": tag,
                "description": descriptions.get(tag, ""),
                "item": [_request_item(path, method, operation, spec) for path, method, operation in operations],
            }
        )
        for _path, _method, operation in operations:
            action = operation.get("x-odoo-action")
            prefix = _variable_prefix(operation.get("x-odoo-model"), action)
            if action in RECORD_ACTIONS | set(CREATE_ACTIONS) and prefix not in prefixes:
                prefixes.append(prefix)
    if any("{model}" in path for path in spec.get("paths", {})):
        variables.append({"key": "model", "value": GENERIC_MODEL_EXAMPLE, "type": "string"})
    for prefix in prefixes:
        variables += [
            {"key": f"{prefix}_id", "value": "", "type": "string"},
            {"key": f"{prefix}_created_id", "value": "", "type": "string"},
        ]

    info = spec.get("info", {})
    return {
        "info": {
            "name": name or info.get("title", "API"),
            "description": info.get("description", ""),
            "version": info.get("version", ""),
            "schema": SCHEMA_URL,
        },
        "auth": {
            "type": "apikey",
            "apikey": [
                {"key": "key", "value": "api-key", "type": "string"},
                {"key": "value", "value": "{{api_key}}", "type": "string"},
                {"key": "in", "value": "header", "type": "string"},
            ],
        },
        "variable": variables,
        "item": items,
    }
