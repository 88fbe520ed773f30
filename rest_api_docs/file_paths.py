"""The paths of files and reports (``/api/{model}/{id}/{field}``, attachments, reports).

Their bodies are bytes, not JSON: binary responses (the file's own type, ``application/pdf``),
a raw upload body and a multipart/form-data one. On the generic ``{model}`` paths, and on a
model's own paths for what that model offers (:class:`FileDoc`): its binary fields by name, its
image sizes, its reports. A download is ``application/octet-stream`` first (what code generators
such as openapi-python-client read as bytes; they refuse a lone ``*/*``), then the range of types
the server may send (``image/*`` for image fields, else ``*/*``).
"""

from dataclasses import dataclass

from odoo.addons.rest_api_core.bulk import ID_PATTERN
from odoo.addons.rest_api_core.endpoints import BY_ACTION
from odoo.addons.rest_api_core.files import ATTACHMENT_LISTING
from odoo.addons.rest_api_core.reports import FORMATS

from .components import JSON, SUCCESS_HEADERS, header_refs, parameter_refs

REPORT_FORMATS = list(FORMATS)  # the first is the default

BINARY = {"type": "string", "format": "binary"}
PDF = "application/pdf"
OCTET_STREAM = "application/octet-stream"
MULTIPART = "multipart/form-data"
# a download's headers besides SUCCESS_HEADERS: inline, they exist only here
FILE_HEADERS = {
    "Content-Disposition": {
        "description": "`attachment` with the file name (the record's file name field, the attachment's name).",
        "schema": {"type": "string"},
    },
    "ETag": {
        "description": "The file's checksum: send it in `If-None-Match` to get 304.",
        "schema": {"type": "string"},
    },
}


def _path_parameter(name, description, example):
    parameter = {"name": name, "in": "path", "required": True, "description": description}
    return {**parameter, "schema": {"type": "string"}, "example": example}


def _query_parameter(name, description, schema, example=None):
    parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if example is not None:
        parameter["example"] = example
    return parameter


FIELD = _path_parameter(
    "field", "A binary field of the model (`image_1920`; `raw` or `datas` of `ir.attachment`).", "raw"
)
REPORT = _path_parameter(
    "report", "The report's xml id or report name (see `GET /api/{model}/reports`).", "base.ir_module_reference_print"
)
SIZE = _query_parameter(
    "size", "An image size the model has a field for (`128` serves `image_128`).", {"type": "integer"}, 128
)
# ids from 1 to 999,999,999 (within the server's bound of 2^31 - 1)
IDS = _query_parameter(
    "ids",
    "More records to print in the same file: `2,3` (at most the server's page limit in all).",
    {"type": "string", "pattern": rf"^{ID_PATTERN}(,{ID_PATTERN})*$"},
)
FORMAT = _query_parameter(
    "format", f"`{REPORT_FORMATS[0]}` (default) or `{REPORT_FORMATS[1]}`.", {"type": "string", "enum": REPORT_FORMATS}
)
ATTACHMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "mimetype": {"type": ["string", "null", "boolean"]},
        "size": {"type": "integer"},
        "checksum": {"type": ["string", "null", "boolean"]},
        "create_date": {"type": "string"},
    },
    "required": list(ATTACHMENT_LISTING.values()),
}
REPORT_ENTRY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "xml_id": {"type": ["string", "null"]},
        "report_name": {"type": "string"},
        "report_type": {"type": "string"},
        "print_report_name": {"type": ["string", "null"]},
    },
}
STORED = {
    "type": "object",
    "properties": {
        "message": {"type": "string", "examples": [BY_ACTION["upload"].message]},
        "size": {"type": "integer", "description": "Bytes written."},
        "checksum": {"type": "string", "description": "SHA-1 of the bytes written (hex), as `ir.attachment`'s."},
    },
}
ATTACHED = {
    "type": "object",
    "properties": {
        "ids": {"type": "array", "items": {"type": "integer"}},
        "message": {"type": "string", "examples": [BY_ACTION["attach"].message]},
    },
}


@dataclass(frozen=True)
class FileDoc:
    """The files and reports of one model, as its user sees them (see ``catalog``)."""

    downloads: tuple = ()  # the binary fields the user may read
    uploads: tuple = ()  # the binary fields the user may write
    images: frozenset = frozenset()  # those that are image fields
    sizes: tuple = ()  # the N of the model's image_N fields (?size=)
    reports: tuple = ()  # the reports the user may print: xml id, else report name
    attachments: frozenset = frozenset()  # "read" (listing), "create" (upload): ir.attachment for this key


def _response(description, content, extra_headers=None):
    return {
        "description": description,
        "headers": {**header_refs(*SUCCESS_HEADERS), **(extra_headers or {})},
        "content": content,
    }


def _enum_parameter(parameter, values, example=None):
    """``parameter`` narrowed to ``values`` (a model's fields, sizes or reports)."""
    schema = {**parameter["schema"], "enum": list(values)}
    return {**parameter, "schema": schema, "example": example if example is not None else values[0]}


