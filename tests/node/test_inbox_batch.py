"""The inbox worker's batches: items processed together keep every guarantee of one at a time.

The worker is off in these tests; each test stores its activities through the real inbox
(signed POSTs, 202) and then processes what is due itself, so the items it names are claimed
and processed as ONE batch (``_drain`` checks it).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

import node.handlers
from governance import Proposal, ballots_digest
from governance import tally as recount
from node.app import create_app
from node.appkeys import ACTORS, FOLLOWS, INBOX, INBOX_WORKER_ENABLED, OBJECTS
from node.discussion.blocks import BLOCKED, block_for_pool
from node.inbox.batch import process_batch
from node.inbox.processing import now_ms
from node.inbox.worker import BATCH, LEASE_MS
from node.pool_engine.common import store
from node.pool_engine.tallies import counted_ballots
from node.storage import InboxItem, ReceivedObjectStore, StorageError
from node.storage.batches import BatchStore
from tests.node.inbox_helpers import AP, FakeActor, post_signed
from tests.node.pools.helpers import POOL, ProofActor, post, proof_person, propose, signed_tally

pytestmark = pytest.mark.both_backends

POOL_INBOX = "/pools/commons/inbox"


@pytest.fixture
async def client(fed, aiohttp_client):  # type: ignore[no-untyped-def]
    app = create_app(fed.config)
    app[INBOX_WORKER_ENABLED] = False  # each test processes what is due itself
    return await aiohttp_client(app)


async def _drain(client) -> list[list[InboxItem]]:  # type: ignore[no-untyped-def]
    """Process everything due, a batch at a time, as the worker would; the batches claimed."""
    batches = []
    while items := await client.app[INBOX].claim_due(now_ms(), LEASE_MS, BATCH):
        await process_batch(client.app, items)
        batches.append(items)
    return batches


async def _send(client, actor: FakeActor, activity: dict[str, Any], path: str = POOL_INBOX) -> str:  # type: ignore[no-untyped-def]
    resp = await post_signed(client, actor, path, activity)
    assert resp.status == 202, await resp.text()
    return str(activity["id"])


async def _members(client, fed, remote, *names: str) -> list[ProofActor]:  # type: ignore[no-untyped-def]
    people = [proof_person(remote, name) for name in names]
    joins = [p.activity("Join", POOL, to=[POOL]) for p in people]
    for person, join in zip(people, joins, strict=True):
        await _send(client, person, join)
    await _drain(client)
    for join in joins:
        resp = await post(client, "admin", fed.admin_token, {"type": "Accept", "object": join["id"]})
        assert resp.status == 201, await resp.text()
    return people


async def _states(client, ids: list[str]) -> list[tuple[str, int, str | None]]:  # type: ignore[no-untyped-def]
    found = []
    for activity_id in ids:
        item = await client.app[INBOX].by_activity_id(activity_id)
        assert item is not None
        found.append((item.state, item.attempts, item.last_error))
    return found


async def _rejections(client) -> list[str]:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    page = await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=100)
    documents = await client.app[OBJECTS].documents(page.items)
    return sorted(d.get("summary", "") for d in documents.values() if d["type"] == "Reject")


async def _tally(client, proposal: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The proposal's Tally once the running-tally clock signed every ballot stored."""
    return await signed_tally(client, proposal)


