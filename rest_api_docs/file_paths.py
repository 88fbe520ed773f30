"""The generic paths of files and reports (``/api/{model}/{id}/{field}``, attachments, reports).

Their bodies are bytes, not JSON: binary responses (the file's own type, ``application/pdf``),
a raw upload body and a multipart/form-data one. Documented on the generic ``{model}`` paths.
"""

from odoo.addons.rest_api_core.endpoints import BY_ACTION
from odoo.addons.rest_api_core.files import ATTACHMENT_LISTING

from .components import JSON, SUCCESS_HEADERS, header_refs, parameter_refs

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
IDS = _query_parameter(
    "ids", "More records to print in the same file: `2,3`.", {"type": "string", "pattern": r"^\d+(,\d+)*$"}
)
FORMAT = _query_parameter("format", "`pdf` (default) or `html`.", {"type": "string", "enum": ["pdf", "html"]})
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


def _response(description, content, extra_headers=None):
    return {
        "description": description,
        "headers": {**header_refs(*SUCCESS_HEADERS), **(extra_headers or {})},
        "content": content,
    }


def file_paths(operation, model_params):
    """The files and reports paths; ``operation(action, **kwargs)`` builds one (see ``paths.model_paths``)."""
    record = (*model_params, *parameter_refs("id"))
    field_item = {
        "get": operation(
            "download",
            summary="Download a file",
            description="The raw bytes of a binary field, streamed: its own `Content-Type`, `Content-Length`, "
            "`ETag` (304 on `If-None-Match`) and, for files in the filestore, `Range` (206).",
            responses={
                "200": _response(
                    "The file (206 with the part asked for in `Range`; 304 when `If-None-Match` has its `ETag`).",
                    {"*/*": {"schema": BINARY}},
                    FILE_HEADERS,
                ),
            },
            parameters=(*record, FIELD, SIZE),
        ),
        "put": operation(
            "upload",
            summary="Upload a file",
            description="Writes the raw body (any content type) into a binary field; an empty body clears it. "
            "Bounded by Odoo's `web.max_file_upload_size` (413 above).",
            responses={"200": _response("Stored.", {JSON: {"schema": STORED}})},
            parameters=(*record, FIELD),
            body={"required": True, "content": {OCTET_STREAM: {"schema": BINARY}}},
        ),
    }
    attachments_item = {
        "get": operation(
            "attachments",
            summary="List attachments",
            description="The record's attachments, paginated with `limit`/`offset`; the key needs read on "
            "`ir.attachment` too. Download one with `GET /api/ir.attachment/{id}/datas`.",
            responses={
                "200": _response("The attachments.", {JSON: {"schema": {"type": "array", "items": ATTACHMENT}}})
            },
            parameters=(*record, *parameter_refs("limit", "offset")),
        ),
        "post": operation(
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
        ),
    }
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
        parameters=(*record, REPORT, IDS, FORMAT),
    )
    return {
        "/api/{model}/{id}/{field}": field_item,
        "/api/{model}/{id}/attachments": attachments_item,
        "/api/{model}/reports": {"get": reports},
        "/api/{model}/{id}/report/{report}": {"get": report},
    }
