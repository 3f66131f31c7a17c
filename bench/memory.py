"""Benchmark 6: resident memory (VmRSS from /proc) of `poolnode serve`, idle and with history.

* An idle node right after start-up (and one request).
* The same node with ``memory_members`` members of its pool (``ActorStore.add_membership``).
* The same node with those members and ``memory_ballots`` stored ballots over ten proposals
  (``bench.poolsetup.seed_ballots``: the first proposal, the largest, has every member voting
  twice; the rest share the others), stored through the storage layer before the node starts:
  VmRSS after start-up, after ``GET {largest}/tally`` (the stored, pool-signed running Tally:
  counts and the digest of the ballots) and after ``GET {largest}/question`` (a full recount from the database:
  every ballot of the proposal read and decoded); the peak (VmHWM) after also reading every
  page of ``GET {largest}/ballots`` (the signed ballot documents, ``page_size`` a page, following
  ``next`` as a third party recounting the result does).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import govdata
from bench.poolsetup import ballot_counts, init_node, seed_ballots, seed_members
from bench.procs import NodeProcess, free_port
from bench.report import Row
from bench.sizes import Sizes

__all__ = ["run", "status_bytes"]

NAME = "6 memory"
MB = 1024 * 1024
PROPOSALS = 10
TARGET_MB = 200


def status_bytes(pid: int, field: str) -> int:
    """A size field of /proc/<pid>/status (VmRSS, VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for pid {pid}")


def _fetch(url: str) -> int:
    request = urllib.request.Request(url, headers={"Accept": "application/activity+json"})
    with urllib.request.urlopen(request, timeout=120) as resp:
        return len(resp.read())


def _read_pages(collection: str) -> tuple[int, int, int, int]:
    """Every page of a paged OrderedCollection from ``first``: (items, distinct ids, pages, bytes)."""
    request = urllib.request.Request(collection, headers={"Accept": "application/activity+json"})
    with urllib.request.urlopen(request, timeout=120) as resp:
        body = resp.read()
    items, pages, size = 0, 0, len(body)
    ids: set[str] = set()
    url: str | None = json.loads(body)["first"]
    while url is not None:
        request = urllib.request.Request(url, headers={"Accept": "application/activity+json"})
        with urllib.request.urlopen(request, timeout=120) as resp:
            body = resp.read()
        page = json.loads(body)
        items, pages, size = items + len(page["orderedItems"]), pages + 1, size + len(body)
        ids.update(item["id"] for item in page["orderedItems"])
        url = page.get("next")
    return items, len(ids), pages, size


def _settled_rss(node: NodeProcess, settle: float, url: str | None = None) -> int:
    _fetch(node.base_url + "/nodeinfo/2.1" if url is None else url)
    time.sleep(settle)
    return node.rss()


def run(sizes: Sizes) -> list[Row]:
    """Idle node, node with members, node with members and stored ballots."""
    members, ballots = sizes.memory_members, sizes.memory_ballots
    people = [govdata.member(i) for i in range(members)]
    counts = ballot_counts(ballots, PROPOSALS, members)
    settle = 0.2 if sizes.smoke else 1.0
    with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
        node = NodeProcess(Path(tmp) / "node", free_port())
        info = init_node(node)
        node.start()
        try:
            idle = _settled_rss(node, settle)
        finally:
            node.stop()
        asyncio.run(seed_members(node.data_dir, info.pool, people))
        node.start()
        try:
            with_members = _settled_rss(node, settle)
        finally:
            node.stop()
        t0 = time.perf_counter()
        proposals = asyncio.run(seed_ballots(node.data_dir, info.pool, people, counts, sign=False))
        seeding = time.perf_counter() - t0
        largest = proposals[0]
        node.start()
        try:
            started = _settled_rss(node, settle)
            tally_bytes = _fetch(largest + "/tally")
            after_tally = _settled_rss(node, settle)
            after_recount = _settled_rss(node, settle, largest + "/question")
            assert node.proc is not None
            peak_recount = status_bytes(node.proc.pid, "VmHWM")
            t0 = time.perf_counter()
            paged_items, distinct, pages, ballots_bytes = _read_pages(largest + "/ballots")
            paging = time.perf_counter() - t0
            time.sleep(settle)
            after_ballots = node.rss()
            assert node.proc is not None
            peak = status_bytes(node.proc.pid, "VmHWM")
        finally:
            node.stop()
        db_bytes = node.database.stat().st_size
    history = f"{members:,} members + {ballots:,} ballots"
    return [
        Row(NAME, "idle node (VmRSS after start-up)", idle / MB, "MB", "< 80 MB", idle < 80 * MB),
        Row(NAME, f"node with {members:,} pool members in its DB", with_members / MB, "MB",
            note="members written via ActorStore.add_membership; the node keeps them in SQLite"),
        Row(NAME, f"{history}: after start-up", started / MB, "MB",
            note=f"{len(counts)} proposals, the largest with {counts[0]:,} ballots; seeded via "
                 f"GovernanceStore in {seeding:.1f} s; database {db_bytes / MB:.0f} MB"),
        Row(NAME, f"{history}: after GET tally of the largest proposal", after_tally / MB, "MB",
            f"< {TARGET_MB} MB", after_tally < TARGET_MB * MB,
            f"the stored running Tally, {tally_bytes / 1024:,.0f} KB (counts and the digest of the "
            f"ballots, no ids)"),
        Row(NAME, f"{history}: after GET question (recount of {counts[0]:,} stored ballots)",
            after_recount / MB, "MB", f"< {TARGET_MB} MB", after_recount < TARGET_MB * MB),
        Row(NAME, f"{history}: peak (VmHWM) through start-up, tally and recount",
            peak_recount / MB, "MB", f"< {TARGET_MB} MB", peak_recount < TARGET_MB * MB),
        Row(NAME, f"{history}: peak (VmHWM) after also reading every page of the largest "
                  "proposal's ballots", peak / MB, "MB", f"< {TARGET_MB} MB", peak < TARGET_MB * MB,
            note=f"VmRSS afterwards {after_ballots / MB:.0f} MB; {paged_items:,} ballots in "
                 f"{pages:,} pages, {ballots_bytes / MB:.1f} MB, read in {paging:.1f} s"),
        Row(NAME, "every ballot counted once across the ballots collection's pages",
            float(paged_items == distinct == counts[0]), "", "= 1", paged_items == distinct == counts[0],
            f"{paged_items:,} items, {distinct:,} distinct ids, {counts[0]:,} stored"),
    ]
