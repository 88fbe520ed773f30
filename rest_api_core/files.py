"""Binary fields and attachments as raw bytes: which field, which stream, what a body may be.

Streams come from Odoo's own ``ir.binary`` (the helper of ``/web/content``): it checks
the record's read access and the field's groups, streams filestore files from disk,
and its ``Stream.get_response`` answers ``ETag``/``If-None-Match`` (304) and ``Range``
(206). Everything runs as the effective user; nothing the client names is read as superuser.
"""

import base64
import hashlib
import logging

import werkzeug.exceptions

from odoo import fields

from odoo.addons.rest_api_auth.exceptions import BadRequest, NotFound

from .errors import ContentTooLarge, UnsupportedMediaType

_logger = logging.getLogger(__name__)

ATTACHMENT_MODEL = "ir.attachment"
# ir.attachment's own binary fields: ir.binary streams the attachment itself for them
ATTACHMENT_FIELDS = ("raw", "datas", "db_datas")
# what the attachment listing returns: ir.attachment field -> member of each entry
ATTACHMENT_LISTING = {
    "id": "id",
    "name": "name",
    "mimetype": "mimetype",
    "file_size": "size",
    "checksum": "checksum",
    "create_date": "create_date",
}


def binary_field(model, name, size=None):
    """The name of the binary field to serve for ``name`` (``size``: the ``image_<size>`` variant).

    404 when the model has no such field, 400 when it is not binary or has no such variant.
    """
    field = model._fields.get(name)
    if field is None:
        raise NotFound(f"{model._name} has no field {name!r}.")
    if field.type != "binary":
        raise BadRequest(f"{model._name}.{name} is a {field.type} field, not a binary one: read it as JSON.")
    if size is None:
        return name
    variants = image_sizes(model)
    if not size.isdigit() or int(size) not in variants or not isinstance(field, fields.Image):
        offered = ", ".join(map(str, variants)) or "none"
        raise BadRequest(f"size={size!r} is not an image size of {model._name}.{name} (sizes: {offered}).")
    return f"image_{int(size)}"


def image_sizes(model):
    """The ``N`` of the model's ``image_N`` image fields, smallest first."""
    sizes = []
    for name, field in model._fields.items():
        prefix, _sep, size = name.partition("_")
        if prefix == "image" and size.isdigit() and isinstance(field, fields.Image):
            sizes.append(int(size))
    return sorted(sizes)


def filename_field(record, name):
    """The record's char field holding ``name``'s file name, if it has one (else ir.binary's default)."""
    if record._name == ATTACHMENT_MODEL:
        return "name"
    for candidate in (f"{name}_filename", f"{name}_name", f"{name}_fname"):
        field = record._fields.get(candidate)
        if field is not None and field.type == "char":
            return candidate
    return None


def check_attachment_read(record):
    """``ir.attachment`` checks reading an attachment in its ``check``, not in its ACLs: the
    record it is attached to must be readable (``ir.binary`` checks it only for portal users)."""
    if record._name == ATTACHMENT_MODEL:
        record.check_access("read")
        record.check("read")


def has_content(record, name):
    """Whether the field holds a file (its size only is read, not its bytes). Some of Odoo's
    computed binary fields hold none: ``ir.actions.act_window.views`` is a list, and
    ``ir.profile.speedscope`` fails on a profile without traces (a 404, never a 500)."""
    if record._name == ATTACHMENT_MODEL and name in ATTACHMENT_FIELDS:
        return bool(record.store_fname or record.db_datas)
    try:
        value = record.with_context(bin_size=True)[name]
    except (TypeError, ValueError) as error:  # what the field's compute raised on this record's data
        _logger.info("%s.%s of record %s cannot be read as a file: %s", record._name, name, record.id, error)
        return False
    return isinstance(value, (bytes, str)) and bool(value)


def write_values(record, name, data):
    """The values writing ``data`` (raw bytes) into the binary field ``name``; empty clears it.

    Binary fields take base64 (``fields.Binary``); an attachment's ``raw`` takes bytes.
    """
    if record._name == ATTACHMENT_MODEL and name in ("raw", "db_datas"):
        return {"raw": data}
    return {name: base64.b64encode(data) if data else False}


def checksum(data):
    """SHA-1 of ``data`` in hex, as ``ir.attachment.checksum``."""
    return hashlib.sha1(data).hexdigest()  # noqa: S324 - Odoo's own checksum, not a secret


# bodies Odoo parses as forms before any controller runs: their bytes are gone by then
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def read_upload(httprequest, limit):
    """The raw request body, at most ``limit`` bytes: 413 unread when its ``Content-Length``
    says more, 413 when a chunked body goes over (the route reads no more than ``limit + 1``).

    415 for a form (curl's ``--data-binary`` sends one unless told otherwise): Odoo has parsed it
    into form fields already, so that writing "the body" would write nothing."""
    if httprequest.mimetype in FORM_TYPES:
        raise UnsupportedMediaType(
            f"Send the file as the body with its own Content-Type (such as image/png or "
            f"application/octet-stream), not as {httprequest.mimetype}; to attach files, POST them to "
            "the record's /attachments."
        )
    length = httprequest.content_length
    if length is not None and length > limit:
        raise ContentTooLarge(limit)
    try:
        data = httprequest.get_data(cache=False)
    except werkzeug.exceptions.RequestEntityTooLarge:
        raise ContentTooLarge(limit) from None
    if len(data) > limit:
        raise ContentTooLarge(limit)
    return data


def uploaded_files(httprequest):
    """The files of a multipart/form-data body: ``[(file name, mimetype or None, bytes)]``."""
    files = []
    for part_name in httprequest.files:
        for storage in httprequest.files.getlist(part_name):
            mimetype = storage.mimetype if storage.mimetype not in ("", "application/octet-stream") else None
            files.append((storage.filename or part_name, mimetype, storage.read()))
    return files


def attachment_entry(values):
    """One entry of the attachment listing, from ``read()`` values."""
    return {member: values[name] for name, member in ATTACHMENT_LISTING.items()}
