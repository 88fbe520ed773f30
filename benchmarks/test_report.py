"""The figures and verdicts of benchmarks/report.py, on hand-made results."""

from benchmarks.report import (
    MEMORY_TOLERANCE_MIB,
    MIB,
    busy_machine_warning,
    cpu_comparisons,
    evaluate_memory,
    evaluate_targets,
    paired_ratio,
    paired_rows,
    render_markdown,
    summarize,
)


def run(rps, p50=5.0, errors=0, cpu=None):
    """One round of one scenario, as benchmarks/run.py records it; ``cpu``: (Odoo, PostgreSQL) ms per request."""
    result = {
        "rps": rps,
        "requests": int(rps * 10),
        "latency_ms": {"p50": p50, "p95": p50 * 2, "p99": p50 * 3},
        "errors": {"connect": 0, "read": 0, "write": 0, "status": errors, "timeout": 0},
        "client_cpu_percent": 10.0,
    }
    if cpu:
        result["server_cpu_ms"] = {"odoo": cpu[0], "postgres": cpu[1]}
    return result


def scenario(name, *rps, cpu=None):
    """A measured scenario, one round per figure given, or an unavailable one when none is."""
    operation, implementation = name.split(".")
    entry = {"name": name, "operation": operation, "implementation": implementation, "label": name}
    if not rps:
        return {**entry, "status": "unavailable", "reason": "HTTP 404"}
    rounds = [run(value, cpu=cpu) for value in rps]
    return {**entry, "status": "ok", "rounds": rounds, "summary": summarize(rounds)}


def by_name(*scenarios):
    return {item["name"]: item for item in scenarios}


def phase(name, *growth_mib, recycled=0):
    workers = [
        {"pid": 100 + n, "rss_before": 200 * MIB, "rss_after": 200 * MIB + g * MIB} for n, g in enumerate(growth_mib)
    ]
    workers += [{"pid": 900 + n, "rss_before": 200 * MIB, "rss_after": None} for n in range(recycled)]
    return {"name": name, "label": name, "requests": 1000, "seconds": 10.0, "workers": workers}


def test_summary_is_the_median_of_the_rounds_and_sums_requests_and_errors():
    rounds = [run(100, p50=4.0), run(300, p50=9.0, errors=2), run(110, p50=5.0, errors=1)]
    summary = summarize(rounds)
    assert summary["rps"] == 110
    assert summary["latency_ms"] == {"p50": 5.0, "p95": 10.0, "p99": 15.0}
    assert summary["requests"] == 1000 + 3000 + 1100
    assert summary["errors"] == 3


def test_server_cpu_is_the_median_of_the_rounds_totals_when_every_round_has_it():
    rounds = [run(100, cpu=(6.0, 1.5)), run(100, cpu=(9.0, 2.0)), run(100, cpu=(6.5, 1.5))]
    assert summarize(rounds)["server_cpu_ms"] == 8.0
    assert "server_cpu_ms" not in summarize([run(100), run(100, cpu=(6.0, 1.5))])


def test_server_cpu_comparisons_per_request():
    rows = cpu_comparisons(
        by_name(
            scenario("read.rest", 100, cpu=(6.4, 1.6)),
            scenario("read.rest_throttled", 95, cpu=(6.5, 1.7)),
            scenario("read.jsonrpc", 90),  # recorded before server CPU was measured
        )
    )
    assert rows == [
        ("Throttling on vs off (single-record read)", "+2.5% (rounds +2.5% to +2.5%; medians 8.20 vs 8.00 ms)")
    ]


def test_ratio_targets_met_missed_and_not_measured():
    rows = evaluate_targets(
        by_name(
            scenario("read.rest", 120, 121, 119),
            scenario("read.jsonrpc", 100, 100, 100),
            scenario("read.bare", 140),
            scenario("search.rest", 50),
            scenario("search.jsonrpc"),  # unavailable
        )
    )
    assert [verdict for _label, _text, verdict in rows] == ["met", "MISSED", "not measured", "not measured"]
    assert rows[0][1] == "1.20x (rounds 1.19-1.21; medians 120 vs 100 req/s)"
    assert rows[1][1] == "0.86x (rounds 0.86-0.86; medians 120 vs 140 req/s)"  # below 90 % of the bare controller


def test_ratios_are_paired_within_each_round_not_ratios_of_medians():
    # The host's speed changes from round to round; both scenarios of a round follow it.
    scenarios = by_name(scenario("read.rest", 125, 62, 90), scenario("read.jsonrpc", 100, 50, 80))
    assert paired_ratio(scenarios, "read.rest", "read.jsonrpc") == (1.24, 1.125, 1.25)
    assert evaluate_targets(scenarios)[0][2] == "met"  # the ratio of the medians would be 90/80 = 1.125
    scenarios = by_name(scenario("read.rest", 100, 130, 130), scenario("read.jsonrpc", 100, 120, 100))
    assert paired_ratio(scenarios, "read.rest", "read.jsonrpc")[0] == 1.0833333333333333
    assert evaluate_targets(scenarios)[0][2] == "MISSED"  # medians alone (130 vs 100) would say 1.30


