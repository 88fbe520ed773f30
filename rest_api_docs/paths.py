"""The paths of the OpenAPI document: one set per model, the generic ones, the token endpoint."""

from odoo.addons.rest_api_core.endpoints import BY_ACTION, ENDPOINTS, bulk_write_body_schema, execute_kw_body_schema
from odoo.addons.rest_api_core.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from odoo.addons.rest_api_core.model_schemas import create_schema_name, record_schema_name, values_schema_name
from odoo.addons.rest_api_core.settings import MAX_BATCH

from .components import (
    ACTION_ERRORS,
    ERRORS,
    JSON,
    KEY_ONLY_SECURITY,
    OPERATIONS,
    OTHER_ERRORS,
    SUCCESS_HEADERS,
    header_refs,
    parameter_refs,
)
from .file_paths import file_paths
from .model_schemas import schema_ref
from .request_headers import header_parameter_refs, header_responses
from .tags import documentation_order


def _responses(status, description, schema=None, headers=SUCCESS_HEADERS):
    success = {"description": description, "headers": header_refs(*headers)}
    if schema is not None:
        success["content"] = {JSON: {"schema": schema}}
    return {status: success}


def _error_refs(action):
    refs = {status: {"$ref": f"#/components/responses/{ERRORS[status][0]}"} for status in ACTION_ERRORS[action]}
    return {**refs, "default": {"$ref": f"#/components/responses/{OTHER_ERRORS[0]}"}}


def _json_body(schema, example=None, required=True):
    media = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"required": required, "content": {JSON: media}}


def _execute_body(methods):
    schema = execute_kw_body_schema(methods)
    if methods:
        example = {"method": methods[0], "args": [], "kwargs": {}}
    else:
        example = {"method": "search_read", "args": [[]], "kwargs": {"fields": ["id", "display_name"], "limit": 5}}
    return _json_body(schema, example)


def _operation(model, action, tag, *, summary, description, responses, parameters=(), body=None, security=None):
    endpoint = BY_ACTION[action]
    operation = {
        "tags": [tag],
        "summary": summary,
        "description": description,
        "operationId": f"{model}.{action}" if model else action,
        "x-odoo-model": model,
        "x-odoo-action": action,
        "responses": {**header_responses(endpoint, responses), **_error_refs(action)},
        # every operation may name its database (several databases on one server)
        "parameters": [*parameters, *header_parameter_refs(endpoint), *parameter_refs("database", "db")],
    }
    if body is not None:
        operation["requestBody"] = body
    if security is not None:
        operation["security"] = security
    return operation


