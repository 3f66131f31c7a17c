"""Benchmark 7: does cost grow with history? Inbox throughput and tally time vs stored activities.

For each history size the node's database is pre-filled offline (``InboxStore.insert_batch``,
rows already processed) before `poolnode serve` starts; then the inbox load runs as in
benchmark 1. Then the same database gets one proposal holding that many stored ballots
(``bench.poolsetup.seed_ballots``, from size/10 members, so later rounds replace earlier
answers) and the pool engine's recount is timed on it: ``node.pool_engine.recount`` reads
every ballot of the proposal from the node's database, decodes and counts it, and signs the
running Tally with their digest (what a process does when it first counts an open proposal,
e.g. after a restart). Best of three, per ballot (flat means linear).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bench import govdata
from bench.inbox import load_node, stored_counts, unavailable_reason
from bench.poolsetup import init_node, seed_ballots
from bench.procs import NodeProcess, free_port
from bench.report import Row
from bench.sizes import Sizes
from node.appkeys import DB
from node.pool_engine import recount
from node.storage import ActorStore, Database, GovernanceStore, InboxRow, InboxStore

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


async def _recount_seconds(data_dir: Path, pool_uri: str, proposal_uri: str) -> tuple[float, int]:
    """Best of three ``recount`` of the stored proposal; (seconds, ballots it counted)."""
    db = Database.in_data_dir(data_dir)
    await db.open()
    try:
        app = web.Application()
        app[DB] = db
        pool = await ActorStore(db).by_uri(pool_uri)
        stored = await GovernanceStore(db).proposal(proposal_uri)
        assert pool is not None and stored is not None
        at = datetime.now(UTC)
        best, counted = float("inf"), 0
        for _ in range(3):
            t0 = time.perf_counter()
            _, document = await recount(app, pool, stored, at, final=False)
            best = min(best, time.perf_counter() - t0)
            counted = int(document["ballotCount"])
        return best, counted
    finally:
        await db.close()


def _tally_per_ballot_us(node: NodeProcess, pool_uri: str, count: int) -> tuple[float, int]:
    """Store ``count`` ballots on one proposal of the (stopped) node, then time its recount."""
    members = [govdata.member(i) for i in range(max(1, count // 10))]
    (proposal,) = asyncio.run(seed_ballots(node.data_dir, pool_uri, members, [count], sign=False))
    seconds, counted = asyncio.run(_recount_seconds(node.data_dir, pool_uri, proposal))
    return seconds / count * 1e6, counted


def run(sizes: Sizes) -> list[Row]:
    """Throughput and tally cost at each history size, and the largest/smallest ratio."""
    rows: list[Row] = []
    throughput: list[float] = []
    per_ballot: list[float] = []
    recounted: list[int] = []
    for history in sizes.growth_history:
        with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
            node = NodeProcess(Path(tmp) / "node", free_port())
            info = init_node(node)
            asyncio.run(prefill(node.data_dir, history))
            node.start()
            try:
                result = load_node(node, sizes, f"growth{history}", sizes.growth_requests)
            finally:
                node.stop()
            us, counted = _tally_per_ballot_us(node, info.pool, history)
            per_ballot.append(us)
            recounted.append(counted)
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
    for n, us, counted in zip(sizes.growth_history, per_ballot, recounted, strict=True):
        rows.append(Row(NAME, f"tally recount per ballot, {n:,} stored ballots", us, "us",
                        note=f"node.pool_engine.recount from the node's database: "
                             f"{us * n / 1000:,.1f} ms for {counted:,} ballots, "
                             f"{max(1, n // 10):,} voters"))
    complete = recounted == list(sizes.growth_history)
    rows.append(Row(NAME, "every ballot counted in each recount", float(complete), "", "= 1",
                    complete, "ballots listed in each recount's Tally: " +
                    ", ".join(f"{c:,}" for c in recounted)))
    ratio = per_ballot[-1] / per_ballot[0]
    rows.append(Row(NAME, "tally per-ballot cost largest / smallest", ratio, "x", "<= 1.5x",
                    ratio <= 1.5))
    return rows