def test_paired_rows_give_both_medians_and_the_paired_change():
    rounds = {
        "off": [run(100, cpu=(4.0, 1.0)), run(80, cpu=(6.0, 2.0))],
        "on": [run(90, cpu=(4.5, 1.0)), run(76, cpu=(6.5, 2.1))],
    }
    cpu, rps = paired_rows(rounds, "off", "on", (("server_cpu_ms", "CPU"), ("rps", "req/s")))
    assert cpu == "| CPU | 6.500 | 7.050 | +8.7% (+7.5% to +10.0%) |"  # per round: 5.5/5 and 8.6/8
    assert rps == "| req/s | 90.000 | 83.000 | -7.5% (-10.0% to -5.0%) |"
    (ratio,) = paired_rows(rounds, "off", "on", (("rps", "req/s"),), relative=False)
    assert ratio.endswith("| 0.925 (0.900 to 0.950) |")


def test_throttling_target_is_a_maximum_difference_either_way():
    def verdict(throttled, unthrottled):
        rows = evaluate_targets(by_name(scenario("read.rest_throttled", throttled), scenario("read.rest", unthrottled)))
        return rows[3][1:]

    assert verdict(96, 100) == ("4.0% (rounds +4.0% to +4.0%; medians 96 vs 100 req/s)", "met")
    assert verdict(94, 100) == ("6.0% (rounds +6.0% to +6.0%; medians 94 vs 100 req/s)", "MISSED")
    assert verdict(106, 100) == ("6.0% (rounds -6.0% to -6.0%; medians 106 vs 100 req/s)", "MISSED")


def test_memory_verdict_compares_the_worst_workers_within_the_tolerance():
    native = phase("native", 1.0, 3.0)
    assert evaluate_memory({"phases": [native, phase("rest", 2.0, 3.0 + MEMORY_TOLERANCE_MIB)]})[1] == "met"
    text, verdict = evaluate_memory({"phases": [native, phase("rest", 2.0, 3.5 + MEMORY_TOLERANCE_MIB)]})
    assert verdict == "MISSED"
    assert text == "worst worker +7.5 MiB over 1,000 REST requests, +3.0 MiB over 1,000 native ones"


def test_memory_verdict_ignores_recycled_workers_and_needs_both_phases():
    native = phase("native", 2.0, recycled=1)
    assert evaluate_memory({"phases": [native, phase("rest", 1.0, recycled=1)]})[1] == "met"
    assert evaluate_memory({"phases": [native]}) == ("n/a", "not measured")
    assert evaluate_memory({"phases": [native, phase("rest", recycled=2)]}) == ("n/a", "not measured")
    assert evaluate_memory({}) == ("n/a", "not measured")


def test_busy_machine_warning_above_the_threshold_only():
    assert busy_machine_warning("0.40, 1.00, 1.20") == []
    assert "load average 1.30" in busy_machine_warning("1.30, 0.20, 0.10")[0]


def test_markdown_report_has_the_verdicts_and_the_unmeasured_scenarios():
    results = {
        "date": "2026-01-01 00:00 UTC",
        "commit": "abc1234",
        "command": "python3 benchmarks/run.py",
        "machine": {
            "cpu": "CPU",
            "cores": 2,
            "memory_gib": 8,
            "os": "Linux",
            "python": "3.12",
            "odoo": "18.0",
            "postgresql": "16",
            "wrk": "wrk 4.1.0",
            "load_before": "0.10, 0.10, 0.10",
        },
        "settings": {
            "server": "--workers=2",
            "distinct_reads": 500,
            "pages": 20,
            "connections": 4,
            "duration": 20,
            "warmup": 5,
            "rounds": 3,
        },
        "data": {"partners": 10000, "products": 1000},
        "scenarios": [scenario("read.rest", 120), scenario("read.jsonrpc", 100), scenario("search.jsonrpc")],
        "memory": {"phases": [phase("native", 1.0), phase("rest", 9.0)]},
    }
    report = render_markdown(results, "results.png")
    assert (
        "| Single-record read: REST ≥ 1.2 x native `/jsonrpc` `read` "
        "| 1.20x (rounds 1.20-1.20; medians 120 vs 100 req/s) | met |"
    ) in report
    assert "| Memory: no per-worker growth beyond Odoo's own | worst worker +9.0 MiB" in report
    assert report.count("| MISSED |") == 1
    assert "Not measured: `search.jsonrpc` (HTTP 404)." in report
    assert "warmed up with that mix for 5 s" in report
    assert "![requests per second and p95 latency](results.png)" in report
    assert "Warning" not in report
    assert "server CPU per request (Odoo + PostgreSQL)" not in report  # none measured


def test_markdown_report_shows_the_server_cpu_per_request_when_measured():
    results = {
        "date": "2026-01-01 00:00 UTC",
        "commit": "abc1234",
        "command": "python3 benchmarks/run.py",
        "machine": dict.fromkeys(("cpu", "cores", "memory_gib", "os", "python", "odoo", "postgresql", "wrk"), "x")
        | {"load_before": "0.10, 0.10, 0.10"},
        "settings": dict.fromkeys(
            ("server", "distinct_reads", "pages", "connections", "duration", "warmup", "rounds"), 1
        ),
        "data": {"partners": 10000, "products": 1000},
        "scenarios": [scenario("read.rest", 120, cpu=(6.0, 2.0)), scenario("read.jsonrpc", 100, cpu=(7.0, 3.0))],
    }
    report = render_markdown(results)
    assert (
        "| Single-record read: REST vs native `/jsonrpc` | -20.0% (rounds -20.0% to -20.0%; medians 8.00 vs 10.00 ms) |"
        in report
    )
    assert "| read.rest | 120.0 | 5.0 | 10.0 | 15.0 | 0 | 10 % | 8.00 |" in report
