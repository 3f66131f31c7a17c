"""Benchmark 3: one proposal, 1,000,000 ballots from 100,000 members (governance core only).

Full recount with ``governance.tally`` (best of 5, the median and slowest in the note) of a
``BallotBox``, the columns a node reads its stored ballots into for a recount, and of the
same ballots as a list of ``Ballot`` objects; incremental ``TallyState.add`` per ballot (mean
over all ballots). All three results must agree. The recount is pure CPU and memory work on the same input each time, so, as Python's
``timeit`` advises, the fastest repeat is the figure: slower ones measure the neighbours
(on this shared host the same recount varies by up to 1.8x from one minute to the next).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

from bench import govdata
from bench.report import Row
from bench.sizes import Sizes
from governance import BallotBox, Tally, TallyState, tally

__all__ = ["run", "time_recount"]

NAME = "3 tally"


def _best_of(repeats: int, recount: Callable[[], Tally]) -> tuple[list[float], Tally]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = recount()
        times.append(time.perf_counter() - t0)
    assert result is not None
    return times, result


def time_recount(members: int, count: int, repeats: int = 5
                 ) -> tuple[list[float], list[float], float, bool]:
    """(recount seconds of each repeat from a box, and from a list of Ballot objects,
    mean incremental seconds per ballot, whether all results agree)."""
    rule = govdata.rule()
    electorate = govdata.electorate(members)
    ballots = govdata.ballots(rule, members, count)
    box = BallotBox.of(rule.proposal_id, ballots)
    gc.collect()
    gc.disable()  # the collector's pauses over a million objects are not the tally's cost
    try:
        box_times, from_box = _best_of(repeats, lambda: tally(rule, electorate, box))
        list_times, from_list = _best_of(repeats, lambda: tally(rule, electorate, ballots))
        state = TallyState(rule, electorate)
        add = state.add
        t0 = time.perf_counter()
        for ballot in ballots:
            add(ballot)
        per_ballot = (time.perf_counter() - t0) / count
        agree = state.result() == from_box == from_list
    finally:
        gc.enable()
    return box_times, list_times, per_ballot, agree


def _spread(times: list[float]) -> str:
    return (f"median {statistics.median(times) * 1000:,.0f} ms, slowest "
            f"{max(times) * 1000:,.0f} ms")


def run(sizes: Sizes) -> list[Row]:
    """Recount and incremental update at the configured size."""
    box_times, list_times, per_ballot, agree = time_recount(
        sizes.tally_members, sizes.tally_ballots)
    label = f"{sizes.tally_ballots:,} ballots, {sizes.tally_members:,} members"
    recount, from_list = min(box_times), min(list_times)
    return [
        Row(NAME, f"full recount ({label}), best of {len(box_times)}", recount * 1000, "ms",
            "< 1000 ms", recount < 1.0, _spread(box_times) + "; a BallotBox, as a node recounts"),
        Row(NAME, "same recount from a list of Ballot objects", from_list * 1000, "ms", "", None,
            _spread(list_times)),
        Row(NAME, "incremental update per ballot", per_ballot * 1e6, "us", "< 50 us",
            per_ballot < 50e-6),
        Row(NAME, "incremental result equals recount", float(agree), "", "= 1", agree),
    ]