def model_paths(model, tag, operations, methods=(), *, feed=True, files=None):
    """The paths of one model (``model=None``: the generic ``{model}`` paths); ``feed``: whether
    the model has a change feed (it keeps write dates); ``files``: its files and reports
    (a ``file_paths.FileDoc``; None: none for a model)."""
    label = f"`{model}`" if model else "the model"

    def path_of(action):  # the registry's path, with the model's name in it
        return BY_ACTION[action].path.replace("{model}", model) if model else BY_ACTION[action].path

    model_params = () if model else tuple(parameter_refs("model"))
    record = {"$ref": schema_ref(record_schema_name(model) if model else "Record")}
    values = {"$ref": schema_ref(values_schema_name(model) if model else "Values")}
    create = {"$ref": schema_ref(create_schema_name(model) if model else "Values")}

    def operation(action, **kwargs):
        return _operation(model, action, tag, **kwargs)

    paths = {}
    if "read" in operations:
        paths[path_of("search")] = {
            "get": operation(
                "search",
                summary="Search records",
                description=f"Records of {label} matching `domain`, in `order`, a page of `limit` at a time: "
                'follow `Link: rel="next"` (a `cursor`, or an `offset`) for the next page.',
                responses=_responses(
                    "200", "The matching records.", {"type": "array", "items": record}, (*SUCCESS_HEADERS, "Link")
                ),
                parameters=(
                    *model_params,
                    *parameter_refs("domain", "fields", "limit", "offset", "cursor", "order"),
                ),
            )
        }
        paths[path_of("record_count")] = {
            "get": operation(
                "record_count",
                summary="Count records",
                description=f"Number of records of {label} matching `domain`.",
                responses=_responses("200", "The count.", {"$ref": schema_ref("RecordCount")}),
                parameters=(*model_params, *parameter_refs("domain")),
            )
        }
        paths[path_of("schema")] = {
            "get": operation(
                "schema",
                summary="Describe the fields",
                description=f"`fields_get()` of {label}: the fields the user may read, with their types and labels.",
                responses=_responses("200", "The fields.", {"$ref": schema_ref("FieldsDescription")}),
                parameters=model_params,
            )
        }
        if feed:
            paths[path_of("changes")] = {"get": operation("changes", **_changes_operation(label, model_params))}
    if "create" in operations:
        paths[path_of("create")] = {
            "post": operation(
                "create",
                summary="Create a record (or many)",
                description=f"Creates one record of {label} from the values in the body; or, from an array of "
                "values, one record per element in one `create` (all or nothing: a problem names the element, "
                f"`[3].email`), at most `rest_api.max_batch` ({MAX_BATCH} by default, 413 above). `Location` is sent "
                "for one record.",
                responses=_responses(
                    str(BY_ACTION["create"].status),
                    "Created: `id` for one record, `ids` (in the array's order) for an array.",
                    {"oneOf": [{"$ref": schema_ref("Created")}, {"$ref": schema_ref("CreatedMany")}]},
                    (*SUCCESS_HEADERS, "Location"),
                ),
                parameters=model_params,
                body=_json_body({"oneOf": [create, {"type": "array", "items": create, "minItems": 1}]}),
            )
        }
    record_path = {}
    if "read" in operations:
        record_path["get"] = operation(
            "read",
            summary="Read a record",
            description=f"One record of {label}, with the fields asked for in `fields`.",
            responses=_responses("200", "The record.", record),
            parameters=(*model_params, *parameter_refs("id", "fields")),
        )
    if "write" in operations:
        for verb, action in (("put", "update"), ("patch", "patch")):
            record_path[verb] = operation(
                action,
                summary=f"Update a record ({verb.upper()})",
                description="Writes the values in the body on the record; fields not sent are left unchanged "
                "(PUT and PATCH are the same).",
                responses=_responses("200", "Updated.", {"$ref": schema_ref("Updated")}),
                parameters=(*model_params, *parameter_refs("id")),
                body=_json_body({"allOf": [values], "minProperties": 1}),
            )
    if "unlink" in operations:
        record_path["delete"] = operation(
            "delete",
            summary="Delete a record",
            description="Deletes the record.",
            responses=_responses("200", "Deleted.", {"$ref": schema_ref("Deleted")}),
            parameters=(*model_params, *parameter_refs("id")),
        )
    if record_path:
        paths[path_of("read")] = record_path
    many = _many_records_paths(
        path_of("bulk_update"), operation, label=label, model_params=model_params, values=values, operations=operations
    )
    paths.update(many)
    if "execute" in operations:
        allowed = f" This key may call: {', '.join(f'`{m}`' for m in methods)}." if methods else ""
        paths[path_of("execute_kw")] = {
            "post": operation(
                "execute_kw",
                summary="Call a method",
                description=f"Calls a public method of {label}, like Odoo's `execute_kw`: `args` and "
                "`kwargs` are passed to it; recordsets in the result come back as id lists. Private methods are "
                "refused." + allowed,
                responses=_responses("200", "The method's result.", {}),
                parameters=model_params,
                body=_execute_body(methods),
            )
        }
    if model is None or files is not None:  # files and reports (see file_paths)
        for path, item in file_paths(operation, model_params, path_of, files).items():
            allowed = {verb: op for verb, op in item.items() if ACTION_OPERATIONS[op["x-odoo-action"]] in operations}
            if allowed:
                paths[path] = allowed
    return paths


def _many_records_paths(path, operation, *, label, model_params, values, operations):
    """``{path: item}`` of ``PUT|PATCH|DELETE /api/<model>`` (many records at once, all or
    nothing), as far as ``operations`` allow them; ``{}`` when they allow none."""
    item = {}
    if "write" in operations:
        for verb, action in (("put", "bulk_update"), ("patch", "bulk_patch")):
            item[verb] = operation(
                action,
                summary=f"Update many records ({verb.upper()})",
                description=f"Writes the same `values` on every record of {label} in `ids`, in one `write`: all or "
                "nothing. Ids that do not exist are a 404 naming them (`missing_ids`), and nothing is written. At "
                f"most `rest_api.max_batch` ids ({MAX_BATCH} by default, 413 above).",
                responses=_responses("200", "Updated.", {"$ref": schema_ref("UpdatedMany")}),
                parameters=model_params,
                body=_json_body(bulk_write_body_schema({"allOf": [values], "minProperties": 1})),
            )
    if "unlink" in operations:
        item["delete"] = operation(
            "bulk_delete",
            summary="Delete many records",
            description=f"Deletes every record of {label} in `ids`, in one `unlink`: all or nothing. Ids that do "
            "not exist are a 404 naming them (`missing_ids`), and nothing is deleted.",
            responses=_responses("200", "Deleted.", {"$ref": schema_ref("DeletedMany")}),
            parameters=(*model_params, *parameter_refs("ids")),
        )
    return {path: item} if item else {}


