"""Issue 12 item 6 (fediverse poll replies counted as ballots), checked from outside
against docs/PROTOCOL.md §Fediverse members as the spec.

The recount, the proof hashing and the error expectations are written from
docs/PROTOCOL.md and docs/FEDERATION.md with hashlib, rfc8785 and cryptography only
(tests/acceptance/ballot_helpers.py): no code of the node builds or checks what is
compared with the node.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from tests.acceptance.ballot_helpers import (
    POOL,
    admit,
    check_recount,
    choice_of,
    deliver,
    every_ballot,
    get_json,
    now_z,
    person,
    propose,
    public_of,
    verifies,
)
from tests.conftest import NodeSetup
from tests.node.inbox_helpers import FakeActor, post_signed, processed
from tests.node.pools.helpers import signed_tally

# =========================================================================== item 6


def reply(actor: FakeActor, proposal: str, option: str, n: int, published: str) -> dict[str, Any]:
    return {"id": f"{actor.uri}/statuses/{n}", "type": "Note", "attributedTo": actor.uri,
            "name": option, "inReplyTo": proposal + "/question", "to": [POOL],
            "published": published}


async def _attested_recount(client: Any, proposal: str, fed: NodeSetup) -> dict[str, dict[str, Any]]:
    """Recount from signed ballots only: each proof checked by our verifier."""
    pool = await get_json(client, POOL)
    pool_key = public_of(pool["assertionMethod"][0]["publicKeyMultibase"])
    for ballot in await every_ballot(client, proposal):
        if "attestedBy" in ballot:
            assert ballot["attestedBy"] == POOL and verifies(ballot, pool_key)
    return await check_recount(client, proposal)


async def test_item6_anyof_replies_out_of_order_repeated_merge(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    mo = person(remote, "mo")
    await admit(client, fed, mo)
    proposal = await propose(client, fed.admin_token, ballotType="approval", options=["red", "green", "blue"])
    question = await get_json(client, proposal + "/question")
    assert [o["name"] for o in question["anyOf"]] == ["red", "green", "blue"] and "oneOf" not in question
    at = now_z()
    notes = [reply(mo, proposal, "blue", 13, at), reply(mo, proposal, "red", 11, at),
             reply(mo, proposal, "blue", 13, at), reply(mo, proposal, "red", 14, at),
             reply(mo, proposal, "green", 12, at)]
    for note in notes:
        item = await deliver(client, mo, note)
        assert item.state == "done", item
    counted = (await _attested_recount(client, proposal, fed))[mo.uri]
    assert counted["choice"] == ["red", "green", "blue"]
    assert counted["sequence"] == 3 and counted["id"] == notes[4]["id"]
    assert counted["evidence"] == [notes[0]["id"], notes[1]["id"], notes[4]["id"]]
    assert len(await every_ballot(client, proposal)) == 3
    question = await get_json(client, proposal + "/question")
    assert question["votersCount"] == 1
    assert [o["replies"]["totalItems"] for o in question["anyOf"]] == [1, 1, 1]


async def test_item6_anyof_replies_arriving_together(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    mo, ny = person(remote, "mo"), person(remote, "ny")
    await admit(client, fed, mo)
    await admit(client, fed, ny)
    proposal = await propose(client, fed.admin_token, ballotType="approval", options=["red", "green", "blue"])
    at = now_z()
    activities = []
    for actor in (mo, ny):
        for n, option in enumerate(["red", "green", "blue"]):
            activities.append((actor, actor.activity("Create", reply(actor, proposal, option, n, at), to=[POOL])))
    responses = await asyncio.gather(*(post_signed(client, a, "/pools/commons/inbox", act)
                                       for a, act in activities))
    assert [r.status for r in responses] == [202] * len(activities)
    for _, act in activities:
        assert (await processed(client, act["id"], within=30)).state == "done"
    counted = await _attested_recount(client, proposal, fed)
    assert counted[mo.uri]["choice"] == counted[ny.uri]["choice"] == ["red", "green", "blue"]


async def test_item6_oneof_poll_later_reply_replaces(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    mo = person(remote, "mo")
    await admit(client, fed, mo)
    for fields, first, second in (({}, "agree", "block"),
                                  ({"ballotType": "single_choice", "options": ["tea", "coffee"]}, "tea", "coffee")):
        proposal = await propose(client, fed.admin_token, **fields)
        question = await get_json(client, proposal + "/question")
        assert "oneOf" in question and "anyOf" not in question
        at = now_z()
        await deliver(client, mo, reply(mo, proposal, first, 1, at))
        await deliver(client, mo, reply(mo, proposal, second, 2, at))
        await deliver(client, mo, reply(mo, proposal, first, 1, at))  # a repeat changes nothing
        counted = (await _attested_recount(client, proposal, fed))[mo.uri]
        assert choice_of(counted) == [second] and counted["sequence"] == 2


async def test_item6_ranked_proposal_is_a_first_preference_poll(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    mo = person(remote, "mo")
    await admit(client, fed, mo)
    proposal = await propose(client, fed.admin_token, ballotType="ranked_choice", options=["a", "b", "c"])
    question = await get_json(client, proposal + "/question")
    assert [o["name"] for o in question["oneOf"]] == ["a", "b", "c"] and "anyOf" not in question
    assert "first preference" in question["content"].lower()
    await deliver(client, mo, reply(mo, proposal, "b", 1, now_z()))
    (ballot,) = await every_ballot(client, proposal)
    assert choice_of(ballot) == ["b"] and ballot["attestedBy"] == POOL
    tally = await signed_tally(client, proposal)
    assert tally["participation"] == 1 and tally["ballotCount"] == 1
    assert tally["ballotsDigest"] == hashlib.sha256(ballot["id"].encode() + b"\n").hexdigest()
    assert tally["rounds"][0]["counts"] == {"a": 0, "b": 1, "c": 0}  # b as first preference


async def test_item6_a_self_signed_ballot_then_a_reply_starts_a_new_ballot(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    mo = person(remote, "mo")
    await admit(client, fed, mo)
    proposal = await propose(client, fed.admin_token, ballotType="approval", options=["red", "green", "blue"])
    await deliver(client, mo, mo.ballot(proposal, ["red", "green"], sequence=1))
    await deliver(client, mo, reply(mo, proposal, "blue", 5, now_z()))
    counted = (await _attested_recount(client, proposal, fed))[mo.uri]
    assert counted["choice"] == ["blue"] and counted["sequence"] == 2
