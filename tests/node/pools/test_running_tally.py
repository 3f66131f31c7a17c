"""The running tally: counted from memory as ballots arrive, signed by a clock at most once per
``tally_interval``, never by a reader (docs/PROTOCOL.md, "Running tallies")."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from governance import Ballot, Proposal, tally
from node.accounts import create_member, issue_token, join_pool
from node.app import create_app
from node.appkeys import ACTORS, TOKENS
from node.pool_engine import UNSIGNED_BALLOTS, close_due, common, running, tallies
from node.storage import GovernanceStore
from node.storage.running_tallies import RunningTallyStore
from tests.node.pools.helpers import (
    AP,
    add_ballot,
    get,
    propose,
    published_tally,
    signed_tally,
    stored_proposal,
    tally_updates,
    vote,
)

pytestmark = pytest.mark.both_backends


def count_signatures(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The type of every document the pool engine signs from now on."""
    signed: list[str] = []
    original = common.sign_document

    def counting(document: dict[str, Any], *args: Any) -> dict[str, Any]:
        signed.append(str(document.get("type")))
        return original(document, *args)

    monkeypatch.setattr(common, "sign_document", counting)
    return signed


async def voters(client: Any, node: Any, count: int) -> list[tuple[str, str]]:
    found = [("admin", node.admin_token), ("alice", node.alice_token)]
    for n in range(count):
        member = await create_member(node.config, client.app[ACTORS], f"voter{n}")
        await join_pool(client.app[ACTORS], node.pool, member.uri)
        found.append((member.username, (await issue_token(client.app[TOKENS], member)).secret))
    return found


async def slow_clock(node: Any, aiohttp_client: Any) -> Any:
    """A client whose running-tally clock looks once at start and then every 15 minutes (the
    longest interval, an hour): the test drives it with ``running.sign_due``."""
    return await aiohttp_client(create_app(replace(node.config, tally_interval=3600.0)))


