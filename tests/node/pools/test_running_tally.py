"""A burst of ballots: counted from memory, the running tally published once per interval."""

from __future__ import annotations

import asyncio

from node.accounts import create_member, issue_token, join_pool
from node.appkeys import ACTORS, OBJECTS, TOKENS
from node.pool_engine import tallies
from node.storage import GovernanceStore
from tests.node.pools.helpers import get, propose, vote


async def _tally_updates(client, pool_id: int) -> int:  # type: ignore[no-untyped-def]
    objects = client.app[OBJECTS]
    page = await objects.collection_page(pool_id, "outbox", before=None, limit=1000)
    documents = await objects.documents(page.items)
    return sum(
        1 for d in documents.values()
        if d["type"] == "Update" and isinstance(d["object"], dict) and d["object"].get("type") == "Tally"
    )


async def test_a_burst_of_ballots_reads_the_database_once_and_publishes_once(client, node, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = client.app
    voters = [("admin", node.admin_token), ("alice", node.alice_token)]
    for n in range(6):
        member = await create_member(node.config, app[ACTORS], f"voter{n}")
        await join_pool(app[ACTORS], node.pool, member.uri)
        voters.append((member.username, (await issue_token(app[TOKENS], member)).secret))
    reads = 0
    original = GovernanceStore.counted_ballots

    async def counting(self: GovernanceStore, proposal_id: int):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return await original(self, proposal_id)

    # store(app) builds a GovernanceStore per call, so the class is where reads are seen.
    monkeypatch.setattr(GovernanceStore, "counted_ballots", counting)
    proposal = await propose(client, "admin", node.admin_token, name="Paint the shed")
    before = await _tally_updates(client, node.pool.id)

    monkeypatch.setattr(tallies, "TALLY_INTERVAL", 0.5)
    for user, token in voters:
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    assert reads == 1  # loaded once, then counted from memory

    # A reader sees every accepted ballot at once, before the scheduled publication.
    current = await get(client, proposal["id"] + "/tally")
    assert current["participation"] == len(voters)

    await asyncio.sleep(1.0)
    published = await _tally_updates(client, node.pool.id) - before
    assert 1 <= published < len(voters)
