"""Result rows, the machine's details, the printed table and the JSON files."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "RESULTS_DIR",
    "Row",
    "load_average",
    "machine",
    "percentile",
    "render_table",
    "write_results",
]

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True, slots=True)
class Row:
    """One measured figure; ``value`` None means the benchmark could not measure it (see note).

    ``rounds`` holds the figure of each round where the benchmark repeats its measurement
    (the value is then usually their median): the table prints their spread.
    """

    benchmark: str
    metric: str
    value: float | None
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""
    rounds: tuple[float, ...] = ()


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    return _load_average()


def _load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def steal_seconds() -> float:
    """CPU time the hypervisor has taken from this machine's CPUs since boot (0 if unknown).

    The difference over a measurement says whether a slow figure was this machine's own work
    or time its virtual CPUs did not get.
    """
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def calibration_ms() -> float:
    """Best of 5 runs of a fixed pure-Python loop (10 M additions), in ms.

    The same machine can run 1.5-2x slower from one hour to the next (shared hosts, CPU
    steal): this figure, taken with every run, tells two runs' speeds apart.
    """
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        sum(range(10_000_000))
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def machine() -> dict[str, Any]:
    """Where the figures were measured: they mean nothing without it.

    Taken before the first benchmark runs: the load average and the calibration loop then
    describe the machine the figures met, not the one the benchmarks left behind.
    """
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "load_average": _load_average(),
        "calibration_ms": calibration_ms(),
    }


def _number(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}" if abs(v) >= 0.01 else f"{v:.2g}"


def _format_value(row: Row) -> str:
    if row.value is None:
        return "n/a"
    return f"{_number(row.value)} {row.unit}".strip()


def _format_spread(row: Row) -> str:
    """The lowest and highest round and how many rounds, e.g. ``0.81-1.25 x (3)``."""
    if not row.rounds:
        return "-"
    low, high = min(row.rounds), max(row.rounds)
    span = _number(low) if low == high else f"{_number(low)}-{_number(high)}"
    return f"{span} {row.unit} ({len(row.rounds)})".replace("  ", " ")


def _format_met(row: Row) -> str:
    if row.met is None:
        return "-"
    return "yes" if row.met else "NO"


def render_table(rows: list[Row], info: dict[str, Any], *, markdown: bool = False) -> str:
    """One table of every row, headed by the machine's details."""
    header = ("benchmark", "metric", "value", "rounds: low-high (n)", "target", "met", "note")
    cells = [
        (r.benchmark, r.metric, _format_value(r), _format_spread(r), r.target, _format_met(r),
         r.note)
        for r in rows
    ]
    title = (
        f"{info['cpu']}, {info['cores']} cores, {info['implementation']} {info['python']}, "
        f"{info['platform']}"
    )
    if "calibration_ms" in info:
        title += (f"; load average {info.get('load_average', '?')} at the start; "
                  f"10M-addition loop {info['calibration_ms']} ms before the first benchmark "
                  "(this machine's speed then)")
    if "load_average_end" in info:
        title += f"; load average {info['load_average_end']} at the end"
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return f"Machine: {title}\n\n" + "\n".join(lines)
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h)
              for i, h in enumerate(header[:-1])]

    def line(row: tuple[str, ...]) -> str:
        padded = (c.ljust(w) for c, w in zip(row[:-1], widths, strict=True))
        return "  ".join(padded) + "  " + row[-1]

    out = [title, line(header), line((*tuple("-" * w for w in widths), "----"))]
    out += [line(c) for c in cells]
    return "\n".join(out)


def write_results(
    rows: list[Row], info: dict[str, Any], command: str, started: datetime, directory: Path
) -> Path:
    """Write ``<timestamp>.json`` and ``latest.json``; returns the timestamped path."""
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "command": command,
        "started_at": started.astimezone(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "results": [asdict(r) for r in rows],
    }
    text = json.dumps(document, indent=2) + "\n"
    path = directory / f"{started.astimezone(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path