async def test_a_read_never_signs_and_says_how_many_ballots_are_not_signed_yet(
        node, aiohttp_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client = await slow_clock(node, aiohttp_client)
    proposal = await propose(client, "admin", node.admin_token)
    opened = await get(client, proposal["id"] + "/tally")
    signatures = count_signatures(monkeypatch)
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    signatures.clear()  # the members' ballots (C2S: signed by their node for them)
    for _ in range(3):
        resp = await client.get(proposal["id"].removeprefix("http://node.test") + "/tally",
                                headers={"Accept": AP})
        assert resp.status == 200 and resp.headers[UNSIGNED_BALLOTS] == "2"
        assert await resp.json(content_type=None) == opened  # the stored Tally, as it was
    page = await client.get(proposal["id"].removeprefix("http://node.test"))  # the web page
    assert page.status == 200
    assert signatures == []  # no read signed anything

    # The clock's round signs both ballots at once; a read then serves that Tally, not behind.
    assert await running.sign_due(client.app, datetime.now(UTC)) == 1
    assert signatures == ["Tally"]
    resp = await client.get(proposal["id"].removeprefix("http://node.test") + "/tally",
                            headers={"Accept": AP})
    assert resp.headers[UNSIGNED_BALLOTS] == "0"
    current = await resp.json(content_type=None)
    assert current["participation"] == 2 and current["ballotCount"] == 2 and "ballots" not in current


async def test_the_clock_signs_once_per_interval_and_only_after_a_change(
        node, aiohttp_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    interval = 0.5
    client = await aiohttp_client(create_app(replace(node.config, tally_interval=interval)))
    people = await voters(client, node, 4)
    proposal = await propose(client, "admin", node.admin_token)
    signed_at: list[float] = []
    original = RunningTallyStore.store

    async def storing(self: RunningTallyStore, *args: Any, **kw: Any) -> bool:
        stored = await original(self, *args, **kw)
        if stored:
            signed_at.append(kw["signed_at"])
        return stored

    monkeypatch.setattr(RunningTallyStore, "store", storing)
    for user, token in people:
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    assert (await published_tally(client, proposal["id"]))["participation"] == len(people)
    signings = len(signed_at)
    assert 1 <= signings <= len(people)
    assert all(b - a >= interval for a, b in itertools.pairwise(signed_at))
    published = len(await tally_updates(client, node.pool.id))
    assert published == signings  # each signed Tally published once

    # Nothing changes for four intervals: nothing is signed or published.
    await asyncio.sleep(4 * interval)
    assert len(signed_at) == signings
    assert len(await tally_updates(client, node.pool.id)) == published

    # One more ballot: one more signature, at least an interval after the last.
    assert (await vote(client, "alice", node.alice_token, proposal["id"], "block")).status == 201
    current = await published_tally(client, proposal["id"])
    assert current["counts"]["block"] == 1 and len(signed_at) == signings + 1
    assert signed_at[-1] - signed_at[-2] >= interval


async def test_the_running_tally_equals_a_recount_and_its_digest_is_the_specs(client, node) -> None:  # type: ignore[no-untyped-def]
    people = await voters(client, node, 3)
    proposal = await propose(client, "admin", node.admin_token)
    choices = ["agree", "block", "disagree", "abstain", "agree", "disagree"]
    for n, choice in enumerate(choices):  # two changed votes
        user, token = people[n % len(people)]
        assert (await vote(client, user, token, proposal["id"], choice)).status == 201
    current = await signed_tally(client, proposal["id"])

    # docs/PROTOCOL.md, "Running tallies": the ballots collection read oldest first, its first
    # ballotCount ids, each as UTF-8 followed by one LF, hashed with SHA-256.
    collection = await get(client, proposal["id"] + "/ballots")
    newest_first, page = [], collection["first"]
    while page:
        found = await get(client, page if isinstance(page, str) else page["id"])
        newest_first += found["orderedItems"]
        page = found.get("next")
    oldest_first = list(reversed(newest_first))[:current["ballotCount"]]
    assert current["ballotCount"] == len(choices)
    expected = hashlib.sha256(b"".join(b["id"].encode("utf-8") + b"\n" for b in oldest_first))
    assert current["ballotsDigest"] == expected.hexdigest()

    stored = await stored_proposal(client, proposal)
    rule = Proposal.from_dict(stored.proposal)
    recount = tally(rule.rule, rule.electorate, await tallies.counted_ballots(client.app, stored))
    assert current["counts"] == dict(recount.counts) and current["participation"] == recount.participation
    assert current["outcome"] == recount.outcome.value


async def test_a_burst_of_ballots_reads_each_ballot_once_at_most(client, node, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    people = await voters(client, node, 6)
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
    for user, token in people:
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    assert (await signed_tally(client, proposal["id"]))["participation"] == len(people)
    # Loaded once (empty), then counted from memory; on PostgreSQL each new row is read once.
    assert reads <= len(people)


async def test_ballots_decode_the_open_proposal_once(client, node, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    people = await voters(client, node, 4)
    proposal = await propose(client, "admin", node.admin_token, name="Paint the shed")
    decoded = 0
    original = GovernanceStore.proposal

    async def counting(self: GovernanceStore, uri: str):  # type: ignore[no-untyped-def]
        nonlocal decoded
        decoded += uri == proposal["id"]
        return await original(self, uri)

    monkeypatch.setattr(GovernanceStore, "proposal", counting)
    for user, token in people:
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    await signed_tally(client, proposal["id"])  # the clock signed them too
    assert decoded <= 1  # the proposal's documents are decoded once, not per ballot
    assert any(p.id == proposal["id"] for p in client.app[tallies.OPENED].values())

    # Closing forgets it (a closed proposal takes no ballots).
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes) == [proposal["id"]]
    assert not any(p.id == proposal["id"] for p in client.app[tallies.OPENED].values())


async def test_a_ballot_written_before_a_reader_loaded_the_count_is_counted_once(client, node) -> None:  # type: ignore[no-untyped-def]
    # A reader may load the open proposal's ballots between the pool writing a ballot's row
    # and noting it; the noted ballot must not be counted a second time.
    proposal = await propose(client, "admin", node.admin_token, name="Fix the gate")
    stored = await stored_proposal(client, proposal)
    opens = datetime.fromisoformat(proposal["opensAt"].replace("Z", "+00:00"))
    first = Ballot.consent(node.admin.uri + "/ballots/1", proposal["id"], node.admin.uri,
                           opens + timedelta(seconds=1), "agree")
    row = await add_ballot(client, stored, first)
    client.app[tallies.RUNNING].pop(stored.id, None)  # not loaded yet (as after a restart)
    assert (await tallies.current_tally(client.app, stored)).participation == 1  # loads it
    await tallies.note_ballot(client.app, stored, first, row)
    second = Ballot.consent(node.alice.uri + "/ballots/2", proposal["id"], node.alice.uri,
                            opens + timedelta(seconds=2), "block")
    await tallies.note_ballot(client.app, stored, second, await add_ballot(client, stored, second))
    count = client.app[tallies.RUNNING][stored.id]
    assert count.digest.count == 2 and count.last_row > row
    result, document = await tallies.recount(client.app, node.pool, stored, opens, final=False)
    assert result.participation == 2 and document["ballotCount"] == 2
    assert document["ballotsDigest"] == hashlib.sha256(
        f"{first.id}\n{second.id}\n".encode()).hexdigest()


async def test_a_ballot_accepted_before_a_restart_is_signed_after_it(node, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    # The clock's state is in the database: a ballot the stopped node acknowledged but had not
    # signed yet (its interval had not passed) is signed by the restarted node's clock.
    first = await slow_clock(node, aiohttp_client)
    proposal = await propose(first, "admin", node.admin_token)
    assert (await vote(first, "alice", node.alice_token, proposal["id"], "agree")).status == 201
    assert await running.sign_due(first.app, datetime.now(UTC)) == 1
    assert (await vote(first, "admin", node.admin_token, proposal["id"], "agree")).status == 201
    assert await running.sign_due(first.app, datetime.now(UTC)) == 0  # not an interval since
    await first.close()
    second = await aiohttp_client(create_app(node.config))
    tally_now = await signed_tally(second, proposal["id"])
    assert tally_now["participation"] == 2 and tally_now["counts"]["agree"] == 2


async def test_a_signed_tally_not_yet_published_is_published_by_the_next_round(
        node, aiohttp_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client = await slow_clock(node, aiohttp_client)
    proposal = await propose(client, "admin", node.admin_token)
    before = len(await tally_updates(client, node.pool.id))
    assert (await vote(client, "alice", node.alice_token, proposal["id"], "agree")).status == 201

    async def crash(*args: Any, **kw: Any) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(running, "publish", crash)
    with pytest.raises(RuntimeError):
        await running.sign_due(client.app, datetime.now(UTC))
    assert (await signed_tally(client, proposal["id"]))["participation"] == 1  # stored, signed
    assert len(await tally_updates(client, node.pool.id)) == before  # and not published
    monkeypatch.undo()
    assert await running.sign_due(client.app, datetime.now(UTC)) == 0  # nothing to sign again
    updates = await tally_updates(client, node.pool.id)
    assert len(updates) == before + 1 and updates[0]["object"]["participation"] == 1
    await running.sign_due(client.app, datetime.now(UTC))
    assert len(await tally_updates(client, node.pool.id)) == before + 1  # once
