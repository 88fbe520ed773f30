"""From measured rounds to the figures, the verdicts against the targets, and RESULTS.md.

Plain functions on the JSON-shaped results that benchmarks/run.py writes
(results.json), so a report can be rebuilt from a stored run:
``python3 benchmarks/report.py benchmarks/results.json benchmarks/RESULTS.md``.
"""

import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
# Growth per worker over the long REST run allowed beyond the native run's (allocator noise).
MEMORY_TOLERANCE_MIB = 4
# 1-minute load average above which the run is flagged as made on a busy machine.
BUSY_LOAD = 0.5


@dataclass(frozen=True)
class Target:
    label: str
    measured: str  # scenario name
    reference: str  # scenario name
    minimum_ratio: float | None = None
    maximum_difference: float | None = None


TARGETS = (
    Target("Single-record read: REST ≥ 1.2 x native `/jsonrpc` `read`", "read.rest", "read.jsonrpc", minimum_ratio=1.2),
    Target("Single-record read: REST ≥ 90 % of the bare controller", "read.rest", "read.bare", minimum_ratio=0.9),
    Target("80-record page: REST ≥ 1.2 x native `search_read`", "search.rest", "search.jsonrpc", minimum_ratio=1.2),
    Target(
        "Throttling on vs off: ≤ 5 % throughput difference",
        "read.rest_throttled",
        "read.rest",
        maximum_difference=0.05,
    ),
)
# Ratios reported without a target.
CONTEXT_RATIOS = (
    ("80-record page: REST vs bare controller", "search.rest", "search.bare"),
    ("Create: REST vs native `create`", "create.rest", "create.jsonrpc"),
    ("`name_search`: REST `execute_kw` vs native", "name_search.rest", "name_search.jsonrpc"),
    ("Single-record read: native `/jsonrpc` vs Odoo's `/web/health`", "read.jsonrpc", "health.odoo"),
)

# Server CPU per request, measured vs reference.
CPU_COMPARISONS = (
    ("Single-record read: REST vs native `/jsonrpc`", "read.rest", "read.jsonrpc"),
    ("Single-record read: REST vs bare controller", "read.rest", "read.bare"),
    ("80-record page: REST vs native `search_read`", "search.rest", "search.jsonrpc"),
    ("Throttling on vs off (single-record read)", "read.rest_throttled", "read.rest"),
)


def summarize(rounds):
    """The median of each figure over the rounds (robust to one disturbed round)."""
    latency_names = rounds[0]["latency_ms"].keys()
    summary = {
        "rps": round(statistics.median(r["rps"] for r in rounds), 1),
        "latency_ms": {
            name: round(statistics.median(r["latency_ms"][name] for r in rounds), 2) for name in latency_names
        },
        "requests": sum(r["requests"] for r in rounds),
        "errors": sum(sum(r["errors"].values()) for r in rounds),
        "client_cpu_percent": round(statistics.median(r["client_cpu_percent"] for r in rounds), 1),
    }
    server_cpu = [_round_value(r, "server_cpu_ms") for r in rounds]
    if None not in server_cpu:
        summary["server_cpu_ms"] = round(statistics.median(server_cpu), 3)
    return summary


def _figure(scenarios, name, figure="rps"):
    scenario = scenarios.get(name)
    if not scenario or scenario["status"] != "ok":
        return None
    return scenario["summary"].get(figure)


def _round_value(result, figure):
    """One round's ``figure``; ``server_cpu_ms`` is Odoo's + PostgreSQL's (None in runs recorded before it was)."""
    if figure == "server_cpu_ms":
        cpu = result.get(figure)
        return sum(cpu.values()) if cpu else None
    return result.get(figure)


def paired_ratio(scenarios, measured_name, reference_name, figure="rps"):
    """``(median, lowest, highest)`` over the rounds of measured / reference within each round; None
    when either was not measured.

    The scenarios of one round run within a minute or two of each other, under the same host
    conditions, while a shared machine's speed drifts far more between rounds: the median of the
    per-round ratios is much steadier than the ratio of the medians.
    """
    measured, reference = scenarios.get(measured_name), scenarios.get(reference_name)
    if not measured or not reference or measured["status"] != "ok" or reference["status"] != "ok":
        return None
    pairs = [
        (_round_value(mine, figure), _round_value(theirs, figure))
        for mine, theirs in zip(measured["rounds"], reference["rounds"], strict=False)
    ]
    if not pairs or any(None in pair for pair in pairs):
        return None
    ratios = [mine / theirs for mine, theirs in pairs if theirs]
    if not ratios:
        return None
    return statistics.median(ratios), min(ratios), max(ratios)


