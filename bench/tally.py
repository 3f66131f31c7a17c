"""Benchmark 3: one proposal, 1,000,000 ballots from 100,000 members (governance core only).

Full recount with ``governance.tally`` (best of 5, the median and slowest in the note) and
incremental ``TallyState.add`` per ballot (mean over all ballots), and the two results must
agree. The recount is pure CPU and memory work on the same input each time, so, as Python's
``timeit`` advises, the fastest repeat is the figure: slower ones measure the neighbours
(on this shared host the same recount varies by up to 1.8x from one minute to the next).
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


def time_recount(members: int, count: int, repeats: int = 5
                 ) -> tuple[list[float], float, bool]:
    """(full recount seconds of each repeat, mean incremental seconds per ballot, agree)."""
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
    return times, per_ballot, agree


def run(sizes: Sizes) -> list[Row]:
    """Recount and incremental update at the configured size."""
    times, per_ballot, agree = time_recount(sizes.tally_members, sizes.tally_ballots)
    recount = min(times)
    label = f"{sizes.tally_ballots:,} ballots, {sizes.tally_members:,} members"
    return [
        Row(NAME, f"full recount ({label}), best of {len(times)}", recount * 1000, "ms",
            "< 1000 ms", recount < 1.0,
            f"median {statistics.median(times) * 1000:,.0f} ms, slowest "
            f"{max(times) * 1000:,.0f} ms"),
        Row(NAME, "incremental update per ballot", per_ballot * 1e6, "us", "< 50 us",
            per_ballot < 50e-6),
        Row(NAME, "incremental result equals recount", float(agree), "", "= 1", agree),
    ]
