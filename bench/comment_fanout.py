"""Benchmark 11: one member's comment, announced by the pool to 1,000 followers.

The receivers are benchmark 4's (bench.receivers: 100 minimal HTTP/1.1 servers on 127.0.0.1
in another process); the followers are set up as there (the pool's followers collection and
cached remote actors, each with its own inbox, no shared inbox: one signed POST per follower),
through the storage layer before the node starts. The node is `poolnode serve` on 127.0.0.1.
In each round the node is started afresh (its delivery queue holds no connection), the admin
(a member) posts a comment on a proposal through C2S, and the clock runs from sending that
request until the node's database (read only) shows every follower's delivery of the pool's
``Announce`` done: the request, the thread, the Announce, the queue's work after the 202.
Against it: signing the same requests (the Announce's bytes, each follower's inbox, the pool's
key) alone in this process right after. The figure is the median of the per-round ratios.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.comments import Client, post_comment
from bench.fanout import _setup
from bench.poolsetup import InitInfo, init_node, open_proposal
from bench.procs import NodeProcess, cpu_seconds, free_port, read_only_db, start_module, stop
from bench.report import Row, steal_seconds
from bench.sizes import Sizes
from federation.httpsig import sign_request
from federation.keys import load_private_key_pem
from node.storage import ActorStore, Database

__all__ = ["run"]

NAME = "11 comment fan-out"


@dataclass(frozen=True, slots=True)
class _Round:
    elapsed: float
    counts: dict[str, int]
    signing: float
    node_cpu: float
    steal: float

    @property
    def ratio(self) -> float:
        return self.elapsed / self.signing if self.signing else float("inf")


def _counts(node: NodeProcess, after: int) -> dict[str, int]:
    """Delivery rows of the activities queued after outgoing row ``after``, by state."""
    with read_only_db(node.database) as conn:
        rows = conn.execute("SELECT state, COUNT(*) FROM deliveries WHERE activity_id > ? "
                            "GROUP BY state", (after,)).fetchall()
    return {str(s): int(n) for s, n in rows}


def _last_outgoing(node: NodeProcess) -> int:
    with read_only_db(node.database) as conn:
        row = conn.execute("SELECT COALESCE(MAX(id), 0) FROM outgoing_activities").fetchone()
    return int(row[0])


def _wait_delivered(node: NodeProcess, after: int, expected: int, deadline: float) -> dict[str, int]:
    while True:
        counts = _counts(node, after)
        done = sum(n for state, n in counts.items() if state != "queued")
        if counts.get("queued", 0) == 0 and done >= expected:
            return counts
        if time.monotonic() > deadline:
            raise TimeoutError(f"deliveries not done in time: {counts}")
        time.sleep(0.02)


def _announce(node: NodeProcess, after: int) -> tuple[bytes, list[str]]:
    """The Announce's bytes and the inboxes it went to."""
    with read_only_db(node.database) as conn:
        rows = conn.execute("SELECT id, body FROM outgoing_activities WHERE id > ?",
                            (after,)).fetchall()
        announce = [(i, bytes(b)) for i, b in rows if json.loads(b).get("type") == "Announce"]
        assert len(announce) == 1, f"{len(announce)} Announces queued"
        inboxes = [str(r[0]) for r in conn.execute(
            "SELECT inbox FROM deliveries WHERE activity_id = ?", (announce[0][0],))]
    return announce[0][1], inboxes


async def _pool_key(data_dir: Path, pool: str) -> tuple[str, str]:
    db = Database.in_data_dir(data_dir)
    await db.open()
    try:
        actor = await ActorStore(db).by_uri(pool)
        assert actor is not None and actor.rsa_private_pem is not None
        return actor.key_id, actor.rsa_private_pem
    finally:
        await db.close()


async def _seed(data_dir: Path, ports: list[int], followers: int) -> None:
    db, _ = await _setup(data_dir, ports, followers)
    await db.close()


