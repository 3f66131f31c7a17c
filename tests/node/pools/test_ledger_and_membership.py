"""Ledger bookings through the treasurer and closings; joining and leaving under each policy."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from governance import AdmissionPolicy
from node.accounts import create_member, issue_token
from node.appkeys import ACTORS, DB, OBJECTS, TOKENS
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.pools import load_bylaws
from node.wire import check_document, replay_documents
from tests.node.pools.helpers import POOL, get, post, propose, vote

pytestmark = pytest.mark.both_backends


async def _entries(client) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    page = await get(client, "/pools/commons/ledger?page=true")
    items = list(page["orderedItems"])
    while "next" in page:
        page = await get(client, page["next"])
        items += page["orderedItems"]
    return items


async def _close(client, proposal: dict) -> None:  # type: ignore[no-untyped-def,type-arg]
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes + timedelta(seconds=1)) == [proposal["id"]]


async def test_contribution_disbursement_and_payment(client, node) -> None:  # type: ignore[no-untyped-def]
    contribution = {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
                    "person": node.alice.uri, "amount": 5000, "reference": "bank 17"}
    assert (await post(client, "admin", node.admin_token, contribution)).status == 201
    denied = await post(client, "alice", node.alice_token, contribution)
    assert denied.status == 403 and (await denied.json())["code"] == "not_permitted"

    proposal = await propose(client, "alice", node.alice_token, proposalKind="disbursement",
                             amount=3000, currency="EUR", payee="Tool shop", purpose="a drill")
    await vote(client, "alice", node.alice_token, proposal["id"], "agree")
    await vote(client, "admin", node.admin_token, proposal["id"], "agree")
    await _close(client, proposal)

    payment = {"type": "LedgerEntry", "pool": POOL, "entryKind": "payment",
               "proposal": proposal["id"], "amount": 3000, "reference": "invoice 42"}
    assert (await post(client, "admin", node.admin_token, payment)).status == 201
    overdraw = await post(client, "admin", node.admin_token, {**payment, "amount": 1})
    # docs/PROTOCOL.md "Funds": more than the commitment holds is exceeds_approved.
    assert overdraw.status == 422 and (await overdraw.json())["code"] == "exceeds_approved"

    entries = await _entries(client)
    assert [e["entryKind"] for e in entries] == ["payment", "commitment", "contribution"]
    for entry in entries:
        check_document("ledger-entry", entry)
    ledger = replay_documents("EUR", entries)
    balances = await (await client.get("/pools/commons/ledger/balances")).json()
    assert ledger.fund == balances["fund"] == 2000
    assert ledger.head == balances["headHash"] == entries[0]["entryHash"]
    assert balances["balances"]["external:Tool shop"] == 3000


async def _set_admission(client, policy: AdmissionPolicy) -> None:  # type: ignore[no-untyped-def]
    actors = client.app[ACTORS]
    pool = await actors.get("commons", "pool")
    bylaws = replace(await load_bylaws(actors, pool), admission=policy)
    await actors.set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))


async def _carol(client, node):  # type: ignore[no-untyped-def]
    carol = await create_member(node.config, client.app[ACTORS], "carol")
    return carol, (await issue_token(client.app[TOKENS], carol)).secret


async def _state(client, person: str) -> str | None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    row = await store(client.app).membership(pool.id, person)
    return row.state if row else None


async def test_open_pool_admits_at_once(client, node) -> None:  # type: ignore[no-untyped-def]
    await _set_admission(client, AdmissionPolicy.OPEN)
    carol, token = await _carol(client, node)
    assert (await post(client, "carol", token, {"type": "Join", "object": POOL})).status == 201
    assert await _state(client, carol.uri) == "member"


async def test_steward_accepts_a_join(client, node) -> None:  # type: ignore[no-untyped-def]
    carol, token = await _carol(client, node)
    join = await (await post(client, "carol", token, {"type": "Join", "object": POOL})).json()
    assert await _state(client, carol.uri) == "applicant"
    refused = await post(client, "alice", node.alice_token, {"type": "Accept", "object": join["id"]})
    assert refused.status == 403
    assert await _state(client, carol.uri) == "applicant"
    accepted = await post(client, "admin", node.admin_token, {"type": "Accept", "object": join["id"]})
    assert accepted.status == 201
    assert await _state(client, carol.uri) == "member"


async def test_member_vote_admits(client, node) -> None:  # type: ignore[no-untyped-def]
    await _set_admission(client, AdmissionPolicy.VOTE)
    carol, token = await _carol(client, node)
    await post(client, "carol", token, {"type": "Join", "object": POOL})
    (admission,) = (await get(client, "/pools/commons/proposals?page=true"))["orderedItems"]
    assert admission["proposalKind"] == "admission" and admission["person"] == carol.uri
    await vote(client, "alice", node.alice_token, admission["id"], "agree")
    await vote(client, "admin", node.admin_token, admission["id"], "agree")
    await _close(client, admission)
    assert await _state(client, carol.uri) == "member"


async def test_an_admission_repaired_after_a_crash_still_sends_the_accept(client, node) -> None:  # type: ignore[no-untyped-def]
    # Killed after the admission was stored, before its Accept went out and the effect was
    # marked done: the repair finds a member, and must still tell the applicant.
    from node.pool_engine.effects import carry_out

    await _set_admission(client, AdmissionPolicy.VOTE)
    carol, token = await _carol(client, node)
    await post(client, "carol", token, {"type": "Join", "object": POOL})
    (admission,) = (await get(client, "/pools/commons/proposals?page=true"))["orderedItems"]
    await vote(client, "alice", node.alice_token, admission["id"], "agree")
    await vote(client, "admin", node.admin_token, admission["id"], "agree")
    await _close(client, admission)
    accepts = [a for a in await _pool_outbox(client) if a["type"] == "Accept" and a["to"] == [carol.uri]]
    assert len(accepts) == 1
    pool = await client.app[ACTORS].get("commons", "pool")
    stored = await store(client.app).proposal(admission["id"])
    await client.app[DB].execute("DELETE FROM objects WHERE uri = ?", (accepts[0]["id"],))
    assert await store(client.app).set_effect(stored.id, "pending", "2026-01-01T00:00:00Z",
                                              expected=("done",))
    stored = await store(client.app).proposal(admission["id"])
    assert await carry_out(client.app, pool, stored, datetime.now(UTC)) == "done"
    assert await _state(client, carol.uri) == "member"
    assert [a["type"] for a in await _pool_outbox(client) if a["to"] == [carol.uri]] == ["Accept"]


async def test_leave_refunds_capital(client, node) -> None:  # type: ignore[no-untyped-def]
    await post(client, "admin", node.admin_token, {"type": "LedgerEntry", "pool": POOL,
               "entryKind": "contribution", "person": node.alice.uri, "amount": 700})
    assert (await post(client, "alice", node.alice_token, {"type": "Leave", "object": POOL})).status == 201
    assert await _state(client, node.alice.uri) == "left"
    entries = await _entries(client)
    assert entries[0]["entryKind"] == "refund"
    assert replay_documents("EUR", entries).fund == 0


async def _pool_outbox(client) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    pool = await client.app[ACTORS].get("commons", "pool")
    items = (await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=20)).items
    documents = await client.app[OBJECTS].documents(items)
    return [documents[uri] for uri in items if uri in documents]


async def test_steward_turns_an_applicant_down_with_a_reason(client, node) -> None:  # type: ignore[no-untyped-def]
    carol, token = await _carol(client, node)
    join = await (await post(client, "carol", token, {"type": "Join", "object": POOL})).json()
    await post(client, "admin", node.admin_token, {"type": "LedgerEntry", "pool": POOL,
               "entryKind": "contribution", "person": carol.uri, "amount": 400})
    reject = {"type": "Reject", "object": join["id"], "summary": "We only take neighbours."}
    refused = await post(client, "alice", node.alice_token, reject)
    assert refused.status == 403 and (await refused.json())["code"] == "not_permitted"
    assert await _state(client, carol.uri) == "applicant"

    assert (await post(client, "admin", node.admin_token, reject)).status == 201
    assert await _state(client, carol.uri) == "left"
    (answer,) = [a for a in await _pool_outbox(client) if a["type"] == "Reject"]
    assert answer["object"] == join["id"] and answer["to"] == [carol.uri]
    assert answer["summary"] == "We only take neighbours."
    entries = await _entries(client)
    assert entries[0]["entryKind"] == "refund" and replay_documents("EUR", entries).fund == 0
    again = await post(client, "admin", node.admin_token, reject)
    assert again.status == 422 and (await again.json())["code"] == "not_an_applicant"
    assert (await post(client, "carol", token, {"type": "Join", "object": POOL})).status == 201
    assert await _state(client, carol.uri) == "applicant"


async def test_under_a_member_vote_no_steward_turns_an_applicant_down(client, node) -> None:  # type: ignore[no-untyped-def]
    await _set_admission(client, AdmissionPolicy.VOTE)
    carol, token = await _carol(client, node)
    join = await (await post(client, "carol", token, {"type": "Join", "object": POOL})).json()
    refused = await post(client, "admin", node.admin_token, {"type": "Reject", "object": join["id"]})
    assert refused.status == 403 and (await refused.json())["code"] == "admission_needs_vote"
    assert await _state(client, carol.uri) == "applicant"
    assert not [a for a in await _pool_outbox(client) if a["type"] == "Reject"]
