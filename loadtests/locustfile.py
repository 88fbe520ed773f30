"""Locust scenarios for the REST API: a CRUD mix, and throttling under load.

Run through ``loadtests/run.py`` (which starts the servers, issues the keys
and checks the results), or by hand against running servers::

    LOADTEST_CONFIG=config.json locust -f loadtests/locustfile.py --headless -u 10 -r 10 -t 60s

``config.json``: ``{"hosts": ["http://127.0.0.1:8069", ...], "model": "res.partner",
"crud_key": "...", "throttle_keys": [{"name", "key", "limit", "period", "burst"}, ...],
"users_per_key": 3, "results": "results.json"}``. CRUD requests go to the hosts in
turn; the throttled users of one key are spread over the hosts, so each key's
traffic reaches every server (all workers, all "hosts") at once.

Both scenarios fail a request that gets a 5xx or any status they do not expect;
the throttling scenario also fails a 429 without ``Retry-After``, ``RateLimit``
and ``RateLimit-Policy``, and a 200 without the RateLimit headers. The per-key
counts and the timing figures go to ``results`` when Locust quits. Runs in one
Locust process (the per-key counts are kept in this module).
"""

import itertools
import json
import os
import random
import threading
import time
from collections import Counter
from pathlib import Path

from locust import HttpUser, between, constant_throughput, events, task

CONFIG = json.loads(Path(os.environ["LOADTEST_CONFIG"]).read_text()) if os.environ.get("LOADTEST_CONFIG") else {}
HOSTS = CONFIG.get("hosts", [])
MODEL = CONFIG.get("model", "res.partner")
RATELIMIT_HEADERS = ("RateLimit", "RateLimit-Policy")
MAX_EXAMPLES = 5
USERS_PER_KEY = CONFIG.get("users_per_key", 3)  # each sends up to 10 requests/s, well above any key's rate

_next_host = itertools.cycle(HOSTS or [""])
_lock = threading.Lock()
# Per key: the statuses, and the window that holds every admission (each 200 was admitted
# between its request's sending and its response): first 200 sent, last 200 received.
throttle_counts = {
    key["name"]: {
        "ok": 0,
        "throttled": 0,
        "first_admitted_sent": None,
        "last_admitted_done": None,
        "statuses": Counter(),
    }
    for key in CONFIG.get("throttle_keys", [])
}
problems = {"server_errors": 0, "unexpected_status": Counter(), "missing_headers": 0, "examples": []}


def next_url(path):
    with _lock:
        return next(_next_host) + path


def note_problem(kind, description):
    with _lock:
        if kind == "server_errors":
            problems["server_errors"] += 1
        elif kind == "missing_headers":
            problems["missing_headers"] += 1
        else:
            problems["unexpected_status"][kind] += 1
        if len(problems["examples"]) < MAX_EXAMPLES:
            problems["examples"].append(description)


def check_status(response, name, expected):
    """Mark ``response`` failed unless its status is in ``expected``; 5xx are counted apart."""
    status = response.status_code
    if status in expected:
        return True
    description = f"{name}: HTTP {status} {response.text[:200]!r}"
    note_problem("server_errors" if status >= 500 or status == 0 else f"{name} {status}", description)
    response.failure(description)
    return False


