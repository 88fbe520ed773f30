"""Files and reports against a real Odoo server process: worker memory while streaming, real PDF files.

The server is Odoo with ``--workers=0`` (one process, threads), so that its RSS is the memory
of what serves the download. The attachment and the key are made by ``odoo shell`` and committed.
"""

import re
import shutil
import subprocess

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


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils is not installed")
def test_a_real_pdf_report(threaded_server, files_setup, live_database):
    rpc = OdooRpc(threaded_server.base_url, live_database)
    module = rpc.execute("ir.module.module", "search_read", [["name", "=", "rest_api_core"]], fields=["shortdesc"])[0]
    path = f"/api/ir.module.module/{module['id']}/report/base.ir_module_reference_print"
    with rpc.config_parameters({"report.url": threaded_server.base_url}):  # wkhtmltopdf fetches the styles there
        response = requests.get(threaded_server.base_url + path, headers={"api-key": files_setup["key"]}, timeout=120)
    assert response.status_code == 200, response.text[:2000]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert ".pdf" in response.headers["Content-Disposition"]
    info = subprocess.run(["pdfinfo", "-"], input=response.content, capture_output=True, check=True).stdout
    assert int(re.search(rb"Pages:\s+(\d+)", info)[1]) >= 1
    # Debian's wkhtmltopdf (unpatched qt) draws the report's web fonts as outlines: no text to extract then
    if _patched_wkhtmltopdf():
        text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout
        assert module["shortdesc"].encode() in text
    html = requests.get(
        threaded_server.base_url + path, params={"format": "html"}, headers={"api-key": files_setup["key"]}, timeout=60
    )
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert module["shortdesc"] in html.text


def _patched_wkhtmltopdf():
    """Whether wkhtmltopdf is a "with patched qt" build (wkhtmltopdf.org's, the official Odoo image's)."""
    version = subprocess.run(["wkhtmltopdf", "--version"], capture_output=True, text=True, check=False).stdout
    return "patched qt" in version
