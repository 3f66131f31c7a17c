"""Benchmark 3: one proposal, 1,000,000 ballots from 100,000 members (governance core only).

Full recount with ``governance.tally`` (median of 3) and incremental ``TallyState.add``
per ballot (mean over all ballots), and the two results must agree.
"""

from __future__ import annotations

import gc
import statistics
import time

from bench import govdata
from bench.report import Row
from bench.sizes import Sizes
from governance import TallyState, tally

__all__ = ["run", "time_recount"]

NAME = "3 tally"


def time_recount(members: int, count: int, repeats: int = 3) -> tuple[float, float, bool]:
    """(median full recount seconds, mean incremental seconds per ballot, results agree)."""
    rule = govdata.rule()
    electorate = govdata.electorate(members)
    ballots = govdata.ballots(rule, members, count)
    gc.collect()
    gc.disable()  # the collector's pauses over a million objects are not the tally's cost
    try:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            full = tally(rule, electorate, ballots)
            times.append(time.perf_counter() - t0)
        state = TallyState(rule, electorate)
        add = state.add
        t0 = time.perf_counter()
        for ballot in ballots:
            add(ballot)
        per_ballot = (time.perf_counter() - t0) / count
        agree = state.result() == full
    finally:
        gc.enable()
    return statistics.median(times), per_ballot, agree


def run(sizes: Sizes) -> list[Row]:
    """Recount and incremental update at the configured size."""
    recount, per_ballot, agree = time_recount(sizes.tally_members, sizes.tally_ballots)
    label = f"{sizes.tally_ballots:,} ballots, {sizes.tally_members:,} members"
    return [
        Row(NAME, f"full recount ({label})", recount * 1000, "ms", "< 1000 ms", recount < 1.0),
        Row(NAME, "incremental update per ballot", per_ballot * 1e6, "us", "< 50 us",
            per_ballot < 50e-6),
        Row(NAME, "incremental result equals recount", float(agree), "", "= 1", agree),
    ]
