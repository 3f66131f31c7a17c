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

    @property
    def per_second(self) -> float:
        """Accepted requests per second of the measured phase."""
        return self.accepted / self.elapsed if self.elapsed > 0 else 0.0


def _load(target: str, sizes: Sizes, prefix: str, requests: int | None = None) -> LoadResult:
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
    return _load(node.base_url + "/inbox", sizes, prefix, requests)


def unavailable_reason(result: LoadResult) -> str | None:
    """Why the node's inbox could not be measured, or None if it accepted activities."""
    if 202 in result.warmup_statuses and result.accepted:
        return None
    seen = sorted(set(result.warmup_statuses) | {int(s) for s in result.statuses})
    if seen and set(seen) <= {404, 405}:
        return "not available: POST /inbox is not routed by node/app.py"
    return f"not available: the inbox answered {seen}, no 202"


def run(sizes: Sizes) -> list[Row]:
    """Node vs baseline throughput, latency percentiles, and stored-once check."""
    baseline = load_baseline(sizes)
    with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
        node = NodeProcess(Path(tmp) / "node", free_port())
        node.init()
        node.start()
        try:
            result = load_node(node, sizes, "inbox")
        finally:
            log = node.stop()
        reason = unavailable_reason(result)
        rows = [Row(NAME, "baseline accepted/s (bare aiohttp 202)", baseline.per_second, "/s",
                    note=f"p50 {baseline.p50_ms:.1f} ms, p99 {baseline.p99_ms:.1f} ms")]
        if reason is not None:
            tail = log.strip().splitlines()[-1:] if log.strip() else []
            return [*rows, Row(NAME, "node accepted/s", None, "/s", ">= 0.5x baseline", None, reason + (f" ({tail[0][:120]})" if tail else ""))]
        stored, distinct = stored_counts(node, result.accepted_ids)
        ratio = result.per_second / baseline.per_second if baseline.per_second else 0.0
        once = stored == distinct == len(set(result.accepted_ids)) == len(result.accepted_ids)
        return [*rows, Row(NAME, "node accepted/s", result.per_second, "/s", note=f"{result.accepted}/{sizes.inbox_requests} accepted, " f"concurrency {sizes.inbox_concurrency}, statuses {result.statuses}"), Row(NAME, "node / baseline throughput", ratio, "x", ">= 0.5x", ratio >= 0.5), Row(NAME, "node p50 latency", result.p50_ms, "ms"), Row(NAME, "node p99 latency", result.p99_ms, "ms", f"< {P99_TARGET_MS:.0f} ms", result.p99_ms < P99_TARGET_MS), Row(NAME, "accepted activities stored exactly once", float(stored), "rows", f"= {len(result.accepted_ids)} accepted", once, f"{distinct} distinct ids (incl. 3 warm-up)")]
