"""Proposals, ballots and tallies in one node through C2S, and the refusals that change nothing."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from governance import Proposal, tally
from node.accounts import create_member, issue_token
from node.appkeys import ACTORS, TOKENS
from node.pool_engine import close_due
from node.pool_engine.common import key_lookup, store
from node.wire import (
    ballot_from_document,
    check_document,
    proposal_from_documents,
    verify_author_proof,
)
from tests.node.pools.helpers import POOL, get, post, propose, signed_tally, vote

pytestmark = pytest.mark.both_backends


async def test_member_proposes_and_members_vote(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token, content="We buy a drill")
    check_document("proposal", proposal)
    assert proposal["attributedTo"] == POOL and proposal["proposedBy"] == node.admin.uri
    assert proposal["electorateSize"] == 2
    await verify_author_proof(proposal, POOL, lambda m: key_lookup(client.app, m))

    assert (await vote(client, "alice", node.alice_token, proposal["id"], "agree")).status == 201
    assert (await vote(client, "admin", node.admin_token, proposal["id"], "disagree")).status == 201
    current = await signed_tally(client, proposal["id"])
    check_document("tally", current)
    assert current["counts"]["agree"] == 1 and current["participation"] == 2
    assert current["final"] is False

    # Anyone can recount from the signed ballots and the signed electorate.
    electorate = await get(client, proposal["id"] + "/electorate")
    collection = await get(client, proposal["id"] + "/ballots")
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 2
    ballots = (await get(client, collection["first"]))["orderedItems"]
    for ballot in ballots:
        await verify_author_proof(ballot, ballot["attributedTo"], lambda m: key_lookup(client.app, m))
    rebuilt = proposal_from_documents(proposal, electorate)
    recount = tally(rebuilt.rule, rebuilt.electorate, [ballot_from_document(b) for b in ballots])
    assert recount.outcome.value == current["outcome"] == "rejected"

    question = await get(client, proposal["id"] + "/question")
    assert question["type"] == "Question" and question["votersCount"] == 2
    assert {o["name"]: o["replies"]["totalItems"] for o in question["oneOf"]}["agree"] == 1


async def test_proposal_closes_at_its_end_time(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    await vote(client, "alice", node.alice_token, proposal["id"], "agree")
    await vote(client, "admin", node.admin_token, proposal["id"], "agree")
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes - timedelta(seconds=1)) == []
    assert await close_due(client.app, closes) == [proposal["id"]]
    final = await get(client, proposal["id"] + "/tally")
    assert final["final"] is True and final["outcome"] == "passed"
    assert "closed" in await get(client, proposal["id"] + "/question")
    late = await vote(client, "alice", node.alice_token, proposal["id"], "disagree")
    assert late.status == 409 and (await late.json())["code"] == "proposal_closed"
    assert (await get(client, proposal["id"] + "/tally")) == final


async def _ballot_count(client, proposal: str) -> int:  # type: ignore[no-untyped-def]
    stored = await store(client.app).proposal(proposal)
    return len(await store(client.app).ballots(stored.id))


async def test_refusals_change_nothing(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    pid = proposal["id"]
    resp = await vote(client, "alice", node.alice_token, pid, "agree")
    signed = (await resp.json())["object"]

    # The same signed ballot again: no change, not an error.
    again = await post(client, "alice", node.alice_token, {"type": "Create", "object": signed})
    assert again.status == 201
    assert await _ballot_count(client, pid) == 1

    # A forged ballot: content changed after signing.
    forged = copy.deepcopy(signed)
    forged["id"] = signed["id"] + "x"
    forged["choice"] = ["block"]
    bad = await post(client, "alice", node.alice_token, {"type": "Create", "object": forged})
    assert bad.status == 422 and "proof" in (await bad.json())["error"]

    # A ballot from someone outside the electorate.
    carol = await create_member(node.config, client.app[ACTORS], "carol")
    token = (await issue_token(client.app[TOKENS], carol)).secret
    outsider = await vote(client, "carol", token, pid, "agree")
    assert outsider.status == 403 and (await outsider.json())["code"] == "not_in_electorate"

    # A proposal from a non-member.
    resp = await post(client, "carol", token, {"type": "Proposal", "pool": POOL, "name": "Mine"})
    assert resp.status == 403 and (await resp.json())["code"] == "not_a_member"
    assert len((await get(client, "/pools/commons/proposals?page=true"))["orderedItems"]) == 1
    assert await _ballot_count(client, pid) == 1
    rebuilt = Proposal.from_dict((await store(client.app).proposal(pid)).proposal)
    assert rebuilt.electorate.size == 2


async def test_vocabulary_is_served(client) -> None:  # type: ignore[no-untyped-def]
    resp = await client.get("/ns/v1")
    assert resp.status == 200 and resp.content_type == "application/ld+json"
    assert (await resp.json())["@context"]["Ballot"] == "pn:Ballot"


async def test_a_ballot_id_again_is_a_repeat_or_a_conflict_even_after_the_close(client, node) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from governance import Change, Conflict
    from node.pool_engine import cast

    proposal = await propose(client, "admin", node.admin_token)
    signed = (await (await vote(client, "alice", node.alice_token, proposal["id"], "agree")).json())["object"]
    now = datetime.fromisoformat(proposal["opensAt"].replace("Z", "+00:00")) + timedelta(minutes=1)
    assert await cast(client.app, signed, now, verified=True) is Change.UNCHANGED
    changed = {**signed, "choice": ["block"]}
    with pytest.raises(Conflict) as refused:
        await cast(client.app, changed, now, verified=True)
    assert refused.value.code == "ballot_id_conflict"

    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes) == [proposal["id"]]
    assert await cast(client.app, signed, closes, verified=True) is Change.UNCHANGED
    with pytest.raises(Conflict) as late:
        await cast(client.app, {**signed, "id": signed["id"] + "-late"}, closes, verified=True)
    assert late.value.code == "proposal_closed"
    assert await _ballot_count(client, proposal["id"]) == 1
