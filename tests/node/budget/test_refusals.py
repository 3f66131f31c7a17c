"""Every refusal of a budget round through C2S: a clear 4xx with its code, nothing stored."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from governance import BucketProposers, GovernanceError
from node.accounts import create_member, issue_token
from node.appkeys import ACTORS, CONFIG, TOKENS
from node.budget import allocations, buckets, propose_bucket
from node.pool_engine.common import signed, store
from node.pools import load_bylaws
from tests.node.budget.helpers import POOL, allocate, bucket, close, contribute, open_round
from tests.node.pools.helpers import post

pytestmark = pytest.mark.both_backends


async def _outsider(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A local account that is no member of the pool: its name and token."""
    person = await create_member(client.app[CONFIG], client.app[ACTORS], "zed")
    return "zed", (await issue_token(client.app[TOKENS], person)).secret


async def _counts(client, round_id: str) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    stored = await store(client.app).proposal(round_id)
    rows = buckets(client.app)
    pool = await client.app[ACTORS].by_username("commons", "pool")
    return (await rows.count_buckets(stored.id), await rows.count_allocations(stored.id),
            await store(client.app).count_proposals(pool.id))


async def _refused(resp: Any, status: int, code: str) -> None:
    body = await resp.json()
    assert (resp.status, body["code"]) == (status, code), body
    assert body["error"]


@pytest.fixture
async def opened(client, node):  # type: ignore[no-untyped-def]
    """A round of 6000 (3000 each for admin and alice) with one bucket each."""
    await contribute(client, node, 10000)
    round_doc = await open_round(client, node)
    for user, token, name in (("admin", node.admin_token, "Tools"), ("alice", node.alice_token, "Party")):
        assert (await bucket(client, user, token, round_doc["id"], name, 1000, 4000)).status == 201
    return round_doc


@pytest.mark.parametrize(("amounts", "status", "code"), [
    ({"b1": 3001}, 422, "over_allocation"),
    ({"b1": 2000, "b2": 1001}, 422, "over_allocation"),
    ({"b9": 10}, 422, "unknown_bucket"),
    ({"b1": -1}, 400, "invalid_amount"),
    ({"b1": 12.5}, 400, "invalid_amount"),
    ({"b1": True}, 400, "invalid_amount"),
    ({"b1": "100"}, 400, "invalid_amount"),
    ({"b1": 2**53}, 400, "amount_too_large"),
])
async def test_an_allocation_that_breaks_a_rule_stores_nothing(client, node, opened, amounts, status,
                                                              code) -> None:  # type: ignore[no-untyped-def]
    before = await _counts(client, opened["id"])
    resp = await allocate(client, "alice", node.alice_token, opened["id"], **amounts)
    await _refused(resp, status, code)
    assert await _counts(client, opened["id"]) == before


async def test_allocations_naming_a_bucket_twice_or_too_many_buckets(client, node, opened) -> None:  # type: ignore[no-untyped-def]
    rid = opened["id"]
    twice = [{"bucket": f"{rid}/buckets/1", "amount": 1}] * 2
    resp = await post(client, "alice", node.alice_token, {"type": "Allocation", "pool": POOL,
                                                          "proposal": rid, "amounts": twice})
    await _refused(resp, 422, "invalid_allocation")
    many = [{"bucket": f"{rid}/buckets/{n}", "amount": 0} for n in range(101)]
    resp = await post(client, "alice", node.alice_token, {"type": "Allocation", "pool": POOL,
                                                          "proposal": rid, "amounts": many})
    await _refused(resp, 422, "invalid_document")
    assert (await _counts(client, rid))[1] == 0


async def test_a_non_member_neither_allocates_nor_proposes(client, node, opened) -> None:  # type: ignore[no-untyped-def]
    name, token = await _outsider(client)
    before = await _counts(client, opened["id"])
    await _refused(await allocate(client, name, token, opened["id"], b1=1), 403, "not_a_member")
    # The role first: a non-member's malformed amount is still answered with the role.
    await _refused(await allocate(client, name, token, opened["id"], b1=1.5), 403, "not_a_member")
    await _refused(await bucket(client, name, token, opened["id"], "Mine", 1, 2), 403, "not_a_member")
    resp = await post(client, name, token, {"type": "Proposal", "pool": POOL, "name": "Round",
                                            "proposalKind": "budget_round", "pot": 10, "currency": "EUR"})
    await _refused(resp, 403, "not_a_member")
    assert await _counts(client, opened["id"]) == before


@pytest.mark.parametrize(("fields", "status", "code"), [
    ({"name": "x" * 201}, 422, "invalid_document"),
    ({"name": "   "}, 422, "invalid_document"),
    ({"content": "d" * 5001}, 422, "invalid_document"),
    ({"minGoal": 500, "maxGoal": 400}, 422, "invalid_bucket"),
    ({"minGoal": 0}, 400, "invalid_amount"),
    ({"minGoal": 1.5}, 400, "invalid_amount"),
    ({"maxGoal": 2**53}, 400, "amount_too_large"),
])
async def test_a_malformed_bucket_stores_nothing(client, node, opened, fields, status, code) -> None:  # type: ignore[no-untyped-def]
    before = await _counts(client, opened["id"])
    draft = {"type": "Bucket", "pool": POOL, "proposal": opened["id"], "name": "Bikes",
             "minGoal": 100, "maxGoal": 200, **fields}
    await _refused(await post(client, "alice", node.alice_token, draft), status, code)
    assert await _counts(client, opened["id"]) == before


