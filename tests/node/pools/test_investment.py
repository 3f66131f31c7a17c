"""Investment proposals in the node: a passed one opens a capital call, the treasurer records
each member's payment, and the payment that completes it registers the asset; a crash between
steps is finished by the effects clock; a cancelled call owes members back what they paid."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from governance import GovernanceError, Ledger, Roster
from governance.capital_call import CapitalCall, call_payment
from node.appkeys import ACTORS, DB
from node.assets.investment import calls, cancel
from node.errors import NodeError
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.pool_engine.effects import carry_out_pending
from node.pool_engine.ledger import book
from node.pool_engine.obligations import lapse_commitments
from node.pools import load_bylaws
from node.storage.assets import AssetStore
from node.wire import check_document, replay_documents
from tests.conftest import BASE_URL
from tests.node.pools.helpers import POOL, get, post, proposals, vote

pytestmark = pytest.mark.both_backends


async def treasurer(client: Any, node: Any, body: dict[str, Any]) -> Any:
    return await post(client, "admin", node.admin_token, {"pool": POOL, **body})


async def entries(client: Any) -> list[dict[str, Any]]:
    page = await get(client, "/pools/commons/ledger?page=true")
    return list(reversed(page["orderedItems"]))


async def invest(client: Any, node: Any, **fields: Any) -> dict[str, Any]:
    """Alice proposes to buy a cargo van (the fields override) and both members pass it."""
    body = {"type": "Proposal", "pool": POOL, "name": "Buy a cargo van",
            "proposalKind": "investment", "assetName": "Cargo van", "assetKind": "vehicle",
            "tenure": "owned", "keeper": node.alice.uri, "price": 10_001, "fromFund": 4_000,
            "currency": "EUR", "monthlyDepreciation": 100, **fields}
    resp = await post(client, "alice", node.alice_token, body)
    assert resp.status == 201, await resp.text()
    proposal = (await proposals(client))[0]
    check_document("proposal", proposal)
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    return proposal


async def close(client: Any, proposal: dict[str, Any]) -> tuple[str, str | None]:
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes + timedelta(seconds=1)) == [proposal["id"]]
    return await effect(client, proposal)


async def effect(client: Any, proposal: dict[str, Any]) -> tuple[str, str | None]:
    stored = await store(client.app).proposal(proposal["id"])
    assert stored is not None
    return stored.effect, stored.effect_reason


def pay(node: Any, proposal: dict[str, Any], person: str, amount: int, **extra: Any) -> dict[str, Any]:
    return {"type": "LedgerEntry", "entryKind": "call_payment", "proposal": proposal["id"],
            "person": person, "amount": amount, "reference": "bank", **extra}


async def test_a_paid_call_registers_the_asset(client, node) -> None:  # type: ignore[no-untyped-def]
    admin, alice = node.admin.uri, node.alice.uri
    assert (await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "donation",
                                           "amount": 5_000})).status == 201
    proposal = await invest(client, node)
    assert (proposal["price"], proposal["fromFund"], proposal["assetName"]) == (10_001, 4_000, "Cargo van")
    assert await close(client, proposal) == ("pending", None)
    committed = (await entries(client))[-1]
    assert committed["entryKind"] == "commitment"
    assert {p["account"]: p["amount"] for p in committed["postings"]} == {
        f"commitment:{proposal['id']}": 4_000, "fund": -4_000}
    call = await get(client, proposal["id"] + "/call")
    first, second = sorted((admin, alice))  # the odd unit goes to the smaller id
    assert call["type"] == "CapitalCall" and call["amount"] == 6_001 and call["callState"] == "open"
    assert [(d["person"], d["due"], d["paid"]) for d in call["dues"]] == [
        (first, 3_001, 0), (second, 3_000, 0)]

    over = await treasurer(client, node, pay(node, proposal, alice, 3_002))
    assert over.status == 422 and (await over.json())["code"] == "overpayment"
    not_treasurer = await post(client, "alice", node.alice_token,
                               {"pool": POOL, **pay(node, proposal, alice, 1)})
    assert not_treasurer.status == 403
    for _ in range(2):  # the same request (its Idempotency-Key) twice books once
        resp = await client.post("/users/admin/outbox", json={"pool": POOL, **pay(
            node, proposal, alice, 1_000)}, headers={"Authorization": f"Bearer {node.admin_token}",
                                                     "Idempotency-Key": "call-payment-1"})
        assert resp.status == 201, await resp.text()
    assert (await get(client, proposal["id"] + "/call"))["paid"] == 1_000
    rest = {alice: 3_001 if alice == first else 3_000, admin: 3_001 if admin == first else 3_000}
    assert (await treasurer(client, node, pay(node, proposal, alice, rest[alice] - 1_000))).status == 201
    assert await effect(client, proposal) == ("pending", None)
    assert (await treasurer(client, node, pay(node, proposal, admin, rest[admin]))).status == 201

    assert await effect(client, proposal) == ("done", None)
    asset = await AssetStore(client.app[DB]).by_source(proposal["id"])
    assert asset is not None and asset.name == "Cargo van" and asset.keeper_uri == alice
    assert asset.asset["purchase"] == 10_001 and asset.asset["depreciation"] == {
        "amount": 100, "period": "month"}
    booked = await entries(client)
    assert [e["entryKind"] for e in booked].count("call_payment") == 3
    assert booked[-1]["entryKind"] == "asset_purchase"
    ledger = replay_documents("EUR", booked)
    assert ledger.balance(f"commitment:{proposal['id']}") == 0 and ledger.fund == 1_000
    assert ledger.capital_of(alice) == rest[alice]
    call = await get(client, proposal["id"] + "/call")
    assert call["callState"] == "done" and call["outstanding"] == 0
    late = await treasurer(client, node, pay(node, proposal, alice, 1))
    assert late.status == 409 and (await late.json())["code"] == "call_not_open"


async def test_the_fund_part_not_covered_is_refused_visibly(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await invest(client, node, fromFund=4_000)
    state, reason = await close(client, proposal)
    assert state == "refused" and reason is not None and reason.startswith("overdraft:")
    assert await calls(client.app).by_proposal(proposal["id"]) is None
    assert (await client.get(proposal["id"].removeprefix(BASE_URL) + "/call",
                             headers={"Accept": "application/json"})).status == 404


async def test_bad_investments_are_refused(client, node) -> None:  # type: ignore[no-untyped-def]
    base = {"type": "Proposal", "pool": POOL, "name": "Buy", "proposalKind": "investment",
            "assetName": "Van", "assetKind": "vehicle", "tenure": "owned",
            "keeper": node.alice.uri, "price": 100, "currency": "EUR"}
    for changes in ({"fromFund": 101}, {"price": 0}, {"assetKind": "boat"},
                    {"keeper": "https://elsewhere.example/users/zed"}, {"currency": "USD"},
                    {"monthlyDepreciation": 101}):
        resp = await post(client, "alice", node.alice_token, {**base, **changes})
        assert resp.status in (400, 422), (changes, await resp.text())
        assert "error" in await resp.json()
    assert await proposals(client) == []


async def test_cancelling_owes_members_back_what_they_paid(client, node) -> None:  # type: ignore[no-untyped-def]
    alice = node.alice.uri
    assert (await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "donation",
                                           "amount": 5_000})).status == 201
    proposal = await invest(client, node)
    await close(client, proposal)
    assert (await treasurer(client, node, pay(node, proposal, alice, 2_500))).status == 201
    with pytest.raises((NodeError, GovernanceError)):
        await cancel(client.app, node.pool, proposal["id"], alice, datetime.now(UTC))
    assert await cancel(client.app, node.pool, proposal["id"], node.admin.uri,
                        datetime.now(UTC)) == "lapsed"
    state, reason = await effect(client, proposal)
    assert state == "lapsed" and reason is not None and "owed back" in reason
    booked = await entries(client)
    kinds = [e["entryKind"] for e in booked]
    assert kinds[-3:] == ["release", "refund_owed", "refund"]
    ledger = replay_documents("EUR", booked)
    # Alice's 2,500 came back to her (owed, then paid from the fund); the fund has its 5,000.
    assert ledger.owed_to(alice) == 0 and ledger.capital_of(alice) == 0 and ledger.fund == 5_000
    assert ledger.balance(f"commitment:{proposal['id']}") == 0
    assert (await get(client, proposal["id"] + "/call"))["callState"] == "cancelled"
    again = await treasurer(client, node, pay(node, proposal, alice, 1))
    assert again.status == 409


async def test_the_clock_finishes_what_a_crash_left(client, node) -> None:  # type: ignore[no-untyped-def]
    """Each window: the fund's part booked but no call stored; every payment booked but no
    asset; the asset registered but the call not closed. The next round finishes each once."""
    app, admin, alice = client.app, node.admin.uri, node.alice.uri
    assert (await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "donation",
                                           "amount": 5_000})).status == 201
    proposal = await invest(client, node)
    assert await close(client, proposal) == ("pending", None)
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    # As if the process died after booking the fund's part, before storing the call.
    await app[DB].execute("DELETE FROM capital_calls WHERE proposal_uri = ?", (proposal["id"],))
    await carry_out_pending(app, closes + timedelta(seconds=1))
    call = await calls(app).by_proposal(proposal["id"])
    assert call is not None and call.amount == 6_001
    assert [e["entryKind"] for e in await entries(client)].count("commitment") == 1

    # Every payment booked, the process gone before the asset was registered.
    dues = dict(call.dues)
    for person in (admin, alice):
        def build(id: str, ledger: Ledger, roster: Roster, bylaws: Any, person: str = person) -> Any:
            return call_payment(id, closes, ledger, CapitalCall(call.proposal_uri, call.dues),
                                person, dues[person], by=admin, roster=roster)
        await book(app, node.pool, build, None, closes + timedelta(seconds=2))
    assert await effect(client, proposal) == ("pending", None)
    # The next round registers the asset (at a time with microseconds, as a real clock's).
    await carry_out_pending(app, closes + timedelta(seconds=3, microseconds=456_789))
    assert await effect(client, proposal) == ("done", None)
    # The asset registered, the process gone before the call was closed and the effect marked.
    await app[DB].execute("UPDATE capital_calls SET state = 'open' WHERE proposal_uri = ?",
                          (proposal["id"],))
    stored = await store(app).proposal(proposal["id"])
    assert stored is not None
    await store(app).set_effect(stored.id, "pending", "2030-01-01T00:00:00Z", expected=("done",))
    await carry_out_pending(app, closes + timedelta(seconds=4))
    assert await effect(client, proposal) == ("done", None)
    assert len(await AssetStore(app[DB]).of_pool(node.pool.id)) == 1
    assert (await calls(app).by_proposal(proposal["id"])).state == "done"  # type: ignore[union-attr]
    await carry_out_pending(app, closes + timedelta(seconds=5))
    assert [e["entryKind"] for e in await entries(client)].count("asset_purchase") == 1


async def test_only_cancelling_returns_an_investments_commitment(client, node) -> None:  # type: ignore[no-untyped-def]
    """Neither a treasurer's release nor the bylaws' commitment lapse moves members' payments
    toward an open call into the fund."""
    alice = node.alice.uri
    assert (await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "donation",
                                           "amount": 5_000})).status == 201
    proposal = await invest(client, node)
    await close(client, proposal)
    assert (await treasurer(client, node, pay(node, proposal, alice, 2_000))).status == 201
    release = await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "release",
                                             "proposal": proposal["id"], "amount": 1})
    assert release.status == 409 and (await release.json())["code"] == "call_commitment"
    bylaws = dataclasses.replace(await load_bylaws(client.app[ACTORS], node.pool),
                                 commitment_lapse=timedelta(days=1))
    await client.app[ACTORS].set_bylaws_json(node.pool.id, json.dumps(bylaws.to_dict()))
    await lapse_commitments(client.app, node.pool, datetime.now(UTC) + timedelta(days=400))
    ledger = replay_documents("EUR", await entries(client))
    assert ledger.balance(f"commitment:{proposal['id']}") == 6_000
    assert (await get(client, proposal["id"] + "/call"))["paid"] == 2_000
