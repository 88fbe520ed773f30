"""``make run``: a development server with demo data and a demo key whose curl example works."""

import json
import re
import shlex
import signal
import socket
import subprocess
import sys

import pytest

from tools.odoo_env import REPO_ROOT, drop_databases, free_port, unique_db_name


def run_dev_until_ready(database, port, data_dir):
    """Start tools/run_dev.py; return (process, its output up to the banner)."""
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "tools/run_dev.py"), "--db", database, "--port", str(port),
         "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Press Ctrl-C to stop." in line:
            return process, "".join(lines)
    process.wait()
    pytest.fail(f"run_dev exited with {process.returncode} before serving:\n{''.join(lines)}")


def stop(process, signum=signal.SIGINT):
    """Stop run_dev as Ctrl-C (SIGINT) or an IDE's stop button (SIGTERM) does; it must stop Odoo too."""
    process.send_signal(signum)
    assert process.wait(timeout=60) == (0 if signum == signal.SIGINT else 128 + signum)


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return False
    return True


def run_curl_example(banner):
    command = re.search(r"Try:\s+(curl .*)", banner).group(1)
    result = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=30, check=True)
    return json.loads(result.stdout)


@pytest.fixture
def dev_database(tmp_path):
    database = unique_db_name("rest_api_dev_test")
    yield database
    drop_databases([database])


def test_run_prints_a_working_demo_key_and_replaces_it_on_each_run(dev_database, tmp_path):
    port = free_port()
    process, banner = run_dev_until_ready(dev_database, port, tmp_path)
    try:
        assert f"http://127.0.0.1:{port}/api/docs" in banner
        first_key = re.search(r"API key:\s+(\w+)", banner).group(1)
        partners = run_curl_example(banner)
        assert len(partners) == 5  # demo data is there
        assert set(partners[0]) == {"id", "name", "email"}
    finally:
        stop(process, signal.SIGTERM)
    assert not listening(port)  # Odoo stopped with it: the next run may take the port

    process, banner = run_dev_until_ready(dev_database, port, tmp_path)  # same port; existing database: updated
    try:
        second_key = re.search(r"API key:\s+(\w+)", banner).group(1)
        assert second_key != first_key
        assert len(run_curl_example(banner)) == 5
        stale = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"api-key: {first_key}",
             f"http://127.0.0.1:{port}/api/res.partner/search?limit=1"],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        assert stale.stdout == "401"  # the previous demo key was replaced, not kept
    finally:
        stop(process)
    assert not listening(port)