class CrudUser(HttpUser):
    """An integration reading and writing partners with an unthrottled key."""

    wait_time = between(0.05, 0.25)
    weight = 1

    def on_start(self):
        self.headers = {"api-key": CONFIG["crud_key"]}
        self.known_ids = []
        self.own_ids = []
        with self.client.get(
            next_url(f"/api/{MODEL}/search"),
            params={"domain": "[]", "fields": "['name']", "limit": 50},
            headers=self.headers,
            name="search",
            catch_response=True,
        ) as response:
            if check_status(response, "search", {200}):
                self.known_ids = [record["id"] for record in response.json()]

    def request(self, method, path, name, expected, **kwargs):
        with self.client.request(
            method, next_url(path), headers=self.headers, name=name, catch_response=True, **kwargs
        ) as response:
            if check_status(response, name, expected):
                response.success()
                return response
        return None

    @task(30)
    def search(self):
        self.request(
            "GET",
            f"/api/{MODEL}/search",
            "search",
            {200},
            params={"domain": "[('active', '=', True)]", "fields": "['name', 'email', 'city']", "limit": 20},
        )

    @task(20)
    def view(self):
        if self.known_ids:
            record_id = random.choice(self.known_ids)  # noqa: S311 - load shape, not secrets
            self.request("GET", f"/api/{MODEL}/{record_id}", "view", {200}, params={"fields": "['name', 'email']"})

    @task(10)
    def count(self):
        self.request("GET", f"/api/{MODEL}/record_count", "count", {200}, params={"domain": "[]"})

    @task(8)
    def create(self):
        name = f"Load test {random.getrandbits(40):010x}"
        response = self.request(
            "POST", f"/api/{MODEL}/create", "create", {201}, json={"name": name, "email": "load@example.com"}
        )
        if response is not None:
            self.own_ids.append(response.json()["id"])

    @task(6)
    def update(self):
        if self.own_ids:
            record_id = random.choice(self.own_ids)  # noqa: S311
            self.request("PUT", f"/api/{MODEL}/{record_id}", "update", {200}, json={"city": "Namur"})

    @task(3)
    def delete(self):
        if self.own_ids:
            record_id = self.own_ids.pop()
            self.request("DELETE", f"/api/{MODEL}/{record_id}", "delete", {200})

    @task(5)
    def execute_kw(self):
        self.request(
            "POST",
            f"/api/{MODEL}/execute_kw",
            "execute_kw",
            {200},
            json={"method": "search_read", "args": [[]], "kwargs": {"fields": ["name"], "limit": 5}},
        )


class ThrottledUser(HttpUser):
    """A client sending faster than its key allows: counts what is admitted and what is refused."""

    wait_time = constant_throughput(10)  # requests per second per user
    fixed_count = USERS_PER_KEY * len(CONFIG.get("throttle_keys", []))
    _keys = itertools.cycle(CONFIG.get("throttle_keys", []) or [None])

    _hosts = itertools.cycle(HOSTS or [""])

    def on_start(self):
        # Each user stays on one server, and each key's users spread over all servers: a server
        # that stalls then slows down only its own users, not every request of the key.
        with _lock:
            self.key = next(self._keys)
            self.base_url = next(self._hosts)

    @task
    def count(self):
        counts = throttle_counts[self.key["name"]]
        sent = time.time()
        with self.client.get(
            f"{self.base_url}/api/{MODEL}/record_count",
            params={"domain": "[]"},
            headers={"api-key": self.key["key"]},
            name="throttled count",
            catch_response=True,
        ) as response:
            done = time.time()
            with _lock:
                counts["statuses"][response.status_code] += 1
                if response.status_code == 200:
                    counts["first_admitted_sent"] = min(counts["first_admitted_sent"] or sent, sent)
                    counts["last_admitted_done"] = max(counts["last_admitted_done"] or done, done)
            if not check_status(response, "throttled count", {200, 429}):
                return
            required = (*RATELIMIT_HEADERS, "Retry-After") if response.status_code == 429 else RATELIMIT_HEADERS
            missing = [header for header in required if header not in response.headers]
            if missing:
                description = f"HTTP {response.status_code} without {', '.join(missing)}"
                note_problem("missing_headers", description)
                response.failure(description)
                return
            with _lock:
                counts["ok" if response.status_code == 200 else "throttled"] += 1
            response.success()  # a 429 with its headers is the expected answer when over the rate


def summary(environment):
    total = environment.stats.total
    by_name = {
        name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
        }
        for (name, _method), entry in sorted(environment.stats.entries.items())
    }
    return {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.total_rps,
        "p50_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
        "p99_ms": total.get_response_time_percentile(0.99),
        "by_name": by_name,
        "throttle": {
            name: {**counts, "statuses": {str(status): n for status, n in counts["statuses"].items()}}
            for name, counts in throttle_counts.items()
        },
        "problems": {**problems, "unexpected_status": dict(problems["unexpected_status"])},
    }


@events.quitting.add_listener
def write_results(environment, **_kwargs):
    results = summary(environment)
    if CONFIG.get("results"):
        Path(CONFIG["results"]).write_text(json.dumps(results, indent=2))
    if results["problems"]["server_errors"] or results["problems"]["missing_headers"]:
        environment.process_exit_code = 1