def paired_rows(rounds, reference_name, measured_name, figures, relative=True):
    """Markdown table rows comparing two ways measured in paired rounds (``{name: [round, ...]}``):
    per ``(figure, label)``, the median of each way's rounds (the reference first) and the median
    of the per-round ratios measured / reference with their range, as a change (``+4.1%``) when
    ``relative``, else as a ratio."""
    scenarios = {name: {"status": "ok", "rounds": runs} for name, runs in rounds.items()}
    rows = []
    for figure, label in figures:
        medians = [
            statistics.median(_round_value(r, figure) for r in rounds[name]) for name in (reference_name, measured_name)
        ]
        median, lowest, highest = paired_ratio(scenarios, measured_name, reference_name, figure)
        if relative:
            change = f"{median - 1:+.1%} ({lowest - 1:+.1%} to {highest - 1:+.1%})"
        else:
            change = f"{median:.3f} ({lowest:.3f} to {highest:.3f})"
        rows.append(f"| {label} | {medians[0]:.3f} | {medians[1]:.3f} | {change} |")
    return rows


def _medians_text(scenarios, measured_name, reference_name, figure="rps"):
    measured, reference = _figure(scenarios, measured_name, figure), _figure(scenarios, reference_name, figure)
    if figure == "rps":
        return f"medians {measured:.0f} vs {reference:.0f} req/s"
    return f"medians {measured:.2f} vs {reference:.2f} ms"


def _ratio_text(ratio, scenarios, measured_name, reference_name):
    median, lowest, highest = ratio
    medians = _medians_text(scenarios, measured_name, reference_name)
    return f"{median:.2f}x (rounds {lowest:.2f}-{highest:.2f}; {medians})"


def evaluate_targets(scenarios):
    """(label, measured text, verdict) for each target; verdict 'met', 'MISSED' or 'not measured'."""
    rows = []
    for target in TARGETS:
        ratio = paired_ratio(scenarios, target.measured, target.reference)
        if ratio is None:
            rows.append((target.label, "n/a", "not measured"))
            continue
        if target.minimum_ratio is not None:
            text = _ratio_text(ratio, scenarios, target.measured, target.reference)
            met = ratio[0] >= target.minimum_ratio
        else:
            median, lowest, highest = ratio
            difference = abs(1 - median)
            medians = _medians_text(scenarios, target.measured, target.reference)
            text = f"{difference:.1%} (rounds {1 - highest:+.1%} to {1 - lowest:+.1%}; {medians})"
            met = difference <= target.maximum_difference
        rows.append((target.label, text, "met" if met else "MISSED"))
    return rows


def context_ratios(scenarios):
    rows = []
    for label, measured_name, reference_name in CONTEXT_RATIOS:
        ratio = paired_ratio(scenarios, measured_name, reference_name)
        if ratio is not None:
            rows.append((label, _ratio_text(ratio, scenarios, measured_name, reference_name)))
    return rows


def cpu_comparisons(scenarios):
    """What a request costs the server (Odoo + PostgreSQL CPU) in the compared scenarios: the figure
    behind each throughput ratio. Paired per round like the throughput ratios."""
    rows = []
    for label, measured_name, reference_name in CPU_COMPARISONS:
        ratio = paired_ratio(scenarios, measured_name, reference_name, "server_cpu_ms")
        if ratio is not None:
            median, lowest, highest = ratio
            medians = _medians_text(scenarios, measured_name, reference_name, "server_cpu_ms")
            rows.append((label, f"{median - 1:+.1%} (rounds {lowest - 1:+.1%} to {highest - 1:+.1%}; {medians})"))
    return rows


def worker_growth_mib(phase):
    """Growth of each worker that served the whole phase (a recycled worker has no after figure)."""
    return [
        (worker["rss_after"] - worker["rss_before"]) / MIB
        for worker in phase["workers"]
        if worker.get("rss_after") is not None
    ]


def evaluate_memory(memory):
    """(text, verdict): REST's worst per-worker growth against the native run's, same request count."""
    phases = {phase["name"]: phase for phase in memory.get("phases", [])}
    native, rest = phases.get("native"), phases.get("rest")
    if not native or not rest or not worker_growth_mib(native) or not worker_growth_mib(rest):
        return "n/a", "not measured"
    native_growth, rest_growth = max(worker_growth_mib(native)), max(worker_growth_mib(rest))
    text = (
        f"worst worker +{rest_growth:.1f} MiB over {rest['requests']:,} REST requests, "
        f"+{native_growth:.1f} MiB over {native['requests']:,} native ones"
    )
    return text, "met" if rest_growth <= native_growth + MEMORY_TOLERANCE_MIB else "MISSED"


def busy_machine_warning(load_before):
    """A warning when other work was running: the figures then say little."""
    one_minute = float(load_before.split(",")[0])
    if one_minute <= BUSY_LOAD:
        return []
    return [
        f"**Warning: the machine was busy when this run started (load average {one_minute:.2f}). "
        "The figures below are not representative; rerun on an idle machine.**",
        "",
    ]


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _cpu_section(scenarios):
    rows = cpu_comparisons(scenarios)
    if not rows:
        return []
    return [_table(("server CPU per request (Odoo + PostgreSQL)", "measured vs reference"), rows), ""]


