"""Chart of a benchmark run: requests/s and p95 latency per operation and implementation.

Runs in the tools virtualenv (matplotlib, requirements-tools.txt), not in Odoo's Python:
    .venv-tools/bin/python benchmarks/chart.py benchmarks/results.json benchmarks/results.png
"""

import json
import sys
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt

IMPLEMENTATIONS = (
    ("rest", "REST API", "#1f77b4"),
    ("rest_throttled", "REST API, throttled key", "#6baed6"),
    ("jsonrpc", "native /jsonrpc", "#ff7f0e"),
    ("bare", "bare controller", "#7f7f7f"),
    ("odoo", "Odoo /web/health", "#2ca02c"),
)


def draw(results, target):
    scenarios = [s for s in results["scenarios"] if s["status"] == "ok"]
    operations = list(dict.fromkeys(s["operation"] for s in scenarios))
    by_key = {(s["operation"], s["implementation"]): s["summary"] for s in scenarios}
    present = [impl for impl in IMPLEMENTATIONS if any(impl[0] == s["implementation"] for s in scenarios)]
    width = 0.8 / max(1, len(present))
    figure, (rps_axis, latency_axis) = plt.subplots(1, 2, figsize=(13, 5.5))
    for index, (key, label, colour) in enumerate(present):
        positions, rps, p95 = [], [], []
        for position, operation in enumerate(operations):
            summary = by_key.get((operation, key))
            if summary:
                positions.append(position + (index - (len(present) - 1) / 2) * width)
                rps.append(summary["rps"])
                p95.append(summary["latency_ms"]["p95"])
        bars = rps_axis.bar(positions, rps, width, label=label, color=colour)
        rps_axis.bar_label(bars, fmt="%.0f", fontsize=7)
        latency_axis.bar(positions, p95, width, label=label, color=colour)
    for axis, title in (
        (rps_axis, "requests / s (higher is better)"),
        (latency_axis, "p95 latency, ms (lower is better)"),
    ):
        axis.set_xticks(range(len(operations)), operations)
        axis.set_title(title)
        axis.grid(axis="y", alpha=0.3)
    rps_axis.legend(fontsize=8)
    figure.suptitle(
        f"odoo-rest-api vs native external API — Odoo {results['settings']['server']}, "
        f"wrk {results['settings']['connections']} connections — {results['date']}, {results['commit']}",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(target, dpi=110)


if __name__ == "__main__":
    draw(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
