"""Benchmark 5: a flood decision across nodes (5 nodes, 500 members, one flood proposal).

Target: from the last ballot until every node shows the same final result, under 2 s on
loopback. Floods over the network are not implemented in ``node/`` yet, so the row says
so rather than inventing a figure. What can be measured now is the pure part every node
will repeat on receiving the last ballot: ``governance.flood_tally`` over the flood's
union electorate and each pool's own electorate.
"""

from __future__ import annotations

import importlib.util
import time
from datetime import timedelta

from bench import govdata
from bench.report import Row
from bench.sizes import Sizes
from governance import Ballot, Bylaws, Decision, Electorate, Flood, flood_tally, open_flood_proposal
from governance.ballots import CONSENT_CHOICES

__all__ = ["floods_available", "run"]

NAME = "5 flood"


def floods_available() -> bool:
    """Whether the node can carry a flood proposal between nodes (a ``node.floods`` package)."""
    return importlib.util.find_spec("node.floods") is not None


def recompute_seconds(nodes: int, members: int, repeats: int = 5) -> float:
    """Best time of ``flood_tally`` over ``nodes`` pools sharing ``members`` electors."""
    pools = {
        f"https://node{p}.example/pools/commons": Electorate.of(
            govdata.member(i) for i in range(members) if i % nodes == p
        )
        for p in range(nodes)
    }
    author = govdata.member(0)
    decision = open_flood_proposal(
        id="https://node0.example/proposals/f1", author=author, title="Shared van",
        motion=Decision("Buy a shared van"), bylaws=Bylaws("Flood", "", "EUR"),
        flood=Flood("https://node0.example/floods/f", frozenset(pools)),
        pool_electorates=pools, opens_at=govdata.OPENS, double_majority=True,
    )
    pid = decision.proposal.id
    cast = govdata.OPENS + timedelta(minutes=1)
    ballots = [
        Ballot(f"{pid}/b/{i}", pid, govdata.member(i), cast, (CONSENT_CHOICES[i % 3],))
        for i in range(members)
    ]
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        flood_tally(decision, ballots)
        best = min(best, time.perf_counter() - t0)
    return best


def run(sizes: Sizes) -> list[Row]:
    """The network figure if floods exist, and the per-node recount either way."""
    recompute = recompute_seconds(sizes.flood_nodes, sizes.flood_members)
    rows = [Row(NAME, f"flood_tally recount per node ({sizes.flood_members} members, "
                      f"{sizes.flood_nodes} pools)", recompute * 1000, "ms",
                note="pure core: the lower bound of each node's work after the last ballot")]
    if not floods_available():
        rows.insert(0, Row(NAME, "last ballot -> same result on every node", None, "s",
                           "< 2 s", None, "not available: floods not implemented"))
    else:  # the multi-node measurement belongs here once node.floods lands
        rows.insert(0, Row(NAME, "last ballot -> same result on every node", None, "s",
                           "< 2 s", None, "not available: node.floods exists but the "
                           "benchmark's network part is not written yet"))
    return rows
