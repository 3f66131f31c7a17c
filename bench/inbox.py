"""Benchmark 1: signed Create activities POSTed concurrently to a node's shared inbox.

The node is `poolnode serve` in its own process; the load generator (bench.loadgen) is
another process that also serves the signing actor's document. The baseline is a bare
aiohttp app (bench.baseline_server) under the same load generator and concurrency.
After the run, a read-only query checks that every accepted activity is stored once.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.procs import (
    ROOT,
    NodeProcess,
    cpu_seconds,
    free_port,
    read_only_db,
    run_module,
    stop,
    wait_http,
)
from bench.report import Row, percentile
from bench.sizes import Sizes

__all__ = ["LoadResult", "load_node", "run"]

NAME = "1 inbox"
P99_TARGET_MS = 50.0
ROUNDS = 3


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one load run measured."""

    accepted: int
    completed: int
    elapsed: float
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int]
    warmup_statuses: list[int]
    accepted_ids: list[str]
    timed_out: bool
    server_cpu: float | None = None
    loadgen_cpu: float | None = None

    @property
    def cpu_ms_per_request(self) -> float | None:
        """The server's CPU (user + system) per completed request, warm-ups included."""
        done = self.completed + len(self.warmup_statuses)
        return self.server_cpu * 1000 / done if self.server_cpu is not None and done else None

    @property
    def per_second(self) -> float:
        """Accepted requests per second of the measured phase."""
        return self.accepted / self.elapsed if self.elapsed > 0 else 0.0


def _load(target: str, sizes: Sizes, prefix: str, requests: int | None = None,
          server_pid: int | None = None) -> LoadResult:
    # The server's CPU time is a figure a busy machine changes far less than throughput.
    cpu_before = cpu_seconds(server_pid) if server_pid is not None else None
    answer: dict[str, Any] = run_module(
        "bench.loadgen",
        {
            "target": target,
            "requests": requests or sizes.inbox_requests,
            "concurrency": sizes.inbox_concurrency,
            "warmup": 3,
            "time_limit": sizes.load_time_limit,
            "id_prefix": prefix,
        },
        timeout=sizes.load_time_limit + 120,
    )
    latencies = answer["latencies"]
    measured_accepted = answer["statuses"].get("202", 0)
    return LoadResult(
        accepted=measured_accepted,
        completed=answer["completed"],
        elapsed=answer["elapsed"],
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        statuses=answer["statuses"],
        warmup_statuses=answer["warmup_statuses"],
        accepted_ids=answer["accepted_ids"],
        timed_out=answer["timed_out"],
        server_cpu=(cpu_seconds(server_pid) - cpu_before
                    if server_pid is not None and cpu_before is not None else None),
        loadgen_cpu=answer.get("cpu_seconds"),
    )


def load_baseline(sizes: Sizes) -> LoadResult:
    """The same load against a bare aiohttp app that answers 202."""
    port = free_port()
    proc = subprocess.Popen(
        [__import__("sys").executable, "-m", "bench.baseline_server", str(port)], cwd=ROOT
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/nodeinfo/2.1", time.monotonic() + 20, proc)
        return _load(f"http://127.0.0.1:{port}/inbox", sizes, "baseline")
    finally:
        stop(proc)


def stored_counts(node: NodeProcess, ids: list[str]) -> tuple[int, int]:
    """(rows whose activity_id is one of ``ids``, distinct such ids), read-only."""
    with read_only_db(node.database) as conn:
        conn.execute("CREATE TEMP TABLE wanted (id TEXT PRIMARY KEY)")
        conn.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", [(i,) for i in ids])
        rows, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT activity_id) FROM inbox_items"
            " WHERE activity_id IN (SELECT id FROM wanted)"
        ).fetchone()
    return int(rows), int(distinct)


def load_node(node: NodeProcess, sizes: Sizes, prefix: str, requests: int | None = None
              ) -> LoadResult:
    """The load against a running node's shared inbox."""
    return _load(node.base_url + "/inbox", sizes, prefix, requests,
                 node.proc.pid if node.proc is not None else None)


