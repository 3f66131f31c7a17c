"""Issue 12 item 1 (ballot order: the signed sequence decides, pools and floods), checked
from outside against docs/PROTOCOL.md §Ballot order as the spec.

The recount, the proof hashing and the error expectations are written from
docs/PROTOCOL.md and docs/FEDERATION.md with hashlib, rfc8785 and cryptography only
(tests/acceptance/ballot_helpers.py): no code of the node builds or checks what is
compared with the node.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.acceptance.ballot_helpers import (
    POOL,
    THREE,
    _c2s,
    admit,
    check_recount,
    deliver,
    every_ballot,
    get_json,
    now_z,
    outbox_post,
    person,
    private_of,
    propose,
    prove,
    rejections,
)
from tests.conftest import BASE_URL
from tests.web.helpers import page, post_form, set_password, sign_in

# =========================================================================== item 1


async def _you_voted(client: Any, proposal: str) -> str:
    html = await page(client, proposal.removeprefix(BASE_URL))
    found = re.search(r"You voted <strong>([^<]*)</strong>", html)
    assert found, "the page shows no ballot"
    return found[1]


async def test_item1_c2s_and_web_ballots_in_one_instant_the_last_counts_everywhere(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    await set_password(client, "alice")
    await sign_in(client, "alice")
    url = proposal.removeprefix(BASE_URL)
    sequence = 0
    for n, choice in enumerate(["abstain", "agree", "disagree", "agree", "abstain", "block", "agree"]):
        if n % 2:  # the web vote form
            await post_form(client, url + "/vote", {"choice": choice}, from_page=url)
        else:
            resp = await outbox_post(client, "alice", node.alice_token,
                                     {"type": "Ballot", "pool": POOL, "proposal": proposal,
                                      "choice": [choice], "sequence": 999})
            assert resp.status == 201, await resp.text()
            assert (await resp.json())["object"]["sequence"] == sequence + 1  # the node's number
        counted = await check_recount(client, proposal)
        mine = counted[node.alice.uri]
        assert mine["choice"] == [choice] and mine["sequence"] == sequence + 1
        sequence += 1
        assert await _you_voted(client, proposal) == choice


async def test_item1_concurrent_c2s_ballots_take_distinct_sequences(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    choices = ["agree", "disagree", "abstain", "block", "agree", "disagree"]
    responses = await asyncio.gather(*(
        outbox_post(client, "alice", node.alice_token,
                    {"type": "Ballot", "pool": POOL, "proposal": proposal, "choice": [c]})
        for c in choices))
    objects = []
    for resp in responses:
        assert resp.status == 201, await resp.text()
        objects.append((await resp.json())["object"])
    assert sorted(o["sequence"] for o in objects) == list(range(1, len(choices) + 1))
    last = max(objects, key=lambda o: o["sequence"])
    counted = await check_recount(client, proposal)
    assert counted[node.alice.uri]["id"] == last["id"]


async def test_item1_client_signed_sequence_then_node_numbered_reuse_and_legacy(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    key, method = private_of(node.alice), node.alice.uri + "#ed25519-key"
    at = now_z()

    def signed(choice: str, sequence: int | None, published: str = at) -> dict[str, Any]:
        doc = {"@context": THREE, "id": f"{BASE_URL}/objects/{uuid.uuid4()}", "type": "Ballot",
               "attributedTo": node.alice.uri, "pool": POOL, "proposal": proposal,
               "inReplyTo": proposal, "choice": [choice], "to": [POOL], "published": published}
        if sequence is not None:
            doc["sequence"] = sequence
        return prove(doc, key, method, "with_context")

    async def send(ballot: dict[str, Any]) -> Any:
        return await outbox_post(client, "alice", node.alice_token, {"type": "Create", "object": ballot})

    assert (await send(signed("disagree", 5))).status == 201
    numbered = await outbox_post(client, "alice", node.alice_token,
                                 {"type": "Ballot", "pool": POOL, "proposal": proposal, "choice": ["agree"]})
    assert numbered.status == 201
    assert (await numbered.json())["object"]["sequence"] == 6  # after the client's own 5
    assert (await check_recount(client, proposal))[node.alice.uri]["choice"] == ["agree"]

    # A different ballot reusing sequence 6: 409 with the documented code, nothing stored.
    reuse = await send(signed("block", 6))
    assert reuse.status == 409
    body = await reuse.json()
    assert body["code"] == "ballot_sequence_conflict" and body["error"]
    assert len(await every_ballot(client, proposal)) == 2

    # A ballot without a sequence after numbered ones would never count: refused with the
    # reason, nothing stored (not a silent no-op).
    later = (datetime.now(UTC) + timedelta(seconds=30)).isoformat(timespec="seconds").replace("+00:00", "Z")
    unnumbered = await send(signed("block", None, later))
    assert unnumbered.status == 409
    assert (await unnumbered.json())["code"] == "ballot_sequence_missing"
    assert len(await every_ballot(client, proposal)) == 2
    # A greater sequence wins whatever the times say (dated at the proposal's opening).
    opened = (await get_json(client, proposal))["opensAt"]
    assert (await send(signed("abstain", 9, opened))).status == 201
    counted = await check_recount(client, proposal)
    assert counted[node.alice.uri]["choice"] == ["abstain"] and counted[node.alice.uri]["sequence"] == 9
    await set_password(client, "alice")
    await sign_in(client, "alice")
    assert await _you_voted(client, proposal) == "abstain"
    # The web form then numbers after 9.
    url = proposal.removeprefix(BASE_URL)
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    counted = await check_recount(client, proposal)
    assert counted[node.alice.uri]["sequence"] == 10 and await _you_voted(client, proposal) == "agree"


async def test_item1_s2s_same_instant_out_of_order_reuse_and_legacy(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    bo, cy, di = person(remote, "bo"), person(remote, "cy"), person(remote, "di")
    for actor in (bo, cy, di):
        await admit(client, fed, actor)
    proposal = await propose(client, fed.admin_token)
    at = now_z(ms=True)
    # bo: sequence 2 (smaller id) arrives before sequence 1, both in one millisecond.
    await deliver(client, bo, bo.ballot(proposal, ["agree"], ballot_id=bo.uri + "/b/a", published=at, sequence=2))
    await deliver(client, bo, bo.ballot(proposal, ["abstain"], ballot_id=bo.uri + "/b/z", published=at, sequence=1))
    # A different ballot reusing sequence 2, relayed by someone else: refused with a reason.
    reuse = bo.ballot(proposal, ["block"], ballot_id=bo.uri + "/b/m", published=at, sequence=2)
    await deliver(client, cy, reuse)
    assert any("sequence 2" in r for r in await rejections(remote))
    # cy: legacy ballots, one instant: the greater id counts; di: instants, not strings, compare.
    await deliver(client, cy, cy.ballot(proposal, ["block"], ballot_id=cy.uri + "/b/b", published=at))
    await deliver(client, cy, cy.ballot(proposal, ["disagree"], ballot_id=cy.uri + "/b/a", published=at))
    whole = at[:19] + "Z"
    fraction = at[:19] + ".900Z"
    await deliver(client, di, di.ballot(proposal, ["disagree"], ballot_id=di.uri + "/b/0", published=fraction))
    await deliver(client, di, di.ballot(proposal, ["agree"], ballot_id=di.uri + "/b/z", published=whole))
    counted = await check_recount(client, proposal)
    assert reuse["id"] not in {b["id"] for b in await every_ballot(client, proposal)}
    assert counted[bo.uri]["choice"] == ["agree"]
    assert counted[cy.uri]["choice"] == ["block"]
    assert counted[di.uri]["choice"] == ["disagree"]


# =========================================================================== item 1, floods


async def test_item1_flood_ballots_are_numbered_and_a_reused_sequence_is_refused_even_at_once(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    from tests.node.floods.test_relayed import _flood

    client = s2s
    _, _, _, pid = await _flood(client, remote)
    for choice in ("disagree", "agree"):
        resp = await outbox_post(client, "alice", fed.alice_token,
                                 {"type": "Ballot", "pool": POOL, "proposal": pid, "choice": [choice]})
        assert resp.status == 201, await resp.text()
    key, method = private_of(fed.alice), fed.alice.uri + "#ed25519-key"
    at = now_z()

    def signed(choice: str) -> dict[str, Any]:
        return prove({"@context": THREE, "id": f"{BASE_URL}/objects/{uuid.uuid4()}", "type": "Ballot",
                      "attributedTo": fed.alice.uri, "pool": POOL, "proposal": pid, "inReplyTo": pid,
                      "choice": [choice], "to": [POOL], "published": at, "sequence": 7},
                     key, method, "with_context")

    # Two different ballots with one sequence, sent at once: one is kept, the other is a 409.
    answers = await asyncio.gather(*(
        outbox_post(client, "alice", fed.alice_token, {"type": "Create", "object": signed(c)})
        for c in ("block", "abstain", "disagree")))
    statuses = sorted(a.status for a in answers)
    assert statuses == [201, 409, 409], [(a.status, await a.text()) for a in answers]
    for answer in answers:
        if answer.status == 409:
            assert (await answer.json())["code"] == "ballot_sequence_conflict"
    # What river got relayed: alice's ballots numbered 1, 2 and one 7.
    async with asyncio.timeout(20):
        while True:
            relayed = []
            for post in remote.posts:
                if post.get("type") == "Announce":
                    objects = post["object"] if isinstance(post["object"], list) else [post["object"]]
                    relayed += [o for o in objects if isinstance(o, dict) and o.get("attributedTo") == fed.alice.uri]
            if len(relayed) >= 3:
                break
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert sorted(o.get("sequence") for o in relayed) == [1, 2, 7]


async def test_item1_pool_ballots_reusing_a_sequence_at_once_one_is_kept(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    key, method, at = private_of(node.alice), node.alice.uri + "#ed25519-key", now_z()
    ballots = [prove({"@context": THREE, "id": f"{BASE_URL}/objects/{uuid.uuid4()}", "type": "Ballot",
                      "attributedTo": node.alice.uri, "pool": POOL, "proposal": proposal,
                      "inReplyTo": proposal, "choice": [c], "to": [POOL], "published": at,
                      "sequence": 3}, key, method, "with_context")
               for c in ("agree", "block", "abstain")]
    answers = await asyncio.gather(*(outbox_post(client, "alice", node.alice_token,
                                                 {"type": "Create", "object": b}) for b in ballots))
    assert sorted(a.status for a in answers) == [201, 409, 409]
    assert len(await every_ballot(client, proposal)) == 1
    await check_recount(client, proposal)


@pytest.mark.parametrize("sequence", [0, -1, 2**53, True, 1.5, "2"])
async def test_item1_a_sequence_outside_the_schema_is_refused(client, node, sequence) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    ballot = prove({"@context": THREE, "id": f"{BASE_URL}/objects/{uuid.uuid4()}", "type": "Ballot",
                    "attributedTo": node.alice.uri, "pool": POOL, "proposal": proposal,
                    "inReplyTo": proposal, "choice": ["agree"], "to": [POOL], "published": now_z(),
                    "sequence": sequence}, private_of(node.alice), node.alice.uri + "#ed25519-key",
                   "with_context") if sequence != 2**53 else {
        "@context": THREE, "id": f"{BASE_URL}/objects/x", "type": "Ballot", "attributedTo": node.alice.uri,
        "pool": POOL, "proposal": proposal, "choice": ["agree"], "published": now_z(), "sequence": sequence,
        "proof": {"type": "DataIntegrityProof"}}
    resp = await _c2s(client, node, ballot)
    assert 400 <= resp.status < 500, await resp.text()
    assert (await resp.json())["code"] in ("invalid_document", "invalid_request", "proof_rejected")
    assert await every_ballot(client, proposal) == []