def _round(node: NodeProcess, info: InitInfo, proposal: str, number: int, followers: int,
           key: tuple[str, str], time_limit: float) -> _Round:
    node.start()  # a freshly started queue, no connection open
    try:
        assert node.proc is not None
        after = _last_outgoing(node)
        client = Client(node.base_url)
        steal0 = steal_seconds()
        cpu0 = cpu_seconds(node.proc.pid)
        started = time.perf_counter()
        post_comment(client, node, info, proposal,
                     f"<p>Round {number}: the roofer can start on Monday.</p>")
        counts = _wait_delivered(node, after, followers, time.monotonic() + time_limit)
        elapsed = time.perf_counter() - started
        node_cpu = cpu_seconds(node.proc.pid) - cpu0
        client.close()
    finally:
        node.stop()
    body, inboxes = _announce(node, after)
    private = load_private_key_pem(key[1])
    t0 = time.perf_counter()
    for inbox in inboxes:
        sign_request("POST", inbox, body, key[0], private, datetime.now(UTC))
    signing = time.perf_counter() - t0
    return _Round(elapsed, counts, signing, node_cpu, steal_seconds() - steal0)


def run(sizes: Sizes) -> list[Row]:
    """Comment to every follower delivered, signing alone, and their ratio (median round)."""
    n, hosts, rounds = sizes.comment_followers, sizes.comment_hosts, sizes.comment_rounds
    receivers = start_module("bench.receivers")
    try:
        assert receivers.stdin is not None and receivers.stdout is not None
        receivers.stdin.write(json.dumps({
            "hosts": hosts, "time_limit": (sizes.comment_time_limit + 30) * (rounds + 1)}) + "\n")
        receivers.stdin.flush()
        ports = json.loads(receivers.stdout.readline())["ports"]
        with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
            node = NodeProcess(Path(tmp) / "node", free_port(),
                               env={"POOLNODE_COMMENTS_PER_HOUR": "0"})
            info = init_node(node)
            asyncio.run(_seed(node.data_dir, ports, n))
            key = asyncio.run(_pool_key(node.data_dir, info.pool))
            node.start()
            try:  # the proposal's own Announce to the followers is done before the rounds
                after = _last_outgoing(node)
                proposal = open_proposal(node, info, "Repair the roof")
                _wait_delivered(node, after, n, time.monotonic() + sizes.comment_time_limit)
            finally:
                node.stop()
            got = [_round(node, info, proposal, r + 1, n, key, sizes.comment_time_limit)
                   for r in range(rounds)]
        receivers.stdin.write("stop\n")
        receivers.stdin.flush()
        seen = json.loads(receivers.stdout.readline())
    finally:
        stop(receivers)
    middle = sorted(got, key=lambda r: r.ratio)[len(got) // 2]
    each = ", ".join(f"{r.ratio:.2f}" for r in got)
    steal = ", ".join(f"{r.steal * 1000:.0f}" for r in got)
    # every follower got the proposal's Announce and one per round's comment, once each
    complete = (all(r.counts.get("delivered", 0) == n for r in got)
                and seen["distinct"] == n * (rounds + 1) and seen["duplicates"] == 0)
    return [
        Row(NAME, f"C2S comment -> pool's Announce delivered to {n:,} followers on {hosts} hosts",
            middle.elapsed * 1000, "ms",
            note=f"the median round of {rounds} (each a freshly started node); rows {middle.counts}",
            rounds=tuple(r.elapsed * 1000 for r in got)),
        Row(NAME, f"sign the same {n:,} requests alone", middle.signing * 1000, "ms",
            note="the Announce's bytes and inboxes, the pool's key, right after that round",
            rounds=tuple(r.signing * 1000 for r in got)),
        Row(NAME, "node's CPU from the request until all delivered", middle.node_cpu * 1000, "ms",
            note="the serving process, every thread", rounds=tuple(r.node_cpu * 1000 for r in got)),
        Row(NAME, "comment fan-out / signing alone", middle.ratio, "x", "<= 2x",
            middle.ratio <= 2.0,
            f"median of per-round ratios ({each}); CPU steal per round {steal} ms",
            rounds=tuple(r.ratio for r in got)),
        Row(NAME, "every follower delivered once (the proposal and each comment)", float(complete), "", "= 1", complete,
            f"receivers got {seen['posts']} POSTs for {rounds + 1} activities (the proposal's "
            f"and {rounds} comments), {seen['duplicates']} duplicates"),
    ]