def _download_example(names):
    """The field a request example downloads: a computed avatar when there is one (it always
    holds an image, a placeholder at worst), else the first."""
    avatars = [name for name in names if name.startswith("avatar_")]
    return min(avatars, key=lambda name: (len(name), name)) if avatars else names[0]


def _download(operation, record, files):
    if files is None:
        others, parameters = "*/*", (FIELD, SIZE)
    else:
        others = "image/*" if set(files.downloads) <= files.images else "*/*"
        parameters = (_enum_parameter(FIELD, files.downloads, _download_example(files.downloads)),)
        if files.images and files.sizes:
            parameters += (_enum_parameter(SIZE, files.sizes),)
    content = {OCTET_STREAM: {"schema": BINARY}, others: {"schema": BINARY}}
    return operation(
        "download",
        summary="Download a file",
        description="The raw bytes of a binary field, streamed: its own `Content-Type`, `Content-Length`, "
        "`ETag` (304 on `If-None-Match`) and, for files in the filestore, `Range` (206). An empty field is a 404.",
        responses={
            "200": _response(
                "The file (206 with the part asked for in `Range`; 304 when `If-None-Match` has its `ETag`).",
                content,
                FILE_HEADERS,
            ),
        },
        parameters=(*record, *parameters),
    )


def _upload(operation, record, files):
    field = FIELD if files is None else _enum_parameter(FIELD, files.uploads)
    return operation(
        "upload",
        summary="Upload a file",
        description="Writes the raw body (any content type) into a binary field; an empty body clears it. "
        "Bounded by Odoo's `web.max_file_upload_size` (413 above).",
        responses={"200": _response("Stored.", {JSON: {"schema": STORED}})},
        parameters=(*record, field),
        body={"required": True, "content": {OCTET_STREAM: {"schema": BINARY}}},
    )


def _attachments_item(operation, record, files):
    item = {}
    if files is None or "read" in files.attachments:
        item["get"] = operation(
            "attachments",
            summary="List attachments",
            description='The record\'s attachments, paginated with `limit`/`offset` (`Link: rel="next"` names '
            "the next page); the key needs read on `ir.attachment` too. Download one with "
            "`GET /api/ir.attachment/{id}/datas`.",
            responses={
                "200": _response(
                    "The attachments.",
                    {JSON: {"schema": {"type": "array", "items": ATTACHMENT}}},
                    header_refs("Link"),
                )
            },
            parameters=(*record, *parameter_refs("limit", "offset")),
        )
    if files is None or "create" in files.attachments:
        item["post"] = operation(
            "attach",
            summary="Attach files",
            description="Attaches each file of a multipart/form-data body to the record; needs write on it and "
            "create on `ir.attachment` in the key's scope.",
            responses={str(BY_ACTION["attach"].status): _response("Created.", {JSON: {"schema": ATTACHED}})},
            parameters=record,
            body={
                "required": True,
                "content": {
                    MULTIPART: {
                        "schema": {
                            "type": "object",
                            "properties": {"file": {"type": "array", "items": BINARY}},
                            "required": ["file"],
                        }
                    }
                },
            },
        )
    return item


def _report_operations(operation, model_params, record, files):
    reports = operation(
        "reports",
        summary="List reports",
        description="The model's reports (`ir.actions.report`) the user may print.",
        responses={"200": _response("The reports.", {JSON: {"schema": {"type": "array", "items": REPORT_ENTRY}}})},
        parameters=model_params,
    )
    report = operation(
        "report",
        summary="Print a report",
        description="The report printed for the record (and those of `ids`) as the user: their access rights "
        "and record rules apply. PDF needs `wkhtmltopdf` on the server.",
        responses={
            "200": _response(
                "The printed file.",
                {PDF: {"schema": BINARY}, "text/html": {"schema": {"type": "string"}}},
                {"Content-Disposition": FILE_HEADERS["Content-Disposition"]},
            )
        },
        parameters=(*record, REPORT if files is None else _enum_parameter(REPORT, files.reports), IDS, FORMAT),
    )
    return reports, report


def file_paths(operation, model_params, path_of, files=None):
    """The files and reports paths; ``operation(action, **kwargs)`` builds one, ``path_of(action)``
    names its path (see ``paths.model_paths``). ``files``: a model's :class:`FileDoc`, for only
    what it offers; None: the generic paths."""
    record = (*model_params, *parameter_refs("id"))
    field_item = {}
    if files is None or files.downloads:
        field_item["get"] = _download(operation, record, files)
    if files is None or files.uploads:
        field_item["put"] = _upload(operation, record, files)
    paths = {path_of("download"): field_item, path_of("attachments"): _attachments_item(operation, record, files)}
    if files is None or files.reports:
        reports, report = _report_operations(operation, model_params, record, files)
        paths[path_of("reports")] = {"get": reports}
        paths[path_of("report")] = {"get": report}
    return {path: item for path, item in paths.items() if item}