async def test_one_batch_counts_its_ballots_and_refuses_each_bad_one_alone(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    bo, cy, di, ed = await _members(client, fed, remote, "bo", "cy", "di", "ed")
    stranger = proof_person(remote, "stranger")
    proposal = (await propose(client, "admin", fed.admin_token))["id"]

    forged = copy.deepcopy(cy.ballot(proposal, "agree"))
    forged["choice"] = ["block"]  # changed after signing: the proof no longer holds
    sent = [
        await _send(client, bo, bo.activity("Create", bo.ballot(proposal, "agree"), to=[POOL])),
        await _send(client, cy, cy.activity("Create", forged, to=[POOL])),
        await _send(client, stranger, stranger.activity(
            "Create", stranger.ballot(proposal, "agree"), to=[POOL])),
        await _send(client, di, di.activity("Create", di.ballot(proposal, "disagree"), to=[POOL])),
        await _send(client, ed, ed.activity("Create", ed.ballot(proposal, "agree", later=3600),
                                            to=[POOL])),
    ]
    batches = await _drain(client)
    assert [len(b) for b in batches] == [5]  # one batch, one pass: nothing waits for a retry
    assert await _states(client, sent) == [("done", 1, None)] * 5

    stored = await store(client.app).ballots((await store(client.app).proposal(proposal)).id)
    assert sorted(b.voter_uri for b in stored) == sorted([bo.uri, di.uri])
    reasons = await _rejections(client)
    assert len(reasons) == 3, reasons
    assert any(r.startswith("proof rejected") for r in reasons)
    assert any("future" in r for r in reasons)
    tally = await _tally(client, proposal)
    assert tally["participation"] == 2 and tally["counts"]["agree"] == 1
    assert tally["counts"]["disagree"] == 1


async def test_a_voters_changes_in_one_batch_count_in_signed_order(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    bo, cy = await _members(client, fed, remote, "bo", "cy")
    eve = proof_person(remote, "eve")  # relays bo's ballot: it counts on bo's proof
    proposal = (await propose(client, "admin", fed.admin_token))["id"]

    first = bo.ballot(proposal, "agree", sequence=1)
    second = bo.ballot(proposal, "disagree", sequence=2)
    reused = bo.ballot(proposal, "block", sequence=2)  # another ballot with a used sequence
    unnumbered = bo.ballot(proposal, "agree")  # after numbered ones it would count for nothing
    sent = [
        await _send(client, bo, bo.activity("Create", second, to=[POOL])),  # 2 before 1
        await _send(client, eve, eve.activity("Create", second, to=[POOL])),  # the same again
        await _send(client, bo, bo.activity("Create", first, to=[POOL])),
        await _send(client, cy, cy.activity("Create", cy.ballot(proposal, "agree"), to=[POOL])),
        await _send(client, bo, bo.activity("Create", reused, to=[POOL])),
        await _send(client, bo, bo.activity("Create", unnumbered, to=[POOL])),
    ]
    assert [len(b) for b in await _drain(client)] == [6]
    assert [s for s, _, _ in await _states(client, sent)] == ["done"] * 6

    stored = await store(client.app).ballots((await store(client.app).proposal(proposal)).id)
    assert sorted((b.voter_uri, b.document.get("sequence", 0)) for b in stored) == sorted(
        [(bo.uri, 1), (bo.uri, 2), (cy.uri, 0)])
    reasons = await _rejections(client)
    assert len(reasons) == 2 and any("sequence 2" in r for r in reasons), reasons
    # bo's vote is the one with the highest sequence, whatever the arrival order.
    tally = await _tally(client, proposal)
    assert tally["participation"] == 2
    assert tally["counts"]["disagree"] == 1 and tally["counts"]["agree"] == 1
    # The running count equals a recount from the stored ballots.
    stored_proposal = await store(client.app).proposal(proposal)
    value = Proposal.from_dict(stored_proposal.proposal)
    again = recount(value.rule, value.electorate, await counted_ballots(client.app, stored_proposal))
    assert dict(again.counts) == tally["counts"]
    assert again.participation == tally["participation"]
    # Each stored ballot was counted once, in the order of its row (what the digest signs).
    assert tally["ballotCount"] == len(stored)
    assert tally["ballotsDigest"] == ballots_digest([b.uri for b in stored])


async def test_an_item_whose_handler_fails_fails_alone(client, fed, remote, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (bo,) = await _members(client, fed, remote, "bo")
    proposal = (await propose(client, "admin", fed.admin_token))["id"]
    zed = remote.add("zed")
    broken = zed.activity("Follow", POOL, to=[POOL])
    original = node.handlers.HANDLERS[("Follow", None)]

    async def failing(inbound):  # type: ignore[no-untyped-def]
        if inbound.activity["id"] == broken["id"]:
            raise RuntimeError("a bug in one handler")
        await original(inbound)

    monkeypatch.setitem(node.handlers.HANDLERS, ("Follow", None), failing)
    note = {"id": zed.uri + "/notes/1", "type": "Note", "attributedTo": zed.uri, "content": "hi",
            "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    sent = [
        await _send(client, zed, zed.activity("Create", note, to=note["to"]), "/inbox"),
        await _send(client, zed, broken),
        await _send(client, bo, bo.activity("Create", bo.ballot(proposal, "agree"), to=[POOL])),
        await _send(client, zed, zed.activity("Follow", POOL, to=[POOL])),
    ]
    assert [len(b) for b in await _drain(client)] == [4]
    states = await _states(client, sent)
    assert [s for s, _, _ in states] == ["done", "failed", "done", "done"]
    assert "a bug in one handler" in (states[1][2] or "")
    assert await client.app[OBJECTS].get(note["id"]) is not None
    assert (await _tally(client, proposal))["participation"] == 1


async def test_a_batch_that_cannot_be_written_together_goes_one_at_a_time(client, fed, remote, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (bo,) = await _members(client, fed, remote, "bo")
    proposal = (await propose(client, "admin", fed.admin_token))["id"]
    zed = remote.add("zed")
    public = ["https://www.w3.org/ns/activitystreams#Public"]
    notes = [{"id": f"{zed.uri}/notes/{n}", "type": "Note", "attributedTo": zed.uri,
              "content": f"note {n}", "to": public} for n in range(3)]
    poison = notes[1]["id"]
    commit, put = BatchStore.commit, ReceivedObjectStore.put

    async def refusing_commit(self, effects, at):  # type: ignore[no-untyped-def]
        if any(row[0] == poison for row in effects.objects):
            raise StorageError("the database refused a row")
        return await commit(self, effects, at)

    async def refusing_put(self, document, owners, created_at):  # type: ignore[no-untyped-def]
        if document["id"] == poison:
            raise StorageError("the database refused a row")
        await put(self, document, owners, created_at)

    monkeypatch.setattr(BatchStore, "commit", refusing_commit)
    monkeypatch.setattr(ReceivedObjectStore, "put", refusing_put)
    sent = [await _send(client, zed, zed.activity("Create", n, to=public), "/inbox") for n in notes]
    sent.insert(1, await _send(client, bo, bo.activity(
        "Create", bo.ballot(proposal, "agree"), to=[POOL])))
    assert [len(b) for b in await _drain(client)] == [4]
    states = await _states(client, sent)
    assert [s for s, _, _ in states] == ["done", "done", "queued", "done"]  # the poison: a retry
    assert "refused a row" in (states[2][2] or "")
    for n in (0, 2):
        assert await client.app[OBJECTS].get(notes[n]["id"]) is not None
    assert await client.app[OBJECTS].get(poison) is None
    assert (await _tally(client, proposal))["participation"] == 1


async def test_effects_are_written_before_a_later_item_of_the_batch_runs_its_handler(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    zed = remote.add("zed")
    public = ["https://www.w3.org/ns/activitystreams#Public"]
    note = {"id": zed.uri + "/notes/1", "type": "Note", "attributedTo": zed.uri,
            "content": "first words", "to": public}
    edited = {**note, "content": "second thoughts"}
    follow = zed.activity("Follow", POOL, to=[POOL])
    sent = [
        await _send(client, zed, zed.activity("Create", note, to=public), "/inbox"),
        await _send(client, zed, zed.activity("Update", edited, to=public), "/inbox"),
        await _send(client, zed, follow),
        # An Undo naming the Follow only by id: its handler is chosen by the stored Follow.
        await _send(client, zed, zed.activity("Undo", follow["id"], to=[POOL])),
    ]
    assert [len(b) for b in await _drain(client)] == [4]
    assert [s for s, _, _ in await _states(client, sent)] == ["done"] * 4
    stored = await client.app[OBJECTS].get(note["id"])
    assert stored is not None and stored.document["content"] == "second thoughts"
    resp = await client.get("/pools/commons/followers?page=true", headers={"Accept": AP})
    assert zed.uri not in (await resp.json(content_type=None))["orderedItems"]


async def test_a_batch_applies_a_pools_domain_block_to_all_but_its_members(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    (bo,) = await _members(client, fed, remote, "bo")
    zed = remote.add("zed")  # on bo's host, not a member
    pool = await client.app[ACTORS].get("commons", "pool")
    domain = remote.base.split("//")[1]
    assert await block_for_pool(client.app, pool, fed.admin.uri, domain, "a spam server", datetime.now(UTC))

    def note(who: FakeActor, n: int) -> dict[str, Any]:
        obj = {"id": f"{who.uri}/notes/{n}", "type": "Note", "attributedTo": who.uri,
               "content": "hello", "to": [POOL]}
        return who.activity("Create", obj, to=[POOL])

    from_member, from_zed = note(bo, 1), note(zed, 2)
    follow = zed.activity("Follow", POOL, to=[POOL])
    undo = zed.activity("Undo", follow["id"], to=[POOL])  # an answer: refused, never answered
    sent = [await _send(client, bo, from_member), await _send(client, zed, from_zed),
            await _send(client, zed, follow), await _send(client, zed, undo)]
    assert [len(b) for b in await _drain(client)] == [4]
    assert [s for s, _, _ in await _states(client, sent)] == ["done"] * 4

    # The member's note is kept and listed; the blocked account's activities are refused.
    assert await client.app[OBJECTS].get(from_member["object"]["id"]) is not None
    assert await client.app[OBJECTS].get(from_zed["object"]["id"]) is None
    page = await client.app[OBJECTS].collection_page(pool.id, "inbox", before=None, limit=100)
    assert from_member["id"] in page.items and from_zed["id"] not in page.items
    assert await client.app[FOLLOWS].get(zed.uri, POOL) is None
    # The pool says why to each refused activity but the answer.
    outbox = await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=100)
    documents = await client.app[OBJECTS].documents(outbox.items)
    rejected = {d["object"]: d.get("summary") for d in documents.values() if d["type"] == "Reject"}
    assert rejected == {from_zed["id"]: BLOCKED, follow["id"]: BLOCKED}