def unavailable_reason(result: LoadResult) -> str | None:
    """Why the node's inbox could not be measured, or None if it accepted activities."""
    if 202 in result.warmup_statuses and result.accepted:
        return None
    seen = sorted(set(result.warmup_statuses) | {int(s) for s in result.statuses})
    if seen and set(seen) <= {404, 405}:
        return "not available: POST /inbox is not routed by node/app.py"
    return f"not available: the inbox answered {seen}, no 202"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if len(ordered) % 2 else (
        ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2


def _rounds(sizes: Sizes) -> int:
    # A full run alternates baseline and node ROUNDS times and reports medians: on a small
    # shared machine one round of either can be off by 2x; the smoke run does one.
    return ROUNDS if sizes.inbox_requests >= 1000 else 1


def run(sizes: Sizes) -> list[Row]:
    """Node vs baseline throughput, latency percentiles, and stored-once check (medians of rounds)."""
    rounds = _rounds(sizes)
    port = free_port()
    base_proc = subprocess.Popen(
        [__import__("sys").executable, "-m", "bench.baseline_server", str(port)], cwd=ROOT
    )
    baselines: list[LoadResult] = []
    results: list[LoadResult] = []
    try:
        wait_http(f"http://127.0.0.1:{port}/nodeinfo/2.1", time.monotonic() + 20, base_proc)
        with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
            node = NodeProcess(Path(tmp) / "node", free_port())
            node.init()
            node.start()
            try:
                for n in range(rounds):
                    baselines.append(_load(f"http://127.0.0.1:{port}/inbox", sizes, f"baseline{n}",
                                           server_pid=base_proc.pid))
                    results.append(load_node(node, sizes, f"inbox{n}"))
                    if unavailable_reason(results[-1]) is not None:
                        break
            finally:
                log = node.stop()
            return _rows(node, sizes, baselines, results, log)
    finally:
        stop(base_proc)


def _cpu_rows(baselines: list[LoadResult], results: list[LoadResult]) -> list[Row]:
    node_cpu = [c for r in results if (c := r.cpu_ms_per_request) is not None]
    base_cpu = [c for b in baselines if (c := b.cpu_ms_per_request) is not None]
    if not node_cpu or not base_cpu:
        return []
    return [
        Row(NAME, "node CPU per activity (verify, check, store, answer)", _median(node_cpu), "ms",
            note="median of rounds (" + ", ".join(f"{c:.2f}" for c in node_cpu) + "); baseline "
                 f"{_median(base_cpu):.2f} ms per request; CPU time varies less than "
                 "throughput on a shared machine"),
    ]


def _rows(node: NodeProcess, sizes: Sizes, baselines: list[LoadResult],
          results: list[LoadResult], log: str) -> list[Row]:
    base_rate = _median([b.per_second for b in baselines])
    spread = ", ".join(f"{b.per_second:,.0f}" for b in baselines)
    rows = [Row(NAME, "baseline accepted/s (bare aiohttp 202)", base_rate, "/s",
                note=f"median of {len(baselines)} rounds ({spread}); p99 "
                     f"{_median([b.p99_ms for b in baselines]):.1f} ms")]
    reason = unavailable_reason(results[-1])
    if reason is not None:
        tail = log.strip().splitlines()[-1:] if log.strip() else []
        return [*rows, Row(NAME, "node accepted/s", None, "/s", ">= 0.5x baseline", None,
                           reason + (f" ({tail[0][:120]})" if tail else ""))]
    ids = [i for r in results for i in r.accepted_ids]
    stored, distinct = stored_counts(node, ids)
    ratios = [r.per_second / b.per_second if b.per_second else 0.0
              for r, b in zip(results, baselines, strict=True)]
    ratio = _median(ratios)
    p99 = _median([r.p99_ms for r in results])
    once = stored == distinct == len(set(ids)) == len(ids)
    statuses: dict[str, int] = {}
    for r in results:
        for status, count in r.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    accepted = sum(r.accepted for r in results)
    return [
        *rows,
        Row(NAME, "node accepted/s", _median([r.per_second for r in results]), "/s",
            note=f"{accepted}/{sizes.inbox_requests * len(results)} accepted in "
                 f"{len(results)} rounds ({', '.join(f'{r.per_second:,.0f}' for r in results)}),"
                 f" concurrency {sizes.inbox_concurrency}, statuses {statuses}"),
        Row(NAME, "node / baseline throughput", ratio, "x", ">= 0.5x", ratio >= 0.5,
            "median of per-round ratios (" + ", ".join(f"{x:.2f}" for x in ratios) + ")"),
        Row(NAME, "node p50 latency", _median([r.p50_ms for r in results]), "ms"),
        *_cpu_rows(baselines, results),
        Row(NAME, "node p99 latency", p99, "ms", f"< {P99_TARGET_MS:.0f} ms",
            p99 < P99_TARGET_MS, "median of rounds (" + ", ".join(
                f"{r.p99_ms:.0f}" for r in results) + ")"),
        Row(NAME, "accepted activities stored exactly once", float(stored), "rows",
            f"= {len(ids)} accepted", once, f"{distinct} distinct ids (incl. warm-ups)"),
    ]
