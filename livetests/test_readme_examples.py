"""Every shell example of the README and of ``docs/`` runs as printed against ``make run``.

The examples address the demo server as ``http://localhost:8069`` with the key
``your-api-key`` (see the README's first call); this test starts the development
server (``tools/run_dev.py``, a fresh database with Odoo's demo data) and runs
each fenced ``sh`` block that calls ``curl``, with that URL and key replaced by the
server's and the demo key it printed (and ``B`` and ``K`` set as the first call
sets them), in ``bash -eu -o pipefail``. curl reads ``--fail-with-body`` from a
private ``.curlrc``, so an HTTP error fails its block as a shell error would.
Blocks that call newman find it where ``.ci/run`` installs it.
"""

import os
import re

import pytest

from livetests.test_live_docs import NODE_MODULES, run_client
from livetests.test_run_dev import run_dev_until_ready, stop
from tools.odoo_env import REPO_ROOT, drop_databases, free_port, unique_db_name

DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
EXAMPLE_URL = "http://localhost:8069"
EXAMPLE_KEY = "your-api-key"
FENCE = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def shell_examples():
    """``(where, script)`` of every fenced shell block of the documents that calls curl."""
    examples = []
    for document in DOCUMENTS:
        text = document.read_text()
        for match in FENCE.finditer(text):
            if re.search(r"^\s*(\S+=\S+ )*curl |\$\(curl ", match[1], re.MULTILINE):
                line = text.count("\n", 0, match.start()) + 1
                examples.append((f"{document.relative_to(REPO_ROOT)}:{line}", match[1]))
    return examples


EXAMPLES = shell_examples()


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory):
    """``(base_url, key)`` of ``make run``'s server on a database of its own, with the key it printed."""
    database = unique_db_name("rest_api_dev_test")
    port = free_port()
    process, banner = run_dev_until_ready(database, port, tmp_path_factory.mktemp("run_dev"))
    try:
        yield f"http://127.0.0.1:{port}", re.search(r"API key:\s+(\w+)", banner).group(1)
    finally:
        stop(process)
        drop_databases([database])


@pytest.fixture(scope="module")
def shell_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("curl_home")
    (home / ".curlrc").write_text("fail-with-body\nsilent\nshow-error\n")
    bins = [str(modules / ".bin") for modules in NODE_MODULES]
    return {**os.environ, "CURL_HOME": str(home), "PATH": os.pathsep.join([*bins, os.environ["PATH"]])}


def test_the_documents_have_examples():
    readme = [where for where, _script in EXAMPLES if where.startswith("README.md")]
    assert readme, "the README's first call was not found"
    assert len(EXAMPLES) >= 5, EXAMPLES


@pytest.mark.parametrize(("where", "script"), EXAMPLES, ids=[where for where, _script in EXAMPLES])
def test_example_runs_as_printed(dev_server, shell_env, tmp_path, where, script):
    base_url, key = dev_server
    script = script.replace(EXAMPLE_URL, base_url).replace(EXAMPLE_KEY, key)
    # B and K as the README's first call sets them, for the blocks of docs/ that use them
    env = {**shell_env, "B": base_url, "K": key}
    result = run_client(["bash", "-eu", "-o", "pipefail", "-c", script], cwd=tmp_path, env=env)
    output = f"{where}: exit {result.returncode}\n{script}\n--- stdout\n{result.stdout[-3000:]}"
    output += f"\n--- stderr\n{result.stderr[-3000:]}"
    assert result.returncode == 0, output
    print(output)
