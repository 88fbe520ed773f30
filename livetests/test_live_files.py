"""Files and reports against a real Odoo server process: worker memory while streaming, real PDF files.

The server is Odoo with ``--workers=0`` (one process, threads), so that its RSS is the memory
of what serves the download. The attachment and the key are made by ``odoo shell`` and committed.
"""

import re
import shutil
import subprocess
from contextlib import contextmanager

import pytest
import requests

from tools.odoo_env import OdooRpc, OdooServer, SetupError
from tools.process_stats import RssGrowth

MB = 1024 * 1024
SETUP_SCRIPT = """
import os
partner = env["res.partner"].create({"name": "Live Files Partner"})
big = env["ir.attachment"].create({
    "name": "big.bin", "raw": os.urandom(50 * 1024 * 1024), "res_model": "res.partner", "res_id": partner.id,
})
small = env["ir.attachment"].create({"name": "small.txt", "raw": b"warm up", "res_model": "res.partner",
                                     "res_id": partner.id})
key = env["res.users.apikeys"].with_user(env.ref("base.user_admin")).sudo()._generate(None, "live files", False)
env.cr.commit()
print("SETUP", big.id, small.id, key, big.store_fname)
"""


@pytest.fixture(scope="module")
def files_setup(live_workspace, live_database):
    match = re.search(r"SETUP (\d+) (\d+) ([0-9a-f]{40}) (\S+)", live_workspace.shell(live_database, SETUP_SCRIPT))
    if not match:
        raise SetupError("Could not create the attachments of the live file tests")
    return {"big": int(match[1]), "small": int(match[2]), "key": match[3]}


@pytest.fixture(scope="module")
def threaded_server(live_workspace, live_database):
    with OdooServer(live_workspace, live_database, extra_args=["--workers=0", "--max-cron-threads=0"]) as server:
        yield server


def _drain(response):
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
    return size


def test_streaming_50_mb_keeps_the_worker_memory_flat(threaded_server, files_setup):
    base, headers = threaded_server.base_url, {"api-key": files_setup["key"]}
    warm = requests.get(f"{base}/api/ir.attachment/{files_setup['small']}/raw", headers=headers, timeout=30)
    assert warm.content == b"warm up"
    with (
        RssGrowth([threaded_server.process.pid], interval=0.01) as streamed,
        requests.get(
            f"{base}/api/ir.attachment/{files_setup['big']}/raw", headers=headers, stream=True, timeout=120
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["Content-Length"] == str(50 * MB)
        assert _drain(response) == 50 * MB
    # the same bytes as base64 in JSON: the measurement does see memory that grows
    with (
        RssGrowth([threaded_server.process.pid], interval=0.01) as as_json,
        requests.get(
            f"{base}/api/ir.attachment/{files_setup['big']}",
            params={"fields": '["datas"]'},
            headers=headers,
            stream=True,
            timeout=120,
        ) as response,
    ):
        assert response.status_code == 200
        _drain(response)
    print(f"RSS growth: streamed {streamed.growth / MB:.1f} MB, base64 JSON {as_json.growth / MB:.1f} MB")
    assert streamed.growth < 20 * MB, f"streaming 50 MB grew the server by {streamed.growth / MB:.1f} MB"
    assert as_json.growth > 50 * MB


REPORT = "base.ir_module_reference_print"
# Odoo's report bundle without its web fonts (an ir.asset record, as an administrator adds it):
# the report's Lato is then the system's (fonts-lato), which Debian's wkhtmltopdf embeds as text
SYSTEM_FONTS = {
    "name": "Report fonts from the system",
    "bundle": "web.report_assets_common",
    "directive": "remove",
    "path": "web/static/fonts/fonts.scss",
}


@pytest.fixture(scope="module")
def report_module(threaded_server, live_database):
    """The module the report prints (rest_api_core), and Odoo's RPC as the administrator."""
    rpc = OdooRpc(threaded_server.base_url, live_database)
    module = rpc.execute("ir.module.module", "search_read", [["name", "=", "rest_api_core"]], fields=["shortdesc"])[0]
    return rpc, module


def _print(server, files_setup, rpc, module, **params):
    """The report of ``module`` through the API, as the key's user (the administrator)."""
    path = f"/api/ir.module.module/{module['id']}/report/{REPORT}"
    with rpc.config_parameters({"report.url": server.base_url}):  # wkhtmltopdf fetches the styles there
        return requests.get(server.base_url + path, params=params, headers={"api-key": files_setup["key"]}, timeout=120)


def _poppler(command, pdf):
    """What a poppler-utils command (``pdfinfo -``, ``pdftotext - -``) prints of the bytes ``pdf``."""
    return subprocess.run(command.split(), input=pdf, capture_output=True, check=True).stdout


@contextmanager
def _record(rpc, model, values):
    record_id = rpc.execute(model, "create", values)
    try:
        yield record_id
    finally:
        rpc.execute(model, "unlink", [record_id])


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils is not installed")
def test_a_real_pdf_report(threaded_server, files_setup, report_module):
    rpc, module = report_module
    response = _print(threaded_server, files_setup, rpc, module)
    assert response.status_code == 200, response.text[:2000]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert ".pdf" in response.headers["Content-Disposition"]
    assert int(re.search(rb"Pages:\s+(\d+)", _poppler("pdfinfo -", response.content))[1]) >= 1
    text = _poppler("pdftotext - -", response.content)
    if _patched_wkhtmltopdf():
        assert module["shortdesc"].encode() in text
    else:  # what docs/api.md says, and why the next test prints with the system's fonts
        assert module["shortdesc"].encode() not in text, "Debian's wkhtmltopdf embeds web fonts now: update docs/api.md"
    html = _print(threaded_server, files_setup, rpc, module, format="html")
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert module["shortdesc"] in html.text


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils is not installed")
def test_a_real_pdf_report_with_the_system_fonts_has_its_text(threaded_server, files_setup, report_module):
    """Any wkhtmltopdf build: the record's name is text in the PDF, in the report's typeface."""
    rpc, module = report_module
    with _record(rpc, "ir.asset", SYSTEM_FONTS):
        response = _print(threaded_server, files_setup, rpc, module)
    assert response.status_code == 200, response.text[:2000]
    assert response.content.startswith(b"%PDF")
    assert module["shortdesc"].encode() in _poppler("pdftotext - -", response.content)
    fonts = _poppler("pdffonts -", response.content).decode()
    assert "Lato" in fonts, f"the system has no Lato (Debian: fonts-lato, which .ci/run installs):\n{fonts}"


def _patched_wkhtmltopdf():
    """Whether wkhtmltopdf is a "with patched qt" build (wkhtmltopdf.org's, the official Odoo image's)."""
    version = subprocess.run(["wkhtmltopdf", "--version"], capture_output=True, text=True, check=False).stdout
    return "patched qt" in version
