"""Benchmark 7: does cost grow with history? Inbox throughput and tally time vs stored activities.

For each history size the node's database is pre-filled offline (``InboxStore.insert_batch``,
rows already processed) before `poolnode serve` starts; then the inbox load runs as in
benchmark 1. Ballots storage has not landed, so the tally figure is the governance core's
recount of one proposal holding that many ballots, per ballot (flat means linear).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench import govdata
from bench.inbox import load_node, stored_counts, unavailable_reason
from bench.procs import NodeProcess, free_port
from bench.report import Row
from bench.sizes import Sizes
from governance import tally
from node.storage import Database, InboxRow, InboxStore

__all__ = ["prefill", "run"]

NAME = "7 growth"
_CHUNK = 5000


async def prefill(data_dir: Path, count: int) -> None:
    """Store ``count`` received activities as history, through the storage layer."""
    db = Database.in_data_dir(data_dir)
    await db.open()
    try:
        store = InboxStore(db)
        now = int(time.time() * 1000)
        for start in range(0, count, _CHUNK):
            rows = []
            for n in range(start, min(count, start + _CHUNK)):
                activity_id = f"https://history.example/activities/{n}"
                document = (
                    f'{{"id":"{activity_id}","type":"Create","actor":"https://history.example/a",'
                    f'"object":{{"id":"https://history.example/notes/{n}","type":"Note",'
                    f'"content":"old note {n}"}}}}'
                )
                rows.append(InboxRow(activity_id, "Create", "https://history.example/a", None,
                                     document, now - 1000 * (count - n)))
            await store.insert_batch(rows)
        await db.execute("UPDATE inbox_items SET state = 'done', processed_at = received_at")
    finally:
        await db.close()


def _tally_per_ballot_us(count: int) -> float:
    members = max(1, count // 10)
    rule = govdata.rule()
    electorate = govdata.electorate(members)
    ballots = govdata.ballots(rule, members, count)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        tally(rule, electorate, ballots)
        best = min(best, time.perf_counter() - t0)
    return best / count * 1e6


def run(sizes: Sizes) -> list[Row]:
    """Throughput and tally cost at each history size, and the largest/smallest ratio."""
    rows: list[Row] = []
    throughput: list[float] = []
    for history in sizes.growth_history:
        with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
            node = NodeProcess(Path(tmp) / "node", free_port())
            node.init()
            asyncio.run(prefill(node.data_dir, history))
            node.start()
            try:
                result = load_node(node, sizes, f"growth{history}", sizes.growth_requests)
            finally:
                node.stop()
            reason = unavailable_reason(result)
            if reason is not None:
                rows.append(Row(NAME, f"inbox accepted/s, {history:,} stored", None, "/s",
                                note=reason))
                continue
            stored, distinct = stored_counts(node, result.accepted_ids)
            once = stored == distinct == len(result.accepted_ids)
            throughput.append(result.per_second)
            rows.append(Row(NAME, f"inbox accepted/s, {history:,} stored", result.per_second,
                            "/s", "stored once", once,
                            f"p99 {result.p99_ms:.1f} ms, {result.accepted}/"
                            f"{sizes.growth_requests} accepted"))
    if len(throughput) == len(sizes.growth_history) and throughput[0] > 0:
        ratio = throughput[-1] / throughput[0]
        rows.append(Row(NAME, f"inbox throughput {sizes.growth_history[-1]:,} / "
                              f"{sizes.growth_history[0]:,} stored", ratio, "x", ">= 0.8x",
                        ratio >= 0.8))
    per_ballot = [_tally_per_ballot_us(n) for n in sizes.growth_history]
    for n, us in zip(sizes.growth_history, per_ballot, strict=False):
        rows.append(Row(NAME, f"tally recount per ballot, {n:,} ballots", us, "us",
                        note="governance core (ballots storage not landed)"))
    ratio = per_ballot[-1] / per_ballot[0]
    rows.append(Row(NAME, "tally per-ballot cost largest / smallest", ratio, "x", "<= 1.5x",
                    ratio <= 1.5))
    return rows
