"""Closing a round: exactly once with several processes, commitments that wait for funds,
private allocations until the close, and allocations ordered by what their member signed."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from node.app import create_app
from node.appkeys import ACTORS, OBJECTS
from node.budget import buckets
from node.pool_engine.closing import close_round
from node.pool_engine.common import signed, store
from node.pool_engine.obligations import lapse_commitments
from node.pools import load_bylaws
from node.wire import replay_documents
from schemas import OBJECT_CONTEXT
from tests.node.budget.helpers import POOL, allocate, bucket, close, contribute, open_round, result
from tests.node.pools.helpers import AP, get, post


async def _round_with_allocations(client, node) -> dict:  # type: ignore[no-untyped-def,type-arg]
    await contribute(client, node, 6000)
    round_doc = await open_round(client, node)
    rid = round_doc["id"]
    for user, token, name in (("admin", node.admin_token, "Tools"), ("alice", node.alice_token, "Party")):
        assert (await bucket(client, user, token, rid, name, 1000, 3000)).status == 201
    assert (await allocate(client, "admin", node.admin_token, rid, b1=3000)).status == 201
    assert (await allocate(client, "alice", node.alice_token, rid, b2=3000)).status == 201
    return round_doc


def _closes(round_doc: dict) -> datetime:  # type: ignore[type-arg]
    return datetime.fromisoformat(round_doc["closesAt"].replace("Z", "+00:00"))


async def _published(app, node) -> Counter:  # type: ignore[no-untyped-def,type-arg]
    pool = await app[ACTORS].get("commons", "pool")
    items = (await app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=100)).items
    documents = await app[OBJECTS].documents(items)
    return Counter((d["type"], d["object"].get("type"), d["object"].get("final"))
                   for d in documents.values() if isinstance(d["object"], dict))


@pytest.mark.both_backends
async def test_closing_twice_at_once_closes_and_books_once(client, node) -> None:  # type: ignore[no-untyped-def]
    round_doc = await _round_with_allocations(client, node)
    later = _closes(round_doc) + timedelta(seconds=1)
    await asyncio.gather(*(close_round(client.app, later) for _ in range(4)))
    entries = await store(client.app).ledger(node.pool.id)
    assert [e.entry["kind"] for e in entries] == ["contribution", "commitment", "commitment"]
    published = await _published(client.app, node)
    assert published[("Update", "BudgetResult", True)] == 1
    assert published[("Create", "Proposal", None)] == 1 and published[("Create", "Bucket", None)] == 2
    assert not any(kind == "Question" for _, kind, _ in published)  # a round is no poll


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_processes_close_a_round_once(node, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    a, b = (await aiohttp_client(create_app(node.config)), await aiohttp_client(create_app(node.config)))
    round_doc = await _round_with_allocations(a, node)
    later = _closes(round_doc) + timedelta(seconds=1)
    await asyncio.gather(*(close_round(app, later) for app in (a.app, b.app, a.app, b.app)))
    entries = await store(a.app).ledger(node.pool.id)
    assert sorted(e.entry["kind"] for e in entries) == ["commitment", "commitment", "contribution"]
    ledger = replay_documents("EUR", [e.document for e in entries])
    assert ledger.fund == 0
    assert (await _published(a.app, node))[("Update", "BudgetResult", True)] == 1


@pytest.mark.both_backends
async def test_a_round_the_fund_no_longer_covers_waits_for_funds(client, node) -> None:  # type: ignore[no-untyped-def]
    await contribute(client, node, 1000)
    await contribute(client, node, 5000, person=node.alice.uri)
    round_doc = await open_round(client, node)  # 6000: all the fund holds
    rid = round_doc["id"]
    for user, token, name in (("admin", node.admin_token, "Tools"), ("alice", node.alice_token, "Party")):
        assert (await bucket(client, user, token, rid, name, 1000, 3000)).status == 201
    assert (await allocate(client, "admin", node.admin_token, rid, b1=3000)).status == 201
    assert (await allocate(client, "alice", node.alice_token, rid, b2=3000)).status == 201
    # alice leaves during the round: her capital (5000) is refunded from the fund.
    assert (await post(client, "alice", node.alice_token, {"type": "Leave", "object": POOL})).status == 201
    await close(client, round_doc)
    effect = await get(client, rid + "/effect")
    assert effect["effect"] == "waiting_funds"
    ledger_page = await client.get("/pools/commons/ledger", headers={"Accept": "text/html"})
    assert "budget round waiting for funds" in await ledger_page.text()
    # Money comes in: the queue books both buckets, in the order they were proposed.
    await contribute(client, node, 6000)
    assert (await get(client, rid + "/effect"))["effect"] == "done"
    entries = [e.entry for e in await store(client.app).ledger(node.pool.id)]
    commitments = [e for e in entries if e["kind"] == "commitment"]
    assert [c["reference"] for c in commitments] == [rid + "/buckets/1", rid + "/buckets/2"]
    assert all(c["postings"][0]["amount"] == 3000 for c in commitments)


@pytest.mark.both_backends
async def test_private_allocations_are_published_at_the_close(client, node) -> None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].by_username("commons", "pool")
    bylaws = replace(await load_bylaws(client.app[ACTORS], pool), allocations_visible=False)
    await client.app[ACTORS].set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))
    round_doc = await _round_with_allocations(client, node)
    assert round_doc["allocationsVisible"] is False
    hidden = await client.get(round_doc["id"].removeprefix("http://node.test") + "/allocations",
                              headers={"Accept": AP})
    assert hidden.status == 403 and "private" in (await hidden.json())["error"]
    # The totals are public all the same.
    assert [b["allocated"] for b in (await result(client, round_doc["id"]))["buckets"]] == [3000, 3000]
    await close(client, round_doc)
    shown = await get(client, round_doc["id"] + "/allocations")
    assert shown["totalItems"] == 2


@pytest.mark.both_backends
async def test_allocations_count_by_their_signed_sequence_not_arrival(client, node) -> None:  # type: ignore[no-untyped-def]
    round_doc = await _round_with_allocations(client, node)
    rid = round_doc["id"]
    now = datetime.now(UTC).replace(microsecond=0)

    def mine(n: int, sequence: int | None, amount: int) -> dict:  # type: ignore[type-arg]
        doc = {"@context": OBJECT_CONTEXT, "id": f"{node.alice.uri}/allocations/{n}",
               "type": "Allocation", "attributedTo": node.alice.uri, "pool": POOL, "proposal": rid,
               "amounts": [{"bucket": rid + "/buckets/1", "amount": amount}], "to": [POOL],
               "published": now.isoformat().replace("+00:00", "Z")}
        if sequence is not None:
            doc["sequence"] = sequence
        return signed(doc, node.alice, now)

    later, earlier = mine(1, 9, 2500), mine(2, 8, 100)  # signed in this order, sent the other way
    for doc in (later, earlier):
        assert (await post(client, "alice", node.alice_token, doc)).status == 201
    assert [b["allocated"] for b in (await result(client, rid))["buckets"]] == [5500, 0]
    conflict = await post(client, "alice", node.alice_token, mine(3, 9, 1))
    assert conflict.status == 409 and (await conflict.json())["code"] == "allocation_sequence_conflict"
    bare = await post(client, "alice", node.alice_token, mine(4, None, 1))
    assert bare.status == 409 and (await bare.json())["code"] == "allocation_sequence_missing"
    # The node's next number comes after the client's own: an unsigned one now counts.
    assert (await allocate(client, "alice", node.alice_token, rid, b2=100)).status == 201
    stored = await store(client.app).proposal(rid)
    numbered = [a.sequence for a in await buckets(client.app).voter_allocations(stored.id, node.alice.uri)]
    assert numbered[-1] == 10 and [b["allocated"] for b in (await result(client, rid))["buckets"]] == [3000, 100]


@pytest.mark.both_backends
async def test_a_funded_buckets_money_lapses_like_any_commitment(client, node) -> None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].by_username("commons", "pool")
    bylaws = replace(await load_bylaws(client.app[ACTORS], pool), commitment_lapse=timedelta(days=30))
    await client.app[ACTORS].set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))
    round_doc = await _round_with_allocations(client, node)
    await close(client, round_doc)
    closes = _closes(round_doc)
    await lapse_commitments(client.app, pool, closes + timedelta(days=29))
    assert (await get(client, "/pools/commons/ledger/balances"))["fund"] == 0
    await lapse_commitments(client.app, pool, closes + timedelta(days=31))
    balances = await get(client, "/pools/commons/ledger/balances")
    assert balances["fund"] == 6000  # both buckets' unspent money is back in the fund
    entries = [e.entry for e in await store(client.app).ledger(node.pool.id)]
    assert [e["kind"] for e in entries][-2:] == ["release", "release"]
    assert {e["reference"] for e in entries[-2:]} == {"lapsed"}


@pytest.mark.both_backends
async def test_the_round_its_buckets_and_its_result_go_to_members_and_followers(client, node) -> None:  # type: ignore[no-untyped-def]
    round_doc = await _round_with_allocations(client, node)
    await close(client, round_doc)
    pool = await client.app[ACTORS].get("commons", "pool")
    items = (await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=100)).items
    sent = [d for d in (await client.app[OBJECTS].documents(items)).values()
            if isinstance(d["object"], dict) and d["object"].get("type") in ("Proposal", "Bucket", "BudgetResult")]
    assert len(sent) == 4
    for activity in sent:
        assert activity["cc"] == [POOL + "/followers"], activity["type"]
        assert set(activity["to"]) == {node.admin.uri, node.alice.uri}
