"""``GET /api/metrics``: the REST API's request counters in the Prometheus text format.

The counters are shared state, not per-process figures: every worker of every
host adds its own to one table (``rest_api_request_metric``, one row per route
template, method and status) with the request log's background flush, so any
worker answers for the whole deployment. Figures lag by up to the flush
interval (5 s). Counted whatever the request log mode, ``off`` included.
Labels never carry a key, a user or a path: only route templates (a bounded
set), methods and statuses.
"""

import bisect
import json

from odoo import sql_db

from odoo.addons.rest_api_auth.exceptions import PermissionDenied

TABLE = "rest_api_request_metric"
BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)  # the last bucket is +Inf
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
MANAGER_GROUP = "rest_api_auth.group_rest_api_manager"

CREATE_TABLE = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    route varchar NOT NULL,
    method varchar NOT NULL,
    status integer NOT NULL,
    requests bigint NOT NULL,
    duration_ms double precision NOT NULL,
    buckets bigint[] NOT NULL,
    PRIMARY KEY (route, method, status)
)"""

ADD_COUNTERS = f"""INSERT INTO {TABLE} AS metric (route, method, status, requests, duration_ms, buckets)
SELECT route, method, status, requests, duration_ms,
       ARRAY(SELECT n::bigint FROM json_array_elements_text(buckets) WITH ORDINALITY AS e (n, i) ORDER BY i)
  FROM json_to_recordset(%s) AS counted (
       route varchar, method varchar, status integer, requests bigint, duration_ms double precision, buckets json)
ON CONFLICT (route, method, status) DO UPDATE
   SET requests = metric.requests + excluded.requests,
       duration_ms = metric.duration_ms + excluded.duration_ms,
       buckets = ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0)
                         FROM unnest(metric.buckets, excluded.buckets) WITH ORDINALITY AS t (a, b, i)
                        ORDER BY i)"""  # noqa: S608 - constant names


READ_COUNTERS = f"SELECT route, method, status, requests, duration_ms, buckets FROM {TABLE} ORDER BY 1, 2, 3"  # noqa: S608

# Counted events that are not requests, by name and outcome: throttle store failures.
EVENT_TABLE = "rest_api_event_metric"
CREATE_EVENT_TABLE = f"""CREATE TABLE IF NOT EXISTS {EVENT_TABLE} (
    name varchar NOT NULL,
    outcome varchar NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (name, outcome)
)"""
ADD_EVENTS = f"""INSERT INTO {EVENT_TABLE} AS event (name, outcome, count)
SELECT name, outcome, count FROM json_to_recordset(%s) AS counted (name varchar, outcome varchar, count bigint)
ON CONFLICT (name, outcome) DO UPDATE SET count = event.count + excluded.count"""  # noqa: S608 - constant names
READ_EVENTS = f"SELECT name, outcome, count FROM {EVENT_TABLE} ORDER BY 1, 2"  # noqa: S608
THROTTLE_STORE_ERRORS = "throttle_store_errors"
WEBHOOK_DELIVERIES = "webhook_deliveries"
EVENT_HELP = {
    THROTTLE_STORE_ERRORS: "Throttle store failures, by outcome: fail_open admitted the request, fail_closed "
    "answered 503 (rest_api.throttle_fail_open).",
    WEBHOOK_DELIVERIES: "Webhook delivery attempts, by outcome: delivered (2xx), retried (another attempt is "
    "scheduled), failed (the last attempt failed), gone (410: the subscription was disabled).",
}


def may_read(env, key_id):
    """Whether REST API key ``key_id`` may read the metrics (and see them in its OpenAPI
    document): the "Read Metrics" permission a manager sets, since the figures span every key.
    A personal key (no REST API key) has no permission of its own."""
    return bool(key_id) and env["rest.api.key"].sudo().browse(key_id).allow_metrics


def bucket_index(duration_ms):
    """The histogram bucket of a duration: the first whose upper bound it does not exceed."""
    return bisect.bisect_left(BUCKETS_MS, duration_ms)


def add_counters(cr, counters):
    """Add ``{(route, method, status): [requests, duration ms, per-bucket counts]}`` in one statement."""
    rows = [
        {"route": route, "method": method, "status": status, "requests": n, "duration_ms": ms, "buckets": buckets}
        for (route, method, status), (n, ms, buckets) in counters.items()
    ]
    cr.execute(ADD_COUNTERS, [json.dumps(rows)])


def add_events(cr, events):
    """Add ``{(name, outcome): count}`` in one statement."""
    rows = [{"name": name, "outcome": outcome, "count": n} for (name, outcome), n in events.items()]
    cr.execute(ADD_EVENTS, [json.dumps(rows)])


def read_counters(dbname):
    """``(counter rows, event rows)``, read on a connection of its own: the latest committed figures,
    not the request's snapshot."""
    with sql_db.db_connect(dbname).cursor() as cr:
        cr.execute(READ_COUNTERS)
        counters = cr.fetchall()
        cr.execute(READ_EVENTS)
        return counters, cr.fetchall()


