"""A budget round end to end through C2S: open, buckets, allocations, close, commitments,
and a recount from the signed inputs that equals the pool's result."""

from __future__ import annotations

import pytest

from governance import Budget
from node.pool_engine.common import key_lookup
from node.wire import check_document, proposal_from_documents, replay_documents, verify_author_proof
from node.wire.budget import (
    RESULT_FIELDS,
    allocation_from_document,
    bucket_from_document,
    bucket_time,
    result_document,
)
from tests.node.budget.helpers import POOL, allocate, bucket, close, contribute, open_round, result
from tests.node.pools.helpers import get

pytestmark = pytest.mark.both_backends


async def _items(client, collection: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    items, page = [], (await get(client, collection))["first"]
    while page:
        body = await get(client, page)
        items += body["orderedItems"]
        page = body.get("next")
    return items


async def test_a_round_from_opening_to_commitments(client, node) -> None:  # type: ignore[no-untyped-def]
    await contribute(client, node, 10000)
    round_doc = await open_round(client, node, pot=6001)
    check_document("proposal", round_doc)
    rid = round_doc["id"]
    assert round_doc["proposalKind"] == "budget_round" and round_doc["ballotType"] == "allocation"
    assert round_doc["allowance"] == 3000  # 6001 // 2: the same for both members
    assert round_doc["maxBucketsPerMember"] == 3 and round_doc["bucketProposers"] == "members"
    assert round_doc["bucketsCloseAt"] == round_doc["closesAt"]
    await verify_author_proof(round_doc, POOL, lambda m: key_lookup(client.app, m))

    assert (await bucket(client, "admin", node.admin_token, rid, "Tools", 2000, 3500)).status == 201
    assert (await bucket(client, "alice", node.alice_token, rid, "Party", 2500, 5000)).status == 201
    tools = await get(client, rid + "/buckets/1")
    check_document("bucket", tools)
    assert tools["proposedBy"] == node.admin.uri and tools["name"] == "Tools"
    await verify_author_proof(tools, POOL, lambda m: key_lookup(client.app, m))

    assert (await allocate(client, "admin", node.admin_token, rid, b1=3000)).status == 201
    first = await result(client, rid)  # signed when read, again only once something was added
    assert first["participation"] == 1 and await result(client, rid) == first
    assert (await allocate(client, "alice", node.alice_token, rid, b1=1000, b2=2000)).status == 201
    # alice changes her mind: her later allocation replaces the whole earlier one.
    assert (await allocate(client, "alice", node.alice_token, rid, b1=500, b2=2500)).status == 201
    running = await result(client, rid)
    check_document("budget-result", running)
    assert running["final"] is False and running["participation"] == 2
    assert [(b["allocated"], b["funded"]) for b in running["buckets"]] == [(3500, 3500), (2500, 2500)]

    assert await close(client, round_doc) == [rid]
    final = await result(client, rid)
    assert final["final"] is True and final["outcome"] == "passed"
    assert final["funded"] == 6000 and final["returned"] == 1
    assert len(final["allocations"]) == 3

    # Both funded buckets are committed in the ledger, in the order they were proposed.
    ledger_doc = await get(client, "/pools/commons/ledger?page=true")
    entries = sorted(ledger_doc["orderedItems"], key=lambda e: e["sequence"])
    ledger = replay_documents("EUR", entries)
    assert [e["entryKind"] for e in entries] == ["contribution", "commitment", "commitment"]
    assert ledger.balance(f"commitment:{rid}/buckets/1") == 3500
    assert ledger.balance(f"commitment:{rid}/buckets/2") == 2500
    assert ledger.fund == 10000 - 6000  # the rest stays in the fund
    assert entries[1]["memo"] == "Tools" and entries[1]["reference"] == f"{rid}/buckets/1"
    effect = await get(client, rid + "/effect")
    assert effect["effect"] == "done"

    # A third party recounts from the signed inputs alone and gets the same result.
    electorate = await get(client, rid + "/electorate")
    proposal = proposal_from_documents(round_doc, electorate)
    buckets = sorted(await _items(client, rid + "/buckets"), key=lambda d: int(d["id"].rsplit("/", 1)[1]))
    allocations = await _items(client, rid + "/allocations")
    for doc in buckets:
        await verify_author_proof(doc, POOL, lambda m: key_lookup(client.app, m))
    for doc in allocations:
        await verify_author_proof(doc, doc["attributedTo"], lambda m: key_lookup(client.app, m))
    again = Budget.recount(proposal, [(bucket_from_document(d), bucket_time(d)) for d in buckets],
                           [allocation_from_document(d) for d in allocations])
    ours = result_document(again, POOL, final["allocations"], final=True, updated=final["updated"])
    assert {f: ours[f] for f in RESULT_FIELDS} == {f: final[f] for f in RESULT_FIELDS}
    assert sorted(d["id"] for d in allocations) == sorted(final["allocations"])


async def test_a_treasurer_pays_a_funded_bucket_to_its_proposer_or_releases_it(client, node) -> None:  # type: ignore[no-untyped-def]
    from tests.node.pools.helpers import post

    await contribute(client, node, 6000)
    round_doc = await open_round(client, node)
    rid = round_doc["id"]
    await bucket(client, "alice", node.alice_token, rid, "Party", 1000, 3000)
    await bucket(client, "admin", node.admin_token, rid, "Tools", 1000, 3000)
    await allocate(client, "admin", node.admin_token, rid, b1=2000, b2=1000)
    await allocate(client, "alice", node.alice_token, rid, b1=1000, b2=2000)
    await close(client, round_doc)

    async def request(**fields):  # type: ignore[no-untyped-def]
        return await post(client, "admin", node.admin_token, {"type": "LedgerEntry", "pool": POOL, **fields})

    too_much = await request(entryKind="payment", proposal=rid + "/buckets/1", amount=3001, reference="t 1")
    assert too_much.status == 422 and (await too_much.json())["code"] == "exceeds_approved"
    paid = await request(entryKind="payment", proposal=rid + "/buckets/1", amount=2500, reference="t 1")
    assert paid.status == 201, await paid.text()
    released = await request(entryKind="release", proposal=rid + "/buckets/2", amount=3000)
    assert released.status == 201, await released.text()
    balances = await get(client, "/pools/commons/ledger/balances")
    assert balances["balances"][f"external:{node.alice.uri}"] == 2500  # alice proposed the party
    assert balances["balances"][f"commitment:{rid}/buckets/1"] == 500
    assert f"commitment:{rid}/buckets/2" not in balances["balances"] or \
        balances["balances"][f"commitment:{rid}/buckets/2"] == 0
    assert balances["fund"] == 3000
