"""A running tally on a database several processes write: each process counts the ballots
the others stored by reading only those rows, its count always equals a recount, and their
clocks sign a proposal's running Tally at most once per interval between them.

Two apps on one PostgreSQL database, each with its own `Database`, as two `poolnode serve`
processes are (tests/node/test_shared_database.py).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from dataclasses import replace
from typing import Any

import pytest

from governance import Proposal, Tally, ballots_digest, tally
from node.accounts import create_member, issue_token, join_pool
from node.app import create_app
from node.appkeys import ACTORS, DB, TOKENS
from node.pool_engine.tallies import RUNNING, counted_ballots, current_tally
from node.storage import GovernanceStore, StoredProposal
from node.storage.running_tallies import RunningTallyStore
from tests.node.pools.helpers import (
    get,
    propose,
    published_tally,
    signed_tally,
    stored_proposal,
    vote,
)

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

CHOICES = ("agree", "abstain", "disagree", "block")


async def _setup(node: Any, aiohttp_client: Any, members: int,
                 **settings: Any) -> tuple[Any, Any, list[tuple[str, str]]]:
    config = replace(node.config, **settings)
    a = await aiohttp_client(create_app(config))
    b = await aiohttp_client(create_app(config))
    voters = [("admin", node.admin_token), ("alice", node.alice_token)]
    for n in range(members):
        member = await create_member(node.config, a.app[ACTORS], f"voter{n}")
        await join_pool(a.app[ACTORS], node.pool, member.uri)
        voters.append((member.username, (await issue_token(a.app[TOKENS], member)).secret))
    return a, b, voters


async def _recount(app: Any, stored: StoredProposal) -> Tally:
    """Every stored ballot counted afresh from the rows."""
    proposal = Proposal.from_dict(stored.proposal)
    return tally(proposal.rule, proposal.electorate, await counted_ballots(app, stored))


def _rows_read(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, int, int]]:
    """(database, after, rows) of every read of counted ballots, by any app."""
    reads: list[tuple[Any, int, int]] = []
    original = GovernanceStore.counted_ballots

    async def counting(self: GovernanceStore, proposal_id: int, *, after: int = 0):  # type: ignore[no-untyped-def]
        rows = await original(self, proposal_id, after=after)
        reads.append((self.db, after, len(rows)))
        return rows

    monkeypatch.setattr(GovernanceStore, "counted_ballots", counting)
    return reads


async def test_a_process_reads_only_the_ballots_another_stored_since_it_counted(
        node, aiohttp_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    a, b, voters = await _setup(node, aiohttp_client, 4)
    proposal = await propose(a, "admin", node.admin_token)
    stored = await stored_proposal(a, proposal)
    for user, token in voters[:4]:
        assert (await vote(a, user, token, proposal["id"], "agree")).status == 201
    assert (await current_tally(a.app, stored)).votes_cast == 4  # a keeps its 4 ballots
    reads = _rows_read(monkeypatch)

    def read_by_a() -> list[int]:  # rows read by a's catch-ups (its tally task's or a reader's)
        assert all(after > 0 for db, after, _ in reads if db is a.app[DB]), "a read every ballot"
        return [rows for db, _, rows in reads if db is a.app[DB]]

    # b stores a new voter's ballot and two changed votes (each a new row).
    for (user, token), choice in ((voters[4], "block"), (voters[0], "disagree"), (voters[1], "abstain")):
        assert (await vote(b, user, token, proposal["id"], choice)).status == 201
    result = await current_tally(a.app, stored)
    assert sum(read_by_a()) == 3  # each of b's rows once, none of a's own again
    assert result == await _recount(a.app, stored)
    assert dict(result.counts)["agree"] == 2 and result.participation == 5

    # A ballot a counts itself: it reads that row (and b's, stored before it) only.
    reads.clear()
    assert (await vote(b, *voters[2], proposal["id"], "disagree")).status == 201
    assert (await vote(a, *voters[3], proposal["id"], "block")).status == 201
    assert sum(read_by_a()) == 2
    assert await current_tally(a.app, stored) == await _recount(a.app, stored)


@pytest.mark.parametrize("seed", [1, 2])
async def test_interleaved_votes_and_changed_votes_count_as_a_recount_in_each_process(
        node, aiohttp_client, seed: int) -> None:  # type: ignore[no-untyped-def]
    a, b, voters = await _setup(node, aiohttp_client, 3)
    proposal = await propose(a, "admin", node.admin_token)
    stored = await stored_proposal(a, proposal)
    rng = random.Random(seed)
    for _ in range(14):
        client = rng.choice((a, b))
        user, token = rng.choice(voters)
        assert (await vote(client, user, token, proposal["id"], rng.choice(CHOICES))).status == 201
        if rng.random() < 0.5:
            expected = await _recount(a.app, stored)
            # Readers of one process at once (their catch-ups must not count a row twice).
            rows = list((await counted_ballots(a.app, stored)).ids)
            for app in (a.app, b.app):
                counts = await asyncio.gather(*(current_tally(app, stored) for _ in range(3)))
                assert counts == [expected] * 3
                count = app[RUNNING][stored.id]  # each row once, in order
                assert count.digest.count == len(rows)
                assert count.digest.hexdigest() == ballots_digest(rows)
    expected = await _recount(a.app, stored)
    assert await current_tally(a.app, stored) == expected == await current_tally(b.app, stored)


async def test_either_process_serves_the_tally_one_of_their_clocks_signed_once_per_interval(
        node, aiohttp_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Both processes run the running-tally clock: whichever signs, a proposal's running Tally is
    # signed at most once per interval, and a read through either one serves it as stored.
    interval = 0.4
    signed_at: list[float] = []
    original = RunningTallyStore.store

    async def storing(self: RunningTallyStore, *args: Any, **kw: Any) -> bool:
        stored = await original(self, *args, **kw)
        if stored:
            signed_at.append(kw["signed_at"])
        return stored

    monkeypatch.setattr(RunningTallyStore, "store", storing)
    a, b, voters = await _setup(node, aiohttp_client, 1, tally_interval=interval)
    proposal = await propose(a, "admin", node.admin_token)
    steps = [(a, voters[0], "agree"), (b, voters[0], "block"), (a, voters[1], "disagree"),
             (b, voters[2], "abstain"), (a, voters[0], "agree")]
    latest: dict[str, str] = {}
    for writer, (user, token), choice in steps:
        assert (await vote(writer, user, token, proposal["id"], choice)).status == 201
        latest[user] = choice
        expected = {c: list(latest.values()).count(c) for c in CHOICES}
        for reader in (b, a):
            tallied = await signed_tally(reader, proposal["id"])
            assert {c: tallied["counts"].get(c, 0) for c in CHOICES} == expected, (writer, choice)
            assert tallied["participation"] == len(latest)
    assert sorted(signed_at) == signed_at
    assert all(later - earlier >= interval for earlier, later in itertools.pairwise(signed_at))
    # Reading again with nothing new signs nothing new: the stored Tally is served as it is.
    await published_tally(a, proposal["id"])
    path = proposal["id"].removeprefix("http://node.test")
    before, signings = await get(a, path + "/tally"), len(signed_at)
    assert await get(b, path + "/tally") == before == await get(a, path + "/tally")
    assert len(signed_at) == signings
