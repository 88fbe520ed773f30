"""Fixtures for tests against Odoo server processes (prefork workers, several hosts).

The test command (tools/run_tests.py) provides a database with the addons
installed (``REST_API_LIVE_DB``) and the configuration file to run it with
(``REST_API_ODOO_CONFIG``). These tests commit data, so they never share the
database the in-process HttpCase tests use.
"""

import os

import pytest

from tools.odoo_env import TEST_DB_PREFIX, OdooServer, OdooWorkspace


@pytest.fixture(scope="session")
def live_workspace():
    """The test command's workspace; databases the tests create through it are dropped at the end."""
    config = os.environ.get("REST_API_ODOO_CONFIG")
    database = os.environ.get("REST_API_LIVE_DB")
    if not (config and database):
        pytest.fail("Run the live tests through the test command: python3 tools/run_tests.py")
    workspace = OdooWorkspace.attach(config, prefix=TEST_DB_PREFIX)
    yield workspace
    workspace.cleanup()


@pytest.fixture(scope="session")
def live_database():
    return os.environ["REST_API_LIVE_DB"]


@pytest.fixture(scope="session")
def prefork_server(live_workspace, live_database):
    """Odoo with ``--workers 2`` on loopback: each request may land on either worker."""
    with OdooServer(live_workspace, live_database, extra_args=["--workers=2", "--max-cron-threads=0"]) as server:
        yield server
