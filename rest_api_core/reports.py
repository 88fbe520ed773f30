"""Reports (``ir.actions.report``) of a model: which ones a user may print, and printing them.

Report actions are metadata, read as Odoo's own report routes and print menu read them
(as superuser; only internal administrators may read ``ir.actions.report`` itself), and
offered to the users in their ``groups_id``. The records are another matter: they must
exist and be readable by the effective user (ACLs and record rules) before anything is
rendered, and the rendering itself runs as that user.
"""

import time

from odoo.tools.safe_eval import safe_eval

from odoo.addons.rest_api_auth.exceptions import BadRequest, NotFound, PermissionDenied, ServiceUnavailable

from .query import InvalidInput
from .serialization import MAX_ID

REPORT_MODEL = "ir.actions.report"
# ?format= -> the renderer of ir.actions.report (the first is the default)
FORMATS = {"pdf": "_render_qweb_pdf", "html": "_render_qweb_html"}
# what a renderer says it produced -> Content-Type
CONTENT_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def _printable(env, reports):
    """The reports ``env.user`` may print: those without groups, or sharing one with the user."""
    groups = env.user.groups_id
    return reports.filtered(lambda report: not report.groups_id or report.groups_id & groups)


def model_reports(env, model):
    """The reports of ``model`` the user may print, as the listing shows them."""
    reports = _printable(env, env[REPORT_MODEL].sudo().search([("model", "=", model)], order="name, id"))
    xml_ids = reports.get_external_id()
    return [
        {
            "id": report.id,
            "name": report.name,
            "xml_id": xml_ids.get(report.id) or None,
            "report_name": report.report_name,
            "report_type": report.report_type,
            "print_report_name": report.print_report_name or None,
        }
        for report in reports
    ]


def report_references(env, models):
    """``{model: [reference]}``: the reports of ``models`` the user may print, each by its xml id
    (else its report name), as ``find_report`` takes them."""
    reports = _printable(env, env[REPORT_MODEL].sudo().search([("model", "in", list(models))], order="name, id"))
    xml_ids = reports.get_external_id()
    references = {}
    for report in reports:
        references.setdefault(report.model, {})[xml_ids.get(report.id) or report.report_name] = None
    return {model: list(names) for model, names in references.items()}


def find_report(env, model, reference):
    """The report named by ``reference`` (its ``report_name`` or its xml id) for ``model``.

    404 when there is none, 400 when it prints another model, 403 when the user's groups may not print it.
    """
    report = env[REPORT_MODEL].sudo().search([("report_name", "=", reference)], limit=1)
    if not report and "." in reference:
        found = env.ref(reference, raise_if_not_found=False)
        if found is not None and found._name == REPORT_MODEL:
            report = found.sudo()
    if not report:
        raise NotFound(f"Unknown report {reference!r}: see GET /api/{model}/reports.")
    if report.model != model:
        raise BadRequest(f"Report {reference!r} prints {report.model} records, not {model} ones.")
    if not _printable(env, report):
        raise PermissionDenied(f"You may not print report {reference!r}.")
    return report


def parse_ids(record_id, text, maximum):
    """The record ids to print: the path's, then those of ``?ids=1,2,3`` (at most ``maximum`` in all)."""
    if record_id > MAX_ID:
        raise NotFound(f"Record {record_id} does not exist.")
    ids = [record_id]
    if text:
        for part in map(str.strip, text.split(",")):
            if not part.isdigit() or not 0 < int(part) <= MAX_ID:
                raise InvalidInput(("ids", f"{part!r} is not a record id; send ids=1,2,3"))
            ids.append(int(part))
    ids = list(dict.fromkeys(ids))
    if len(ids) > maximum:
        raise InvalidInput(("ids", f"names {len(ids)} records; at most {maximum} may be printed at once"))
    return ids


def parse_format(text):
    if text is None:
        return next(iter(FORMATS))
    if text not in FORMATS:
        raise InvalidInput(("format", f"must be one of {', '.join(FORMATS)}"))
    return text


def readable_records(env, model, ids):
    """The records ``ids`` of ``model``: 404 when one does not exist, 403 when one may not be read."""
    records = env[model].browse(ids)
    missing = set(ids) - set(records.exists().ids)
    if missing:
        raise NotFound(f"{model} record {min(missing)} does not exist.")
    records.check_access("read")
    return records


def render(env, report, records, output):
    """``(bytes, Content-Type)`` of ``report`` printed for ``records``, as the effective user."""
    if output == "pdf" and env[REPORT_MODEL].get_wkhtmltopdf_state() == "install":
        raise ServiceUnavailable("This server cannot print PDF files (no wkhtmltopdf); ask for format=html.")
    content, kind = getattr(env[REPORT_MODEL], FORMATS[output])(report.id, records.ids)
    return content, CONTENT_TYPES.get(kind, "application/octet-stream")


def file_name(report, records, content_type):
    """The report's ``print_report_name`` for one record (as Odoo's own downloads), else its name."""
    name = report.name
    if report.print_report_name and len(records) == 1:
        name = safe_eval(report.print_report_name, {"object": records, "time": time}) or name
    extension = "pdf" if content_type == CONTENT_TYPES["pdf"] else "html"
    return f"{name}.{extension}"
