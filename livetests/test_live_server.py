import json
import urllib.request


def test_prefork_server_answers_health(prefork_server):
    with urllib.request.urlopen(prefork_server.base_url + "/api/health", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert json.load(response)["status"] == "ok"