def render_markdown(results, chart_name=None):
    scenarios = {scenario["name"]: scenario for scenario in results["scenarios"]}
    settings, machine = results["settings"], results["machine"]
    measurement_rows, not_measured = [], {}
    for scenario in results["scenarios"]:
        if scenario["status"] != "ok":
            measurement_rows.append((scenario["label"], "not measured", "", "", "", "", "", ""))
            not_measured.setdefault(scenario["reason"], []).append(f"`{scenario['name']}`")
            continue
        summary = scenario["summary"]
        latency = summary["latency_ms"]
        measurement_rows.append(
            (
                scenario["label"],
                f"{summary['rps']:.1f}",
                f"{latency['p50']:.1f}",
                f"{latency['p95']:.1f}",
                f"{latency['p99']:.1f}",
                summary["errors"],
                f"{summary['client_cpu_percent']:.0f} %",
                f"{summary['server_cpu_ms']:.2f}" if "server_cpu_ms" in summary else "",
            )
        )
    memory_text, memory_verdict = evaluate_memory(results.get("memory", {}))
    target_rows = [
        *evaluate_targets(scenarios),
        ("Memory: no per-worker growth beyond Odoo's own", memory_text, memory_verdict),
    ]
    out = [
        "# Benchmarks: the REST API next to Odoo's native external API",
        "",
        f"Measured {results['date']} on commit `{results['commit']}` with:",
        "",
        f"    {results['command']}",
        "",
        *busy_machine_warning(machine["load_before"]),
        "## Setup",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB RAM; "
        f"{machine['os']}; Python {machine['python']}; Odoo {machine['odoo']}; PostgreSQL {machine['postgresql']}; "
        f"{machine['wrk']}.",
        f"- Load average when the run started, before its own work: {machine['load_before']} (1, 5, 15 min).",
        f"- Database: {results['data']['partners']:,} partners, {results['data']['products']:,} products, "
        "generated from a fixed seed (`benchmarks/prepare_data.py`).",
        f"- Odoo: `{settings['server']}`, on loopback, log level warn.",
        f"- Load: wrk, 1 thread, {settings['connections']} connections, {settings['duration']} s per scenario "
        f"after a {settings['warmup']} s warm-up, {settings['rounds']} interleaved rounds; figures are the medians "
        "of the rounds, ratios the medians of the ratios within each round (with their range over the rounds). "
        "Each scenario replays a fixed list of requests round-robin "
        f"({settings['distinct_reads']} different partners for the reads, {settings['pages']} pages for the searches). "
        '"wrk CPU" is the load generator\'s own CPU use; "server CPU" is the CPU time the Odoo server '
        "(master and workers) and PostgreSQL used per request, median of the rounds.",
        "",
        "## Against the targets",
        "",
        _table(("target", "measured", "verdict"), target_rows),
        "",
        _table(("other ratios", "measured"), context_ratios(scenarios)),
        "",
        *_cpu_section(scenarios),
        "## Throughput and latency",
        "",
        _table(
            ("scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "wrk CPU", "server CPU ms/request"),
            measurement_rows,
        ),
    ]
    for reason, names in not_measured.items():
        out += ["", f"Not measured: {', '.join(names)} ({reason})."]
    if chart_name:
        out += ["", f"![requests per second and p95 latency]({chart_name})"]
    memory = results.get("memory", {})
    if memory.get("phases"):
        memory_rows = [
            (
                phase["label"],
                f"{phase['requests']:,}",
                worker["pid"],
                f"{worker['rss_before'] / MIB:.1f}",
                f"{worker['rss_after'] / MIB:.1f}" if worker.get("rss_after") is not None else "recycled",
                f"{(worker['rss_after'] - worker['rss_before']) / MIB:+.1f}" if worker.get("rss_after") else "",
            )
            for phase in memory["phases"]
            for worker in phase["workers"]
        ]
        out += [
            "",
            "## Memory",
            "",
            "RSS of each HTTP worker before and after a long run of a read-only mix (single-record read, "
            "80-record page, `name_search`) through each API, each on a server of its own, started afresh and "
            f"warmed up with that mix for {settings['warmup']} s; workers are not recycled (`--limit-request` "
            f"raised). Verdict tolerance: {MEMORY_TOLERANCE_MIB} MiB beyond the native run's growth.",
            "",
            _table(("run", "requests", "worker pid", "RSS before MiB", "RSS after MiB", "growth MiB"), memory_rows),
        ]
    if results.get("notes"):
        out += ["", "## Notes", "", *[f"- {note}" for note in results["notes"]]]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    data = json.loads(source.read_text())
    target.write_text(render_markdown(data, data.get("chart")))