def check_permission(env, key):
    """Raise 403 unless the verified ``key`` has the "Read Metrics" permission (a manager sets it)."""
    if not may_read(env, key.api_key_id if key is not None else None):
        raise PermissionDenied("The metrics need an API key with the 'Read Metrics' permission.")


def _label(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels):
    return "{" + ",".join(f'{name}="{_label(value)}"' for name, value in labels.items()) + "}"


def render(rows, events=()):
    """The Prometheus text exposition of counter ``rows`` (route, method, status, requests, ms, buckets)
    and of ``events`` (name, outcome, count)."""
    lines = [
        "# HELP rest_api_requests_total Requests answered by the REST API.",
        "# TYPE rest_api_requests_total counter",
    ]
    histograms = {}
    throttled = {}
    for route, method, status, requests, duration_ms, buckets in rows:
        lines.append(f"rest_api_requests_total{_labels(route=route, method=method, status=status)} {requests}")
        total = histograms.setdefault((route, method), [0, 0.0, [0] * len(buckets)])
        total[0] += requests
        total[1] += duration_ms
        total[2] = [a + b for a, b in zip(total[2], buckets, strict=False)]
        if status == 429:
            throttled[(route, method)] = throttled.get((route, method), 0) + requests
    lines += [
        "# HELP rest_api_request_duration_seconds Time the REST API took to answer, by route.",
        "# TYPE rest_api_request_duration_seconds histogram",
    ]
    for (route, method), (count, duration_ms, buckets) in histograms.items():
        cumulative = 0
        for bound, observed in zip((*BUCKETS_MS, None), buckets, strict=False):
            cumulative += observed
            le = "+Inf" if bound is None else repr(bound / 1000)
            labels = _labels(route=route, method=method, le=le)
            lines.append(f"rest_api_request_duration_seconds_bucket{labels} {cumulative}")
        labels = _labels(route=route, method=method)
        lines.append(f"rest_api_request_duration_seconds_sum{labels} {duration_ms / 1000:.6f}")
        lines.append(f"rest_api_request_duration_seconds_count{labels} {count}")
    lines += [
        "# HELP rest_api_throttled_requests_total Requests refused with 429 Too Many Requests.",
        "# TYPE rest_api_throttled_requests_total counter",
    ]
    lines += [
        f"rest_api_throttled_requests_total{_labels(route=route, method=method)} {n}"
        for (route, method), n in throttled.items()
    ]
    by_name = {}
    for name, outcome, count in events:
        by_name.setdefault(name, []).append((outcome, count))
    for name, help_text in EVENT_HELP.items():
        lines += [f"# HELP rest_api_{name}_total {help_text}", f"# TYPE rest_api_{name}_total counter"]
        lines += [f"rest_api_{name}_total{_labels(outcome=outcome)} {n}" for outcome, n in by_name.get(name, ())]
    return "\n".join(lines) + "\n"
