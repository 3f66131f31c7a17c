"""A burst of ballots: counted from memory, the running tally published once per interval."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from governance import Ballot
from node.accounts import create_member, issue_token, join_pool
from node.appkeys import ACTORS, OBJECTS, TOKENS
from node.pool_engine import close_due, tallies
from node.storage import GovernanceStore
from tests.node.pools.helpers import add_ballot, get, propose, stored_proposal, vote

pytestmark = pytest.mark.both_backends


async def _tally_updates(client, pool_id: int) -> int:  # type: ignore[no-untyped-def]
    objects = client.app[OBJECTS]
    page = await objects.collection_page(pool_id, "outbox", before=None, limit=1000)
    documents = await objects.documents(page.items)
    return sum(
        1 for d in documents.values()
        if d["type"] == "Update" and isinstance(d["object"], dict) and d["object"].get("type") == "Tally"
    )


async def test_a_burst_of_ballots_reads_each_ballot_once_at_most_and_publishes_once(client, node, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = client.app
    voters = [("admin", node.admin_token), ("alice", node.alice_token)]
    for n in range(6):
        member = await create_member(node.config, app[ACTORS], f"voter{n}")
        await join_pool(app[ACTORS], node.pool, member.uri)
        voters.append((member.username, (await issue_token(app[TOKENS], member)).secret))
    reads = 0
    original = GovernanceStore.counted_ballots

    async def counting(self: GovernanceStore, proposal_id: int, *, after: int = 0):  # type: ignore[no-untyped-def]
        nonlocal reads
        rows = await original(self, proposal_id, after=after)
        reads += len(rows)
        return rows

    # store(app) builds a GovernanceStore per call, so the class is where reads are seen.
    monkeypatch.setattr(GovernanceStore, "counted_ballots", counting)
    proposal = await propose(client, "admin", node.admin_token, name="Paint the shed")
    before = await _tally_updates(client, node.pool.id)

    monkeypatch.setattr(tallies, "TALLY_INTERVAL", 0.5)
    for user, token in voters:
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    # Loaded once (empty), then counted from memory; on PostgreSQL each new row is read once.
    assert reads <= len(voters)

    # A reader sees every accepted ballot at once, before the scheduled publication.
    current = await get(client, proposal["id"] + "/tally")
    assert current["participation"] == len(voters)

    await asyncio.sleep(1.0)
    published = await _tally_updates(client, node.pool.id) - before
    assert 1 <= published < len(voters)


async def test_ballots_decode_the_open_proposal_once(client, node, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = client.app
    voters = [("admin", node.admin_token), ("alice", node.alice_token)]
    for n in range(4):
        member = await create_member(node.config, app[ACTORS], f"voter{n}")
        await join_pool(app[ACTORS], node.pool, member.uri)
        voters.append((member.username, (await issue_token(app[TOKENS], member)).secret))
    proposal = await propose(client, "admin", node.admin_token, name="Paint the shed")
    decoded = 0
    original = GovernanceStore.proposal

    async def counting(self: GovernanceStore, uri: str):  # type: ignore[no-untyped-def]
        nonlocal decoded
        decoded += uri == proposal["id"]
        return await original(self, uri)

    monkeypatch.setattr(GovernanceStore, "proposal", counting)
    monkeypatch.setattr(tallies, "TALLY_INTERVAL", 60)  # no running tally published meanwhile
    for user, token in voters:
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    assert decoded <= 1  # the proposal's documents are decoded once, not per ballot
    assert proposal_id_cached(app, proposal["id"])

    # Closing forgets it (a closed proposal takes no ballots).
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(app, closes) == [proposal["id"]]
    assert not proposal_id_cached(app, proposal["id"])


def proposal_id_cached(app, uri: str) -> bool:  # type: ignore[no-untyped-def]
    return any(p.id == uri for p in app[tallies.OPENED].values())


async def test_a_ballot_written_before_a_reader_loaded_the_cache_is_counted_once(client, node) -> None:  # type: ignore[no-untyped-def]
    # A reader (GET .../tally) may load the open proposal's ballots between the pool writing a
    # ballot's row and noting it; the noted ballot must not be added a second time.
    proposal = await propose(client, "admin", node.admin_token, name="Fix the gate")
    stored = await stored_proposal(client, proposal)
    opens = datetime.fromisoformat(proposal["opensAt"].replace("Z", "+00:00"))
    first = Ballot.consent(node.admin.uri + "/ballots/1", proposal["id"], node.admin.uri,
                           opens + timedelta(seconds=1), "agree")
    await add_ballot(client, stored, first)
    client.app[tallies.RUNNING].pop(stored.id, None)  # not loaded yet (as after a restart)
    assert (await tallies.current_tally(client.app, stored)).participation == 1  # loads the cache
    await tallies.note_ballot(client.app, node.pool, stored, first.id, first)
    second = Ballot.consent(node.alice.uri + "/ballots/2", proposal["id"], node.alice.uri,
                            opens + timedelta(seconds=2), "block")
    await add_ballot(client, stored, second)
    await tallies.note_ballot(client.app, node.pool, stored, second.id, second)
    running = client.app[tallies.RUNNING][stored.id]
    assert running.ballots.ids == [first.id, second.id]
    result, document = await tallies.recount(client.app, node.pool, stored, opens, final=False)
    assert result.participation == 2 and document["ballots"] == [first.id, second.id]


async def test_a_costly_running_tally_is_published_less_often(client, node, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A Tally lists every ballot: when counting, signing and storing it took long, the next
    # publication waits cost / TALLY_SHARE instead of TALLY_INTERVAL.
    monkeypatch.setattr(tallies, "TALLY_INTERVAL", 0.05)
    proposal = await propose(client, "admin", node.admin_token, name="Paint the shed")
    stored = await stored_proposal(client, proposal)
    assert (await vote(client, "admin", node.admin_token, proposal["id"], "agree")).status == 201
    before = await _tally_updates(client, node.pool.id)
    async with asyncio.timeout(10):
        while await _tally_updates(client, node.pool.id) == before:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    running = client.app[tallies.RUNNING][stored.id]
    assert running.cost > 0  # measured by the flush
    running.cost = 0.3  # as if it took 0.3 s: the next one waits 1.5 s, not 0.05 s
    published = await _tally_updates(client, node.pool.id)
    assert (await vote(client, "alice", node.alice_token, proposal["id"], "block")).status == 201
    await asyncio.sleep(0.6)
    assert await _tally_updates(client, node.pool.id) == published
    current = await get(client, proposal["id"] + "/tally")  # a reader still sees every ballot
    assert current["participation"] == 2
    async with asyncio.timeout(15):
        while await _tally_updates(client, node.pool.id) == published:  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def test_a_ballot_counted_before_a_shutdown_is_in_the_stored_tally_after_it(  # type: ignore[no-untyped-def]
        node, aiohttp_client, monkeypatch) -> None:
    # The running tally is due in a minute when the node stops: the shutdown stores it, so
    # the restarted node does not serve a tally without the ballot it acknowledged.
    from node.app import create_app

    monkeypatch.setattr(tallies, "TALLY_INTERVAL", 60)
    first = await aiohttp_client(create_app(node.config))
    proposal = await propose(first, "admin", node.admin_token)
    assert (await vote(first, "alice", node.alice_token, proposal["id"], "agree")).status == 201
    await first.close()
    second = await aiohttp_client(create_app(node.config))
    tally = await get(second, proposal["id"] + "/tally")
    assert tally["participation"] == 1 and tally["counts"]["agree"] == 1
