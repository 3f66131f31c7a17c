"""What a passed proposal's decision does to money (issue 12 items 2-5): disbursements wait for
funds and lapse, a treasurer releases what was not spent, commitments lapse, refunds are owed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from node.appkeys import ACTORS
from node.pool_engine import close_due, sweep
from node.pool_engine.common import ledger_of, roster_of, store
from node.pools import load_bylaws
from tests.node.pools.helpers import POOL, get, post, propose, vote

pytestmark = pytest.mark.both_backends


def _closes(proposal: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))


async def _book(client: Any, node: Any, kind: str, amount: int, **fields: Any) -> Any:
    body = {"type": "LedgerEntry", "pool": POOL, "entryKind": kind, "amount": amount, **fields}
    resp = await post(client, "admin", node.admin_token, body)
    assert resp.status in (201, 403, 422), await resp.text()
    return resp


async def _spend(client: Any, node: Any, title: str, amount: int, *,
                 alice: bool = True) -> dict[str, Any]:
    proposal = await propose(client, "admin", node.admin_token, name=title,
                             proposalKind="disbursement", amount=amount, currency="EUR",
                             payee="https://shop.example/" + title.replace(" ", "-"), purpose=title)
    voters = [("admin", node.admin_token)] + ([("alice", node.alice_token)] if alice else [])
    for user, token in voters:
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    return proposal


async def _effect(client: Any, proposal: dict[str, Any]) -> str:
    return str((await get(client, proposal["id"] + "/effect"))["effect"])


async def _fund(client: Any) -> int:
    return int((await get(client, "/pools/commons/ledger/balances"))["fund"])


async def _set_bylaws(client: Any, node: Any, **changes: Any) -> None:
    actors = client.app[ACTORS]
    pool = await actors.by_username("commons", "pool")
    bylaws = (await load_bylaws(actors, pool)).to_dict()
    await actors.set_bylaws_json(pool.id, json.dumps({**bylaws, **changes}))


async def test_a_disbursement_the_fund_cannot_cover_waits_then_is_booked(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await _spend(client, node, "boat", 10_000)
    assert await close_due(client.app, _closes(proposal)) == [proposal["id"]]
    effect = await get(client, proposal["id"] + "/effect")
    assert effect["type"] == "Effect" and effect["outcome"] == "passed"
    assert effect["effect"] == "waiting_funds" and "fund" in effect["effectReason"], effect
    assert (await get(client, "/pools/commons/ledger/balances"))["entries"] == 0
    # A contribution that does not cover it books nothing more; a donation that does, books it.
    assert (await _book(client, node, "contribution", 6000, person=node.alice.uri)).status == 201
    assert await _effect(client, proposal) == "waiting_funds"
    assert (await _book(client, node, "donation", 4000, reference="a friend")).status == 201
    assert await _effect(client, proposal) == "done"
    balances = await get(client, "/pools/commons/ledger/balances")
    assert balances["fund"] == 0 and balances["balances"][f"commitment:{proposal['id']}"] == 10_000


async def test_waiting_disbursements_are_booked_oldest_first(client, node) -> None:  # type: ignore[no-untyped-def]
    older = await _spend(client, node, "roof", 8000)
    await close_due(client.app, _closes(older))
    younger = await _spend(client, node, "paint", 2000)
    await close_due(client.app, _closes(younger) + timedelta(seconds=1))
    assert await _effect(client, younger) == "waiting_funds"
    # 5000 would cover the younger one, but the older one is served first and blocks it.
    await _book(client, node, "donation", 5000, reference="a friend")
    assert (await _effect(client, older), await _effect(client, younger)) == ("waiting_funds",) * 2
    await _book(client, node, "donation", 3000, reference="a friend")
    assert (await _effect(client, older), await _effect(client, younger)) == ("done", "waiting_funds")
    await _book(client, node, "donation", 2000, reference="a friend")
    assert await _effect(client, younger) == "done" and await _fund(client) == 0


async def test_a_disbursement_waiting_longer_than_the_bylaws_allow_lapses(client, node) -> None:  # type: ignore[no-untyped-def]
    await _set_bylaws(client, node, funding_wait_seconds=86400)
    bylaws = await get(client, "/pools/commons/bylaws")
    assert bylaws["fundingWait"] == "PT86400S" and "1 day" in bylaws["content"]
    proposal = await _spend(client, node, "boat", 10_000)
    await close_due(client.app, _closes(proposal))
    await sweep(client.app, _closes(proposal) + timedelta(hours=23))
    assert await _effect(client, proposal) == "waiting_funds"
    await sweep(client.app, _closes(proposal) + timedelta(days=1))
    assert await _effect(client, proposal) == "lapsed"
    await _book(client, node, "donation", 10_000, reference="a friend")
    assert await _effect(client, proposal) == "lapsed" and await _fund(client) == 10_000


async def test_a_treasurer_releases_the_unspent_rest_of_a_commitment(client, node) -> None:  # type: ignore[no-untyped-def]
    await _book(client, node, "donation", 5000, reference="a friend")
    proposal = await _spend(client, node, "drill", 3000)
    await close_due(client.app, _closes(proposal))
    assert await _effect(client, proposal) == "done" and await _fund(client) == 2000
    release = {"proposal": proposal["id"]}
    too_much = await _book(client, node, "release", 3001, **release)
    assert too_much.status == 422 and (await too_much.json())["code"] == "exceeds_approved"
    not_treasurer = await post(client, "alice", node.alice_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "release", "amount": 1, **release})
    assert not_treasurer.status == 403
    assert (await _book(client, node, "release", 1000, **release)).status == 201
    balances = await get(client, "/pools/commons/ledger/balances")
    assert balances["fund"] == 3000 and balances["balances"][f"commitment:{proposal['id']}"] == 2000
    entries = (await get(client, "/pools/commons/ledger?page=true"))["orderedItems"]
    assert entries[0]["entryKind"] == "release" and "proof" in entries[0]
    assert entries[0]["recordedBy"] == node.admin.uri


async def test_a_commitment_lapses_at_the_deadline_the_bylaws_set(client, node) -> None:  # type: ignore[no-untyped-def]
    await _set_bylaws(client, node, commitment_lapse_seconds=30 * 86400)
    await _book(client, node, "donation", 5000, reference="a friend")
    proposal = await _spend(client, node, "drill", 3000)
    await close_due(client.app, _closes(proposal))
    await _book(client, node, "payment", 1000, proposal=proposal["id"], reference="invoice 1")
    committed = _closes(proposal)
    await sweep(client.app, committed + timedelta(days=29))
    assert await _fund(client) == 2000
    await sweep(client.app, committed + timedelta(days=31))
    balances = await get(client, "/pools/commons/ledger/balances")
    assert balances["fund"] == 4000 and balances["balances"][f"commitment:{proposal['id']}"] == 0
    await sweep(client.app, committed + timedelta(days=40))  # once only
    assert (await get(client, "/pools/commons/ledger/balances"))["entries"] == 4


async def test_a_refund_the_fund_cannot_cover_is_owed_shown_and_paid_later(client, node) -> None:  # type: ignore[no-untyped-def]
    await _book(client, node, "contribution", 5000, person=node.alice.uri)
    proposal = await _spend(client, node, "drill", 4500)
    await close_due(client.app, _closes(proposal))
    assert await _fund(client) == 500
    assert (await post(client, "alice", node.alice_token, {"type": "Leave", "object": POOL})).status == 201
    balances = await get(client, "/pools/commons/ledger/balances")
    assert balances["balances"][f"owed:{node.alice.uri}"] == -5000
    assert balances["balances"][f"capital:{node.alice.uri}"] == 0 and balances["fund"] == 500
    entries = (await get(client, "/pools/commons/ledger?page=true"))["orderedItems"]
    assert entries[0]["entryKind"] == "refund_owed"
    page = await (await client.get("/users/alice", headers={"Accept": "text/html"})).text()
    assert "owes EUR 50.00" in page
    # A later disbursement queues behind the refund owed, whatever the fund holds.
    later = await _spend(client, node, "saw", 100, alice=False)
    await close_due(client.app, _closes(later) + timedelta(seconds=1))
    assert await _effect(client, later) == "waiting_funds"
    await _book(client, node, "donation", 4500, reference="a friend")
    pool = await client.app[ACTORS].by_username("commons", "pool")
    _, _, ledger = await roster_of(client.app, pool)
    assert ledger.owed_to(node.alice.uri) == 0 and ledger.fund == 0
    assert await _effect(client, later) == "waiting_funds"
    await _book(client, node, "donation", 100, reference="a friend")
    assert await _effect(client, later) == "done"
    assert "owes" not in await (await client.get("/users/alice", headers={"Accept": "text/html"})).text()


async def test_expulsion_refunds_capital_like_leaving(client, node) -> None:  # type: ignore[no-untyped-def]
    await _book(client, node, "contribution", 700, person=node.alice.uri)
    proposal = await propose(client, "admin", node.admin_token, name="Expel alice",
                             proposalKind="expulsion", person=node.alice.uri)
    await vote(client, "admin", node.admin_token, proposal["id"], "agree")
    await vote(client, "alice", node.alice_token, proposal["id"], "agree")
    await close_due(client.app, _closes(proposal))
    assert await _effect(client, proposal) == "done"
    entries = (await get(client, "/pools/commons/ledger?page=true"))["orderedItems"]
    assert entries[0]["entryKind"] == "refund" and await _fund(client) == 0


async def test_an_effect_left_pending_by_a_crash_is_carried_out_at_start(node, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    from node.app import create_app
    from node.pool_engine.tallies import recount

    first = await aiohttp_client(create_app(node.config))
    await _book(first, node, "donation", 5000, reference="a friend")
    proposal = await _spend(first, node, "drill", 3000)
    # What close() commits before it carries the effect out, and then the process is gone.
    stored = await store(first.app).proposal(proposal["id"])
    pool = await first.app[ACTORS].by_id(stored.pool_id)
    _, document = await recount(first.app, pool, stored, _closes(proposal), final=True)
    assert await store(first.app).close_proposal(stored.id, "passed", document,
                                                 proposal["closesAt"], "pending")
    await first.close()

    second = await aiohttp_client(create_app(node.config))
    for _ in range(400):  # the closing worker's first round runs as the app starts
        if await _effect(second, proposal) == "done":  # (waiting_funds while it is queued)
            break
        await __import__("asyncio").sleep(0.05)
    assert await _effect(second, proposal) == "done"
    pool = await second.app[ACTORS].by_id(stored.pool_id)
    ledger = await ledger_of(second.app, pool, await load_bylaws(second.app[ACTORS], pool))
    assert ledger.balance(f"commitment:{proposal['id']}") == 3000
