"""Members on other servers: Join, signed ballots over S2S, refusals with a reason, poll replies."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from federation.proofs import create_proof
from node.appkeys import ACTORS, OBJECTS
from node.pool_engine.common import store
from schemas import OBJECT_CONTEXT
from tests.node.inbox_helpers import FakeActor, post_signed, processed
from tests.node.pools.helpers import POOL, ProofActor, post, proof_person, propose, signed_tally

pytestmark = pytest.mark.both_backends

POOL_INBOX = "/pools/commons/inbox"


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


def _person(remote, name: str) -> ProofActor:  # type: ignore[no-untyped-def]
    return proof_person(remote, name)


async def _send(client, actor: FakeActor, activity: dict[str, Any]):  # type: ignore[no-untyped-def]
    resp = await post_signed(client, actor, POOL_INBOX, activity)
    assert resp.status == 202, await resp.text()
    return await processed(client, activity["id"])


async def _admit(client, fed, actor: FakeActor) -> None:  # type: ignore[no-untyped-def]
    join = actor.activity("Join", POOL, to=[POOL])
    await _send(client, actor, join)
    resp = await post(client, "admin", fed.admin_token, {"type": "Accept", "object": join["id"]})
    assert resp.status == 201, await resp.text()


async def _ballots(client, proposal: str) -> list[Any]:  # type: ignore[no-untyped-def]
    stored = await store(client.app).proposal(proposal)
    return await store(client.app).ballots(stored.id)


async def _rejections(client) -> list[str]:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    page = await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=100)
    documents = await client.app[OBJECTS].documents(page.items)
    return [d.get("summary", "") for d in documents.values() if d["type"] == "Reject"]


async def test_remote_member_votes_with_a_signed_ballot(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    bo = _person(remote, "bo")
    await _admit(client, fed, bo)
    proposal = (await propose(client, "admin", fed.admin_token))["id"]

    ballot = bo.ballot(proposal, "agree")
    create = bo.activity("Create", ballot, to=[POOL])
    item = await _send(client, bo, create)
    assert item.state == "done"
    (stored,) = await _ballots(client, proposal)
    assert stored.voter_uri == bo.uri and stored.attested_by is None

    # The same ballot again under another activity: no change, no error.
    await _send(client, bo, bo.activity("Create", ballot, to=[POOL]))
    assert len(await _ballots(client, proposal)) == 1

    # A ballot relayed by another actor counts on its own proof (and, being later, replaces).
    eve = _person(remote, "eve")
    relayed = bo.ballot(proposal, "disagree", later=2)
    await _send(client, eve, eve.activity("Create", relayed, to=[POOL]))
    assert [b.ballot["choice"] for b in await _ballots(client, proposal)] == [["agree"], ["disagree"]]

    tally = await signed_tally(client, proposal)
    assert tally["participation"] == 1 and tally["counts"]["disagree"] == 1


async def test_refused_ballots_get_a_reason_and_change_nothing(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    bo, dan = _person(remote, "bo"), _person(remote, "dan")
    await _admit(client, fed, bo)
    proposal = (await propose(client, "admin", fed.admin_token))["id"]

    forged = copy.deepcopy(bo.ballot(proposal, "agree"))
    forged["choice"] = ["block"]
    await _send(client, bo, bo.activity("Create", forged, to=[POOL]))
    await _send(client, dan, dan.activity("Create", dan.ballot(proposal, "agree"), to=[POOL]))
    unknown = bo.ballot(fed.config.base_url + "/pools/commons/proposals/" + str(uuid.uuid4()), "agree")
    await _send(client, bo, bo.activity("Create", unknown, to=[POOL]))

    assert await _ballots(client, proposal) == []
    reasons = await _rejections(client)
    assert any("does not verify" in r for r in reasons)
    assert any("only members" in r for r in reasons)
    assert any("no such proposal" in r for r in reasons)


async def test_remote_non_member_cannot_propose(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    dan = _person(remote, "dan")
    draft = {"@context": OBJECT_CONTEXT, "id": dan.uri + "/drafts/1", "type": "Proposal",
             "attributedTo": dan.uri, "pool": POOL, "name": "Mine", "to": [POOL]}
    draft = create_proof(draft, dan.proof_key, dan.uri + "#ed25519-key", datetime.now(UTC))
    await _send(client, dan, dan.activity("Create", draft, to=[POOL]))
    assert await store(client.app).count_proposals(1) == 0
    assert any("only a member" in r for r in await _rejections(client))


async def test_mastodon_poll_reply_counts_as_an_attested_ballot(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo = _person(remote, "mo")
    await _admit(client, fed, mo)
    proposal = (await propose(client, "admin", fed.admin_token))["id"]
    note = {"id": mo.uri + "/statuses/1", "type": "Note", "attributedTo": mo.uri,
            "name": "agree", "inReplyTo": proposal + "/question", "to": [POOL]}
    await _send(client, mo, mo.activity("Create", note, to=[POOL]))
    (stored,) = await _ballots(client, proposal)
    assert stored.voter_uri == mo.uri and stored.attested_by == POOL
    assert stored.document["attestedBy"] == POOL and stored.document["evidence"] == note["id"]
    assert stored.document["proof"]["verificationMethod"] == POOL + "#ed25519-key"


def _numbered(actor: ProofActor, proposal: str, choice: str, sequence: int, ballot_id: str,
              published: str) -> dict[str, Any]:
    doc = {"@context": OBJECT_CONTEXT, "id": ballot_id, "type": "Ballot", "attributedTo": actor.uri,
           "pool": POOL, "proposal": proposal, "choice": [choice], "to": [POOL],
           "published": published, "sequence": sequence}
    return create_proof(doc, actor.proof_key, actor.uri + "#ed25519-key", datetime.now(UTC))


async def test_s2s_two_ballots_in_one_instant_the_greater_sequence_counts(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    # Issue 12 item 1: same `published`, and the later ballot has the smaller id (the old
    # tie-break counted the earlier one); out-of-order arrival leaves sequence 2 counted.
    bo, cy = _person(remote, "bo"), _person(remote, "cy")
    await _admit(client, fed, bo)
    await _admit(client, fed, cy)
    proposal = (await propose(client, "admin", fed.admin_token))["id"]
    at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for doc in (_numbered(bo, proposal, "abstain", 1, bo.uri + "/ballots/z", at),
                _numbered(bo, proposal, "agree", 2, bo.uri + "/ballots/a", at),
                _numbered(cy, proposal, "agree", 2, cy.uri + "/ballots/a", at),
                _numbered(cy, proposal, "block", 1, cy.uri + "/ballots/z", at)):
        item = await _send(client, bo, bo.activity("Create", doc, to=[POOL]))
        assert item.state == "done"
    tally = await signed_tally(client, proposal)
    assert tally["participation"] == 2 and tally["counts"]["agree"] == 2
    # A different ballot reusing bo's sequence 2 is refused with a reason; nothing is stored.
    reuse = _numbered(bo, proposal, "disagree", 2, bo.uri + "/ballots/b", at)
    await _send(client, bo, bo.activity("Create", reuse, to=[POOL]))
    assert reuse["id"] not in {b.uri for b in await _ballots(client, proposal)}
    assert any("sequence 2" in r for r in await _rejections(client))


def _reply(actor: ProofActor, proposal: str, option: str, n: int, published: str) -> dict[str, Any]:
    return {"id": f"{actor.uri}/statuses/{n}", "type": "Note", "attributedTo": actor.uri,
            "name": option, "inReplyTo": proposal + "/question", "to": [POOL],
            "published": published}


async def _approval(client, fed) -> str:  # type: ignore[no-untyped-def]
    return str((await propose(client, "admin", fed.admin_token, ballotType="approval",
                              options=["red", "green", "blue"]))["id"])


async def test_mastodon_multiple_choice_replies_merge_into_one_ballot(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    # Issue 12 item 6: three Notes (one per ticked option, one instant) -> one counted ballot
    # with three options, resting on the three notes; a repeated note changes nothing.
    mo = _person(remote, "mo")
    await _admit(client, fed, mo)
    proposal = await _approval(client, fed)
    question = await (await client.get(proposal.removeprefix("http://node.test") + "/question",
                                       headers={"Accept": "application/activity+json"})).json()
    assert [c["name"] for c in question["anyOf"]] == ["red", "green", "blue"]
    at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    notes = [_reply(mo, proposal, option, n, at) for n, option in enumerate(["blue", "red", "green"])]
    for note in [*notes, notes[1]]:
        await _send(client, mo, mo.activity("Create", note, to=[POOL]))
    kept = await _ballots(client, proposal)
    assert len(kept) == 3
    last = kept[-1].document
    assert last["choice"] == ["red", "green", "blue"] and last["sequence"] == 3
    assert last["evidence"] == [n["id"] for n in notes] and last["attestedBy"] == POOL
    tally = await signed_tally(client, proposal)
    assert tally["participation"] == 1
    assert tally["counts"] == {"red": 1, "green": 1, "blue": 1}


async def test_mastodon_single_choice_reply_replaces_and_ranked_offers_first_preference(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo = _person(remote, "mo")
    await _admit(client, fed, mo)
    proposal = (await propose(client, "admin", fed.admin_token))["id"]
    at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    # Two replies in one instant, the later with the smaller id: the later one counts.
    for n, option in ((9, "abstain"), (1, "agree")):
        await _send(client, mo, mo.activity("Create", _reply(mo, proposal, option, n, at), to=[POOL]))
    kept = await _ballots(client, proposal)
    assert [b.document["sequence"] for b in kept] == [1, 2]
    assert kept[-1].document["evidence"] == mo.uri + "/statuses/1"
    tally = await signed_tally(client, proposal)
    assert tally["participation"] == 1 and tally["counts"]["agree"] == 1

    # A ranked proposal is a single-choice poll: one reply ranks one option first.
    ranked = (await propose(client, "admin", fed.admin_token, ballotType="ranked_choice",
                            options=["red", "green", "blue"]))["id"]
    question = await (await client.get(ranked.removeprefix("http://node.test") + "/question",
                                       headers={"Accept": "application/activity+json"})).json()
    assert "anyOf" not in question and [c["name"] for c in question["oneOf"]] == ["red", "green", "blue"]
    assert "first preference only" in question["content"]
    at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")  # after it opened
    for n, option in ((3, "green"), (4, "blue")):
        await _send(client, mo, mo.activity("Create", _reply(mo, ranked, option, n, at), to=[POOL]))
    kept = await _ballots(client, ranked)
    assert [b.ballot["choice"] for b in kept] == [["green"], ["blue"]]
    tally = await signed_tally(client, ranked)
    assert tally["participation"] == 1 and tally["counts"]["blue"] == 1
