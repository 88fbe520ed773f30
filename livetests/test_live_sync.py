"""Incremental sync against a ``--workers 2`` server, with transactions that really commit.

The change feed must not miss the change of a transaction that started before a page was
served and commits after it (Odoo stamps ``write_date`` with the transaction's start); cursor
pages must neither repeat nor skip records while other clients insert.
"""

import threading
import uuid
from urllib.parse import urlencode

from tools.odoo_env import http_json, pg_connect

FEED = "/api/res.partner/changes"


def get(server, key, path, params=None):
    url = server.base_url + path + ("?" + urlencode(params) if params else "")
    status, headers, body = http_json("GET", url, headers={"api-key": key})
    assert status == 200, body
    return headers, body


def feed(server, key, tag, since):
    params = {"domain": f"[('ref', '=', '{tag}')]", "fields": "['name']", "since": since}
    return get(server, key, FEED, params)[1]


def test_a_transaction_running_while_a_page_is_served_is_not_missed(prefork_server, rpc, live_database):
    key = rpc.generate_api_key("live feed", rate_limit=0)["key"]
    tag = f"live-feed-{uuid.uuid4().hex[:8]}"
    x, y = rpc.execute("res.partner", "create", [{"name": "X", "ref": tag}, {"name": "Y", "ref": tag}])
    token = feed(prefork_server, key, tag, "now")["next"]
    transaction_a = pg_connect(live_database)
    transaction_a.autocommit = False
    try:
        with transaction_a.cursor() as cr:  # what the ORM does: write_date is the transaction's start
            cr.execute(
                "UPDATE res_partner SET name = 'X by A', write_date = now() AT TIME ZONE 'UTC' WHERE id = %s", [x]
            )
        rpc.execute("res.partner", "write", [y], {"name": "Y by B"})  # starts after A, commits first
        page = feed(prefork_server, key, tag, token)
        # Y is held back: serving it would move the token past the start of A, still running
        assert page["changes"] == []
        token = page["next"]
        transaction_a.commit()
    finally:
        transaction_a.close()
    page = feed(prefork_server, key, tag, token)
    assert [(row["id"], row["name"]) for row in page["changes"]] == [(x, "X by A"), (y, "Y by B")]
    assert feed(prefork_server, key, tag, page["next"])["changes"] == []


def test_created_then_deleted_shows_as_deleted_never_alive(prefork_server, rpc):
    key = rpc.generate_api_key("live feed deletions", rate_limit=0)["key"]
    tag = f"live-feed-{uuid.uuid4().hex[:8]}"
    with rpc.config_parameters({"rest_api.tracked_models": "res.partner"}):
        token = feed(prefork_server, key, tag, "now")["next"]
        (short_lived,) = rpc.execute("res.partner", "create", [{"name": "Short-lived", "ref": tag}])
        rpc.execute("res.partner", "unlink", [short_lived])
        page = feed(prefork_server, key, tag, token)
    assert page["changes"] == []
    assert page["deleted"] == [short_lived]


def test_cursor_pages_under_concurrent_inserts_neither_repeat_nor_skip(prefork_server, rpc):
    key = rpc.generate_api_key("live cursor", rate_limit=0)["key"]
    tag = f"live-cursor-{uuid.uuid4().hex[:8]}"
    existing = []
    for _batch in range(5):
        values = [{"name": uuid.uuid4().hex, "ref": tag} for _ in range(1000)]
        existing += rpc.execute("res.partner", "create", values)
    stop, inserted = threading.Event(), []

    def insert():  # names sort anywhere: before and after the cursor
        while not stop.is_set():
            inserted.extend(rpc.execute("res.partner", "create", [{"name": uuid.uuid4().hex, "ref": tag}] * 5))

    inserter = threading.Thread(target=insert)
    inserter.start()
    seen, pages = [], 0
    try:
        params = {"domain": f"[('ref', '=', '{tag}')]", "fields": "['id']", "order": "name", "limit": "250"}
        headers, rows = get(prefork_server, key, "/api/res.partner/search", params)
        while True:
            pages += 1
            seen += [row["id"] for row in rows]
            link = headers.get("Link")
            if not link:
                break
            assert "offset=" not in link
            headers, rows = get(prefork_server, key, link[1 : link.index(">")])
    finally:
        stop.set()
        inserter.join()
    assert inserted, "no insert ran while paging"
    assert len(seen) == len(set(seen)), "a record came twice"
    assert set(existing) <= set(seen), f"{len(set(existing) - set(seen))} records existing at the start were skipped"
    assert pages >= 20
