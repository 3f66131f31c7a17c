"""Counting a proposal's ballots from the database: the same Ballots and Tally as the stored documents give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from governance import Ballot, Proposal, tally
from node.appkeys import ACTORS
from node.pool_engine import recount
from node.pool_engine.common import store
from node.pool_engine.tallies import counted_ballots
from tests.node.pools.helpers import add_ballot, propose, seed_ballots, stored_proposal

pytestmark = pytest.mark.both_backends


async def test_the_counting_query_gives_the_ballots_the_stored_documents_give(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    stored = await stored_proposal(client, proposal)
    opens = datetime.fromisoformat(proposal["opensAt"].replace("Z", "+00:00"))
    odd = [
        Ballot(node.admin.uri + "/ballots/a", proposal["id"], node.admin.uri,
               opens + timedelta(seconds=1, microseconds=250), ("agree",)),
        Ballot(node.alice.uri + "/ballots/b", proposal["id"], node.alice.uri,
               opens + timedelta(seconds=2), ()),
        Ballot(node.alice.uri + "/ballots/c", proposal["id"], node.alice.uri,
               opens + timedelta(seconds=2), ("œuvre \"quoted\"", "b", "a")),
        Ballot(node.admin.uri + "/ballots/d", proposal["id"], node.admin.uri,
               datetime(2025, 3, 1, 12, 0, 0, 999999, tzinfo=UTC), ("agree",)),
    ]
    for ballot in odd:
        await add_ballot(client, stored, ballot)
    from_documents = [Ballot.from_dict(b.ballot) for b in await store(client.app).ballots(stored.id)]
    counted = await counted_ballots(client.app, stored)
    assert list(counted) == from_documents == odd
    assert [b.cast_at for b in counted] == [b.cast_at for b in odd]  # microseconds kept


async def test_the_recount_from_the_counting_query_equals_the_count_of_the_documents(client, node) -> None:  # type: ignore[no-untyped-def]
    _, stored = await seed_ballots(client, node, 30)
    rule = Proposal.from_dict(stored.proposal)
    rows = await store(client.app).ballots(stored.id)
    expected = tally(rule.rule, rule.electorate, [Ballot.from_dict(b.ballot) for b in rows])
    pool = await client.app[ACTORS].by_id(stored.pool_id)
    assert pool is not None
    result, document = await recount(client.app, pool, stored, datetime.now(UTC), final=True)
    assert result == expected
    # A final tally lists every accepted ballot (a voter's replaced ones too: 30 for 2 voters),
    # sorted by id, not in arrival order (docs/SPEC.md §Final Tally).
    assert document["ballots"] == sorted(b.uri for b in rows) != [b.uri for b in rows]
    assert len(document["ballots"]) == 30 and document["participation"] == 2
