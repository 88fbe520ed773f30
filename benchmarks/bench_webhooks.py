#!/usr/bin/env python3
"""Webhooks: what a subscription adds to a write, and how many events per second reach a receiver.

    python3 benchmarks/bench_webhooks.py [--partners 2000] [--duration 5] [--rounds 8] [--events 1000]

Creates a throwaway database as ``run.py`` does (``--partners`` partners, the addons,
``rest_api_bench``) and a webhook on ``res.partner`` (``updated`` events, two fields).

1. The write: a server with ``--workers 2`` and no cron worker (nothing is delivered meanwhile:
   this is the cost the capture adds inside the user's request). In each round ``PATCH
   /api/res.partner/<id>`` (a phone number, 500 partners round-robin, 4 connections) is loaded
   once with the subscription active and once with it archived, in turn, the order alternating
   from round to round; the switch goes through JSON-RPC (``write``, which clears every worker's
   cache of the subscribed models), then one unmeasured second refills the caches. Reported as
   the other benchmarks do: the server CPU per request (Odoo and the PostgreSQL backends of the
   database, ``tools/process_stats.py``) and requests/s, paired per round: the median of the
   per-round ratios "subscribed" / "unsubscribed" and their range. Target: at most +10 % server
   CPU per write.
2. The delivery: a server with ``--workers 2`` and one cron worker (the sender). A receiver on
   loopback in this process (a threaded HTTP server answering 204, not verifying: its CPU is
   not the server's) gets the events of one JSON-RPC ``write`` on ``--events`` partners (one
   transaction, one event per partner and subscription), for one subscription (its events go one
   at a time, in order) and for 10 subscriptions of ``--events`` / 10 partners each (the sender
   claims the head event of up to 50 subscriptions at once), in turn, ``--delivery-rounds``
   times. Reported:
   events per second from the first delivery to the last, the time from the write's answer to
   the last delivery, and the server CPU per delivered event.

The machine's load average is printed at the start and the end: on a shared machine, say so
when the rounds' range is wider than the effect.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Request, require_wrk, run_wrk
from odoo_env import OdooRpc, OdooServer, SetupError, exit_on_sigterm, exits_on_setup_error, http_json, pg_value
from process_stats import cpu_ms_per_request, server_cpu
from report import paired_ratio, paired_rows
from run import SERVER_ARGS, bench_database, run_measured

ON, OFF = "subscribed", "unsubscribed"
STATES = (OFF, ON)
TARGET = 0.10  # at most 10 % more server CPU per write on a subscribed model
SENDER_ARGS = ["--workers=2", "--max-cron-threads=1", "--limit-request=100000000"]
SPREAD = 10  # subscriptions of the spread delivery runs
DELIVERY_TIMEOUT = 300  # seconds for one delivery run


class Receiver:
    """Records the arrival time of every POST; answers 204."""

    def __init__(self):
        self.times = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.times.append(time.monotonic())
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def reset(self):
        with self.lock:
            self.times = []

    def wait(self, count, timeout=DELIVERY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.times) >= count:
                    return list(self.times)
            time.sleep(0.05)
        raise SetupError(f"{count} deliveries expected within {timeout}s, got {len(self.times)}")


def subscribe(rpc, key_id, url, name):
    return rpc.execute(
        "rest.api.webhook",
        "generate_webhook",
        {"name": name, "key_id": key_id, "url": url, "model": "res.partner", "events": ["updated"],
         "fields": ["name", "phone"]},
    )["id"]  # fmt: skip


def measure_writes(server, setup, rpc, webhook_id, args):
    """``{state: [round figures]}`` of the write with the subscription active and archived."""
    key = setup["rest_key"]
    requests = [
        Request("PATCH", f"/api/res.partner/{i}", {"api-key": key, "Content-Type": "application/json"},
                f'{{"phone": "+32 2 555 {i % 10000:04d}"}}')
        for i in setup["read_ids"]
    ]  # fmt: skip
    first = requests[0]
    status, _headers, body = http_json(first.method, server.base_url + first.path, {"phone": "1"}, {"api-key": key})
    if status != 200:
        raise SetupError(f"The write does not work: HTTP {status} {body}")

    def switch(state):
        rpc.execute("rest.api.webhook", "write", [webhook_id], {"active": state == ON})

    rounds = {state: [] for state in STATES}
    for state in STATES:  # warm-up
        switch(state)
        run_wrk(server.base_url, requests, args.warmup, args.connections)
    for number in range(1, args.rounds + 1):
        for state in STATES if number % 2 else STATES[::-1]:
            switch(state)
            run_wrk(server.base_url, requests, 1, args.connections)  # caches refilled after the switch
            result = run_measured(server, setup["database"], requests, args.duration, args.connections)
            rounds[state].append(result)
            cpu = result.get("server_cpu_ms", {})
            print(
                f"[bench] write round {number} {state:12} {result['rps']:7.1f} req/s  server CPU/request "
                f"{cpu.get('odoo', 0):.3f} + {cpu.get('postgres', 0):.3f} ms (Odoo + PostgreSQL)  "
                f"latency p50 {result.get('latency_ms', {}).get('p50', 0)} ms  errors {sum(result['errors'].values())}",
                flush=True,
            )
    switch(OFF)
    return rounds


def write_report(rounds):
    scenarios = {state: {"status": "ok", "rounds": runs} for state, runs in rounds.items()}
    lines = [
        "| figure | unsubscribed | subscribed | subscribed / unsubscribed, median of the rounds (range) |",
        "|---|---|---|---|",
    ]
    lines += paired_rows(rounds, OFF, ON, (("server_cpu_ms", "server CPU per write (ms)"), ("rps", "writes/s")))
    cpu = paired_ratio(scenarios, ON, OFF, "server_cpu_ms")[0] - 1
    verdict = "met" if cpu <= TARGET else "MISSED"
    lines.append(
        f"\nTarget: a subscribed write ≤ {TARGET:.0%} more server CPU than unsubscribed: {cpu:+.1%}, {verdict}."
    )
    return "\n".join(lines), cpu <= TARGET


def measure_deliveries(server, setup, rpc, key_id, receiver, *, args):
    """``{label: [(events/s, seconds after the write to the last delivery, server CPU ms per event)]}``."""
    partner_ids = setup["read_ids"][: args.events]
    runs = {"1 subscription": [], f"{SPREAD} subscriptions": []}
    webhooks = {
        "1 subscription": [subscribe(rpc, key_id, receiver.url, "bench delivery")],
        f"{SPREAD} subscriptions": [subscribe(rpc, key_id, receiver.url, f"bench spread {n}") for n in range(SPREAD)],
    }
    everything = [webhook for ids in webhooks.values() for webhook in ids]
    for number in range(1, args.delivery_rounds + 1):
        for label in runs if number % 2 else list(runs)[::-1]:
            active = webhooks[label]
            rpc.execute("rest.api.webhook", "write", everything, {"active": False})
            rpc.execute("rest.api.webhook", "write", active, {"active": True})
            # as many deliveries in all: each of the subscriptions gets the events of its share of the partners
            written_ids = partner_ids[: len(partner_ids) // len(active)]
            events = len(written_ids) * len(active)
            receiver.reset()
            before = server_cpu(server, setup["database"])
            rpc.execute("res.partner", "write", written_ids, {"comment": f"round {number}"})
            written = time.monotonic()
            times = receiver.wait(events)
            after = server_cpu(server, setup["database"])
            cpu = cpu_ms_per_request(before, after, events)
            rate = (events - 1) / max(times[-1] - times[0], 1e-6)
            runs[label].append((rate, times[-1] - written, sum(cpu.values())))
            print(
                f"[bench] delivery round {number} {label:16} {rate:7.1f} events/s, last {times[-1] - written:.1f}s "
                f"after the write, server CPU/event {cpu.get('odoo', 0):.3f} + {cpu.get('postgres', 0):.3f} ms",
                flush=True,
            )
            time.sleep(1)  # the sender's last commit
    return runs


def delivery_report(runs, events):
    lines = [
        f"| {events} events | events/s, median (range) | last delivery after the write (s) "
        "| server CPU per event (ms) |",
        "|---|---|---|---|",
    ]
    for label, figures in runs.items():
        rates, lasts, cpus = zip(*figures, strict=True)
        lines.append(
            f"| {label} | {statistics.median(rates):.0f} ({min(rates):.0f} to {max(rates):.0f}) | "
            f"{statistics.median(lasts):.1f} | {statistics.median(cpus):.2f} |"
        )
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per state and round")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per state")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--events", type=int, default=500, help="events per delivery run (at most 500)")
    parser.add_argument("--delivery-rounds", type=int, default=3)
    return parser.parse_args(argv)


@exits_on_setup_error
def main(argv):
    args = parse_args(argv)
    exit_on_sigterm()
    require_wrk()
    print(f"[bench] load average at the start: {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    with bench_database("rest_api_bench", args.partners, 0) as (workspace, database, setup):
        setup["database"] = database
        receiver = Receiver()
        with OdooServer(workspace, database, extra_args=SERVER_ARGS) as server:
            rpc = OdooRpc(server.base_url, database, password=setup["native_key"])
            rpc.execute("ir.config_parameter", "set_param", "rest_api.webhook_allow_private", "True")
            key = rpc.generate_api_key("bench webhooks", user_id=setup["uid"], rate_limit=0)
            webhook_id = subscribe(rpc, key["id"], receiver.url, "bench write")
            rounds = measure_writes(server, setup, rpc, webhook_id, args)
        captured = pg_value(
            database, "SELECT count(*) FROM rest_api_webhook_event WHERE webhook_id = %s", (webhook_id,)
        )
        pg_value(database, "WITH gone AS (DELETE FROM rest_api_webhook_event RETURNING 1) SELECT count(*) FROM gone")
        print(f"[bench] events captured by the subscribed writes: {captured:,}", flush=True)
        table, met = write_report(rounds)
        print(table, flush=True)
        with OdooServer(workspace, database, extra_args=SENDER_ARGS) as server:
            rpc = OdooRpc(server.base_url, database, password=setup["native_key"])
            rpc.execute("rest.api.webhook", "write", [webhook_id], {"active": False})
            runs = measure_deliveries(server, setup, rpc, key["id"], receiver, args=args)
        print(delivery_report(runs, args.events), flush=True)
        print(f"[bench] load average at the end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
        return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
