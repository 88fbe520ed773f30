"""Raw files: ``GET``/``PUT /api/<model>/<id>/<binary field>`` and a record's attachments.

Bytes travel as themselves, not base64 in JSON: downloads are Odoo's own ``ir.binary``
streams (``/web/content``'s), uploads a raw body or a multipart/form-data one, bounded
by Odoo's ``web.max_file_upload_size``. Each call authenticates first and runs as the
effective user (see ``files``).
"""

from odoo import http
from odoo.http import request

from odoo.addons.rest_api_auth.exceptions import BadRequest, NotFound

from .. import endpoints, files, query, settings
from ..dispatch import authenticate_request, orm_values
from ..errors import ContentTooLarge, UnsupportedMediaType
from ..reach import check_reach
from ..responses import json_response
from ..routes import api_route
from .api import _model, _record


def _upload_limit(_controller):
    """As ``routes._body_limit``, for files: werkzeug reads a chunked body no further than this."""
    return (settings.max_upload_size(request.env) if request.db else settings.MAX_UPLOAD_SIZE) + 1


class RestApiFiles(http.Controller):
    @api_route("download")
    def download(self, model, record_id, field_name, size=None, **_params):
        """The field's bytes, streamed by ``ir.binary`` (ETag/304, Range/206, file name)."""
        authenticate_request(model=model)
        records = _model(model)
        name = files.binary_field(records, field_name, size)
        binary = request.env["ir.binary"]
        record = binary._find_record(res_model=model, res_id=_record(records, record_id).id)
        files.check_attachment_read(record)
        if not files.has_content(record, name):
            raise NotFound(f"{model} record {record_id} holds no file in {name}.")
        stream = binary._get_stream_from(record, name, filename_field=files.filename_field(record, name) or "name")
        if stream.type == "url":
            raise NotFound(f"{model} record {record_id} holds no file: it links to a URL (its url field).")
        return stream.get_response(as_attachment=True)

    @api_route("upload", max_content_length=_upload_limit)
    def upload(self, model, record_id, field_name, **_params):
        """Write the raw body (any content type) into the field; an empty body clears it."""
        authenticate_request(model=model)
        records = _model(model)
        name = files.binary_field(records, field_name)
        field = records._fields[name]
        if field.compute and not field.inverse:
            raise BadRequest(f"{model}.{name} is computed from other fields: it cannot be written.")
        record = _record(records, record_id)
        data = files.read_upload(request.httprequest, settings.max_upload_size(request.env))
        with orm_values():
            record.write(files.write_values(record, name, data))
            request.env.flush_all()
        endpoint = endpoints.BY_ACTION["upload"]
        return json_response({"message": endpoint.message, "size": len(data), "checksum": files.checksum(data)})

    @api_route("attachments")
    def attachments(self, model, record_id, **params):
        """The record's attachments (not those of its binary fields), a page at a time."""
        auth = authenticate_request(model=model)
        check_reach(auth.scope, {(files.ATTACHMENT_MODEL, "read"): "attachments"}, "listing the")
        record = _record(_model(model), record_id)
        record.check_access("read")
        default_limit, max_limit = settings.page_limits(request.env)
        limit = query.parse_limit(params.get("limit"), default_limit, max_limit)
        offset = query.parse_offset(params.get("offset"))
        domain = [("res_model", "=", model), ("res_id", "=", record.id)]
        rows = request.env[files.ATTACHMENT_MODEL].search_read(
            domain, list(files.ATTACHMENT_LISTING), offset=offset, limit=limit + 1, order="id"
        )
        headers = {}
        if len(rows) > limit:
            del rows[limit:]
            args = request.httprequest.args.items(multi=True)
            headers["Link"] = query.next_page_link(request.httprequest.path, args, offset, limit)
        return json_response([files.attachment_entry(row) for row in rows], headers=headers)

    @api_route("attach", max_content_length=_upload_limit)
    def attach(self, model, record_id, **_params):
        """Attach the files of a multipart/form-data body to the record (write access on it)."""
        auth = authenticate_request(model=model)
        check_reach(auth.scope, {(files.ATTACHMENT_MODEL, "create"): "attachments"}, "uploading the")
        record = _record(_model(model), record_id)
        httprequest = request.httprequest
        if httprequest.mimetype != "multipart/form-data":
            raise UnsupportedMediaType(
                f"Send the files as multipart/form-data, not {httprequest.mimetype or 'a body without a type'}."
            )
        limit = settings.max_upload_size(request.env)
        if (httprequest.content_length or 0) > limit:
            raise ContentTooLarge(limit)
        record.check_access("write")
        uploads = files.uploaded_files(httprequest)
        if not uploads:
            raise BadRequest("The body holds no file: send each one as a form part with a file name.")
        values = [
            {"name": name, "raw": data, "res_model": model, "res_id": record.id, **({"mimetype": kind} if kind else {})}
            for name, kind, data in uploads
        ]
        with orm_values():
            created = request.env[files.ATTACHMENT_MODEL].create(values)
            request.env.flush_all()
        endpoint = endpoints.BY_ACTION["attach"]
        return json_response({"ids": created.ids, "message": endpoint.message}, status=endpoint.status)
