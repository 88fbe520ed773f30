"""The load test, bounded: two Odoo servers (one with --workers 2) on one database,
Locust against both; throttling must stay exact, with its headers, and nothing may 5xx."""

from loadtests.run import run_load_test, tools_venv

DURATION = 30  # seconds of load; the whole test stays well under a minute and a half


def test_throttling_is_exact_across_two_servers_under_load(live_workspace, live_database):
    failures = run_load_test(live_workspace, live_database, DURATION, crud_users=2, venv_bin=tools_venv())
    assert failures == []
