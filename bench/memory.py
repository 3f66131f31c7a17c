"""Benchmark 6: resident memory (VmRSS from /proc) of a node, idle and with members.

* An idle node: `poolnode serve` right after start-up (and one request).
* The same node with ``memory_members`` members of its pool, loaded through the storage
  layer (``ActorStore.add_membership``) before it starts.
* Ballots storage has not landed (schema 4 is a placeholder), so the 10,000 members +
  100,000 ballots figure is the governance in-memory state (electorate + ``TallyState``
  holding every ballot) in a process that has the node's modules loaded.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.procs import NodeProcess, free_port, run_module
from bench.report import Row
from bench.sizes import Sizes
from node.storage import ActorStore, Database

__all__ = ["run"]

NAME = "6 memory"
MB = 1024 * 1024


async def add_members(data_dir: Path, count: int) -> None:
    """Make ``count`` people members of the node's first pool, via the storage layer."""
    db = Database.in_data_dir(data_dir)
    await db.open()
    try:
        actors = ActorStore(db)
        pool = (await actors.all("pool"))[0]
        for i in range(count):
            await actors.add_membership(
                pool.id, f"https://remote{i % 100}.example/users/m{i}", ("member",),
                "2025-03-01T12:00:00Z",
            )
    finally:
        await db.close()


def _settled_rss(node: NodeProcess) -> int:
    with urllib.request.urlopen(node.base_url + "/nodeinfo/2.1", timeout=5):
        pass
    time.sleep(1.0)
    return node.rss()


def run(sizes: Sizes) -> list[Row]:
    """Idle node, node with members, governance state with ballots."""
    with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
        node = NodeProcess(Path(tmp) / "node", free_port())
        node.init()
        node.start()
        try:
            idle = _settled_rss(node)
        finally:
            node.stop()
        asyncio.run(add_members(node.data_dir, sizes.memory_members))
        node.start()
        try:
            with_members = _settled_rss(node)
        finally:
            node.stop()
    state = run_module(
        "bench.memory_state",
        {"members": sizes.memory_members, "ballots": sizes.memory_ballots},
        timeout=300,
    )
    return [
        Row(NAME, "idle node (VmRSS after start-up)", idle / MB, "MB", "< 80 MB", idle < 80 * MB),
        Row(NAME, f"node with {sizes.memory_members:,} pool members in its DB", with_members / MB,
            "MB", note="members loaded via ActorStore.add_membership; the node keeps them in SQLite"),
        Row(NAME, f"{sizes.memory_members:,} members + {sizes.memory_ballots:,} ballots",
            state["after"] / MB, "MB", "< 200 MB", state["after"] < 200 * MB,
            f"governance in-memory state in a process with the node's code "
            f"(+{(state['after'] - state['before']) / MB:.0f} MB over its {state['before'] / MB:.0f} MB "
            "start): ballots storage not landed"),
    ]