def batch_example(model="res.partner", operations=frozenset({"create", "unlink", "execute"}), methods=()):
    """A batch that leaves nothing behind: create a record of ``model``, read it (``execute``), delete it
    (``unlink``), as far as ``operations`` and ``methods`` (the key's on ``model``) allow."""
    example = [{"op": "create", "model": model, "values": {"name": "Batch example"}}]
    if "execute" in operations and (not methods or "read" in methods):
        example.append(
            {"op": "execute_kw", "model": model, "method": "read", "args": [[{"$result": 0}], ["display_name"]]}
        )
    if "unlink" in operations:
        example.append({"op": "delete", "model": model, "id": {"$result": 0}})
    return {"operations": example}


def batch_paths(tag, example=None):
    """``POST /api/batch``: any key may send one; each operation is authorized as its own endpoint."""
    return {
        BY_ACTION["batch"].path: {
            "post": _operation(
                None,
                "batch",
                tag,
                summary="Run operations in one transaction",
                description="Runs `create`, `update`, `delete` and `execute_kw` operations, on any models, in "
                'order and in one transaction. `{"$result": <index>}` stands for the result of an earlier '
                "operation (the id it created, else its ids, else the method's result) wherever a value goes. "
                "Each operation is checked and authorized exactly as its own endpoint (the key's scope, Odoo's "
                "access rights) and counts as one request of the key's rate limit. The first failure rolls "
                "everything back and answers its problem, with the operation's index in `operation`. At most "
                f"`rest_api.max_batch` operations ({MAX_BATCH} by default, 413 above).",
                responses=_responses(
                    "200", "One result per operation, in order.", {"$ref": schema_ref("BatchResults")}
                ),
                body=_json_body({"$ref": schema_ref("BatchRequest")}, example or batch_example()),
            )
        }
    }


def _changes_operation(label, model_params):
    return {
        "summary": "Changes since a token",
        "description": f"Records of {label} created or updated since `since` (matching `domain`), and, for a "
        "model with change tracking on, the ids deleted since then; `next` is the token of the next call. No "
        "change is missed: changes of transactions still running when a page is served appear on a later "
        "page. Records the user may not read are left out.",
        "responses": _responses("200", "A page of changes.", {"$ref": schema_ref("Changes")}),
        "parameters": (*model_params, *parameter_refs("since", "domain", "fields", "limit")),
    }


# x-odoo-action of an operation -> the key operation it needs
ACTION_OPERATIONS = {endpoint.action: endpoint.operation for endpoint in ENDPOINTS}


def compact_paths(models):
    """The generic paths, each operation's ``model`` parameter listing the models it may be used on."""
    paths = {}
    for path, item in model_paths(None, "Records", set(OPERATIONS)).items():
        for method, operation in item.items():
            operation_needed = ACTION_OPERATIONS[operation["x-odoo-action"]]
            names = documentation_order(doc.model for doc in models if operation_needed in doc.operations)
            if names:
                operation["parameters"] = [_model_enum_parameter(names), *operation["parameters"][1:]]
                paths.setdefault(path, {})[method] = operation
    return paths


def _model_enum_parameter(names):
    return {
        "name": "model",
        "in": "path",
        "required": True,
        "description": "Technical name of a model this API key may use for this operation.",
        "schema": {"type": "string", "enum": names},
        "example": "res.partner" if "res.partner" in names else names[0],
    }


def token_paths(tag):
    return {
        BY_ACTION["generate_token"].path: {
            "post": _operation(
                None,
                "generate_token",
                tag,
                summary="Generate a login token",
                description="Issues a JWT login token for a user, with an API key allowed to generate tokens. "
                "Send it in `Login-Token` with the same key: requests then run as that user.",
                responses=_responses("200", "The token.", {"$ref": schema_ref("Token")}),
                body=_json_body({"$ref": schema_ref("TokenRequest")}, {"expiration_days": 10}, required=False),
                security=KEY_ONLY_SECURITY,
            )
        }
    }


def metrics_paths(tag):
    """``GET /api/metrics``: only in the document of a key that may read it (scope ``all``, a REST
    API manager's), the figures spanning every key."""
    endpoint = BY_ACTION["metrics"]
    media_type = METRICS_CONTENT_TYPE.split(";")[0]
    return {
        endpoint.path: {
            endpoint.method.lower(): _operation(
                None,
                endpoint.action,
                tag,
                summary="Request metrics",
                description="The request counters of every worker and host, in the Prometheus text exposition "
                f"format (`{METRICS_CONTENT_TYPE}`), for monitoring. Needs an API key with the *Read Metrics* "
                "permission, which a REST API manager sets (403 for any other key), or nothing from the server's "
                "loopback address when `rest_api.metrics_loopback` is set. Labels carry route templates, methods "
                "and statuses only.",
                responses={
                    "200": {
                        "description": "The counters.",
                        "headers": header_refs("X-Request-ID"),
                        "content": {media_type: {"schema": {"type": "string"}}},
                    }
                },
            )
        }
    }
