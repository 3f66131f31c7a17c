"""The bench table: the machine is measured before the first benchmark, spreads are printed."""

from __future__ import annotations

from typing import Any

import pytest

import bench.__main__ as bench_main
from bench.report import Row, render_table
from bench.sizes import Sizes

INFO = {"cpu": "cpu", "cores": 2, "implementation": "CPython", "python": "3.11",
        "platform": "linux", "load_average": "0.50 0.40 0.30", "calibration_ms": 200.0,
        "load_average_end": "1.50 1.00 0.50"}


def test_the_spread_of_rounds_is_printed_for_every_row_that_has_rounds() -> None:
    rows = [
        Row("4 fan-out", "delivery / signing alone", 1.3, "x", "<= 2x", True, "median",
            rounds=(1.03, 1.3, 1.5)),
        Row("3 tally", "incremental update per ballot", 4.8, "us", rounds=(4.8,)),
        Row("4 fan-out", "every follower delivered once", 1.0, "", "= 1", True),
    ]
    table = render_table(rows, INFO)
    lines = table.splitlines()
    assert "rounds: low-high (n)" in lines[1]
    assert "1.03-1.5 x (3)" in lines[3] and "4.8 us (1)" in lines[4]
    assert lines[5].split()[-4:] == ["-", "=", "1", "yes"]
    assert "load average 0.50 0.40 0.30 at the start" in lines[0]
    assert "before the first benchmark" in lines[0] and "1.50 1.00 0.50 at the end" in lines[0]
    markdown = render_table(rows, INFO, markdown=True)
    assert "| 1.3 x | 1.03-1.5 x (3) | <= 2x | yes | median |" in markdown


def test_the_machine_is_measured_before_the_first_benchmark(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    events: list[str] = []

    def measure() -> dict[str, Any]:
        events.append("machine")
        return dict(INFO)

    def benchmark(sizes: Sizes) -> list[Row]:
        events.append("benchmark")
        return [Row("99 fake", "a figure", 1.0, "x")]

    monkeypatch.setattr(bench_main, "machine", measure)
    monkeypatch.setattr(bench_main, "load_average", lambda: events.append("end") or "9 9 9")
    monkeypatch.setitem(bench_main.BENCHMARKS, "fake", benchmark)
    assert bench_main.main(["--smoke", "--only", "fake", "--out", str(tmp_path)]) == 0
    assert events == ["machine", "benchmark", "end"]
