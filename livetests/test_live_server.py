from tools.odoo_env import http_json


def test_prefork_server_answers_health(prefork_server):
    status, headers, body = http_json("GET", prefork_server.base_url + "/api/health", timeout=10)
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert body["status"] == "ok"
