"""The sizes of a full run and of a smoke run (``--smoke``: every path, tiny numbers)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FULL", "SMOKE", "Sizes"]


@dataclass(frozen=True, slots=True)
class Sizes:
    """Every knob a benchmark reads; a smoke run only shrinks them."""

    smoke: bool
    inbox_requests: int
    inbox_concurrency: int
    load_time_limit: float
    ballots: int
    ballot_voters: int
    tally_members: int
    tally_ballots: int
    fanout_followers: int
    fanout_hosts: int
    fanout_time_limit: float
    fanout_rounds: int
    flood_nodes: int
    flood_members: int
    memory_members: int
    memory_ballots: int
    growth_history: tuple[int, ...]
    growth_requests: int
    thread_comments: int
    thread_rounds: int
    thread_gets: int
    thread_time_limit: float
    comment_followers: int
    comment_hosts: int
    comment_rounds: int
    comment_time_limit: float


FULL = Sizes(
    smoke=False,
    inbox_requests=3000,
    inbox_concurrency=32,
    load_time_limit=120.0,
    ballots=5000,
    ballot_voters=1000,
    tally_members=100_000,
    tally_ballots=1_000_000,
    fanout_followers=1000,
    fanout_hosts=100,
    fanout_time_limit=120.0,
    fanout_rounds=3,
    flood_nodes=5,
    flood_members=500,
    memory_members=10_000,
    memory_ballots=100_000,
    growth_history=(1_000, 10_000, 100_000),
    growth_requests=1000,
    thread_comments=1000,
    thread_rounds=5,
    thread_gets=20,
    thread_time_limit=300.0,
    comment_followers=1000,
    comment_hosts=100,
    comment_rounds=3,
    comment_time_limit=120.0,
)

SMOKE = Sizes(
    smoke=True,
    inbox_requests=40,
    inbox_concurrency=4,
    load_time_limit=20.0,
    ballots=50,
    ballot_voters=10,
    tally_members=200,
    tally_ballots=1000,
    fanout_followers=20,
    fanout_hosts=4,
    fanout_time_limit=20.0,
    fanout_rounds=1,
    flood_nodes=2,
    flood_members=10,
    memory_members=100,
    memory_ballots=500,
    growth_history=(10, 100),
    growth_requests=20,
    thread_comments=60,
    thread_rounds=1,
    thread_gets=2,
    thread_time_limit=60.0,
    comment_followers=20,
    comment_hosts=4,
    comment_rounds=1,
    comment_time_limit=30.0,
)
