"""Benchmark 10: a proposal page whose thread holds 1,000 comments, against one with none.

A node made by `poolnode init` and served by `poolnode serve` on 127.0.0.1 (its comment rate
limit off: one member posts every comment). The admin opens two proposals through C2S; 1,000
comments go to the first through the admin's C2S outbox (``Create(Note)``, every fifth one a
reply to the first comment), which is the real path: the thread, the pool's ``Announce``.
Then, in rounds, the proposal page (HTML, the first page of its thread) of the busy proposal
and of the empty one are fetched in turn over one keep-alive connection; each page's time in a
round is the median of its GETs, and the figure is the median of the rounds' ratios (spread:
the lowest and highest). The first page of the busy thread's ``replies`` collection is timed
the same way. A count check: the page shows exactly one page of comments (``thread_page_size``)
and the collection counts every comment.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from bench.comments import Client, marker, post_comments
from bench.poolsetup import AP, init_node, open_proposal
from bench.procs import NodeProcess, free_port
from bench.report import Row
from bench.sizes import Sizes
from node.config import load_config

__all__ = ["run"]

NAME = "10 thread"
HTML = "text/html"


def _median_get(client: Client, url: str, accept: str, gets: int) -> float:
    return statistics.median(client.timed_get(url, accept)[0] for _ in range(gets))


def _shown(page: bytes, count: int) -> int:
    text = page.decode()
    return sum(1 for n in range(count) if marker(n) in text)


def run(sizes: Sizes) -> list[Row]:
    """Render time of the busy and the empty proposal page, their ratio, the replies page."""
    count, rounds, gets = sizes.thread_comments, sizes.thread_rounds, sizes.thread_gets
    with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
        node = NodeProcess(Path(tmp) / "node", free_port(),
                           env={"POOLNODE_COMMENTS_PER_HOUR": "0"})
        info = init_node(node)
        page_size = load_config(node.data_dir).thread_page_size
        node.start()
        try:
            empty = open_proposal(node, info, "Paint the hall")
            busy = open_proposal(node, info, "Repair the roof")
            assert empty != busy, "the second proposal was not opened"
            posted, posting = post_comments(node, info, busy, count, workers=4,
                                            time_limit=sizes.thread_time_limit)
            client = Client(node.base_url)
            try:
                _, busy_page = client.timed_get(busy, HTML)  # warm: templates, caches
                client.timed_get(empty, HTML)
                _, replies_body = client.timed_get(busy + "/replies?page=true", AP)
                results: list[tuple[float, float, float]] = []
                deadline = time.monotonic() + sizes.thread_time_limit
                for _ in range(rounds):
                    if time.monotonic() > deadline:
                        break
                    e = _median_get(client, empty, HTML, gets)
                    b = _median_get(client, busy, HTML, gets)
                    r = _median_get(client, busy + "/replies?page=true", AP, gets)
                    results.append((b, e, r))
                total = json.loads(client.timed_get(busy + "/replies", AP)[1]).get("totalItems")
            finally:
                client.close()
        finally:
            node.stop()
    ratios = sorted(b / e for b, e, _ in results)
    middle = sorted(results, key=lambda x: x[0] / x[1])[len(results) // 2]
    ratio = middle[0] / middle[1]
    each = ", ".join(f"{b / e:.2f}" for b, e, _ in results)
    shown = _shown(busy_page, count)
    expected = min(count, page_size)
    items = len(json.loads(replies_body).get("orderedItems", []))
    complete = shown == expected and total == posted
    return [
        Row(NAME, f"post {posted:,} comments through C2S (4 at a time)", posting, "s",
            note=f"{posted / posting:,.0f} comments/s, each stored and announced by the pool"),
        Row(NAME, "proposal page, no comments", middle[1] * 1000, "ms",
            note=f"median of {gets} GETs in the median round of {len(results)}"),
        Row(NAME, f"proposal page, {posted:,}-comment thread (first page)", middle[0] * 1000, "ms",
            note=f"the page shows {shown} comments (thread_page_size {page_size})"),
        Row(NAME, "busy page / empty page", ratio, "x", "<= 1.5x", ratio <= 1.5,
            f"median of per-round ratios ({each}); spread {ratios[0]:.2f}-{ratios[-1]:.2f}"),
        Row(NAME, "replies collection, first page", middle[2] * 1000, "ms",
            note=f"{items} items of {total} (application/activity+json, ?page=true)"),
        Row(NAME, "first page shows one page, collection counts every comment", float(complete),
            "", "= 1", complete, f"{shown}/{expected} shown, totalItems {total} for {posted} posted"),
    ]