async def test_buckets_per_member_and_unknown_rounds(client, node, opened) -> None:  # type: ignore[no-untyped-def]
    rid = opened["id"]
    for n in (2, 3):
        assert (await bucket(client, "alice", node.alice_token, rid, f"Idea {n}", 1, 2)).status == 201
    await _refused(await bucket(client, "alice", node.alice_token, rid, "Idea 4", 1, 2), 422,
                   "too_many_buckets")
    await _refused(await bucket(client, "alice", node.alice_token, POOL + "/proposals/"
                                "00000000-0000-0000-0000-000000000000", "X", 1, 2), 404, "not_found")
    await _refused(await allocate(client, "alice", node.alice_token, POOL + "/proposals/"
                                  "00000000-0000-0000-0000-000000000000", b1=1), 404, "not_found")
    assert (await _counts(client, rid))[0] == 4


async def test_after_the_close_nothing_more_is_taken(client, node, opened) -> None:  # type: ignore[no-untyped-def]
    await close(client, opened)
    before = await _counts(client, opened["id"])
    await _refused(await allocate(client, "alice", node.alice_token, opened["id"], b1=1), 409,
                   "proposal_closed")
    await _refused(await bucket(client, "alice", node.alice_token, opened["id"], "Late", 1, 2), 409,
                   "proposal_closed")
    assert await _counts(client, opened["id"]) == before


async def test_a_ballot_is_not_an_allocation(client, node, opened) -> None:  # type: ignore[no-untyped-def]
    resp = await post(client, "alice", node.alice_token, {"type": "Ballot", "pool": POOL,
                                                          "proposal": opened["id"], "choice": ["agree"]})
    await _refused(resp, 422, "invalid_choice")


@pytest.mark.parametrize(("fields", "status", "code"), [
    ({"pot": 10001}, 422, "pot_exceeds_fund"),
    ({"pot": 0}, 400, "invalid_amount"),
    ({"pot": -5}, 400, "invalid_amount"),
    ({"pot": 10.5}, 400, "invalid_amount"),
    ({"pot": 2**53}, 400, "amount_too_large"),
    ({"currency": "USD"}, 422, "currency_mismatch"),
    ({"ballotType": "consent"}, 422, "ballot_type_not_allowed"),
    ({"purpose": "p" * 5001}, 422, "invalid_document"),
])
async def test_a_round_that_cannot_open_stores_nothing(client, node, fields, status, code) -> None:  # type: ignore[no-untyped-def]
    await contribute(client, node, 10000)
    pool = await client.app[ACTORS].by_username("commons", "pool")
    draft = {"type": "Proposal", "pool": POOL, "name": "Round", "proposalKind": "budget_round",
             "pot": 100, "currency": "EUR", **fields}
    await _refused(await post(client, "admin", node.admin_token, draft), status, code)
    assert await store(client.app).count_proposals(pool.id) == 0


async def test_bucket_window_and_steward_rule_from_the_bylaws(client, node) -> None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].by_username("commons", "pool")
    bylaws = await load_bylaws(client.app[ACTORS], pool)
    changed = replace(bylaws, bucket_proposers=BucketProposers.STEWARDS, bucket_window=timedelta(hours=1))
    await client.app[ACTORS].set_bylaws_json(pool.id, json.dumps(changed.to_dict()))
    await contribute(client, node, 10000)
    round_doc = await open_round(client, node)
    assert round_doc["bucketProposers"] == "stewards"
    await _refused(await bucket(client, "alice", node.alice_token, round_doc["id"], "Mine", 1, 2),
                   403, "not_permitted")
    assert (await bucket(client, "admin", node.admin_token, round_doc["id"], "Tools", 1, 2)).status == 201
    # The window: an hour after opening, no more buckets (the engine is handed the time).
    later = datetime.fromisoformat(round_doc["opensAt"].replace("Z", "+00:00")) + timedelta(hours=1)
    draft = signed({"@context": [], "id": node.admin.uri + "/late", "type": "Bucket",
                    "attributedTo": node.admin.uri, "pool": POOL, "proposal": round_doc["id"],
                    "name": "Late", "minGoal": 1, "maxGoal": 2}, node.admin, later)
    with pytest.raises(GovernanceError) as info:
        await propose_bucket(client.app, draft, later)
    assert info.value.code == "buckets_closed"
    assert (await _counts(client, round_doc["id"]))[0] == 1


async def test_a_member_changes_an_allocation_a_bounded_number_of_times(client, node, opened,
                                                                     monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(allocations, "MAX_CHANGES", 2)
    for amount in (1, 2):
        assert (await allocate(client, "alice", node.alice_token, opened["id"], b1=amount)).status == 201
    await _refused(await allocate(client, "alice", node.alice_token, opened["id"], b1=3), 422,
                   "too_many_allocations")
    assert (await _counts(client, opened["id"]))[1] == 2
    assert (await allocate(client, "admin", node.admin_token, opened["id"], b1=3)).status == 201
