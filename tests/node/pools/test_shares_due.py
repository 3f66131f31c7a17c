"""Shares owed by members who hold fewer than their class's minimum (the founder, who paid
nothing yet; members admitted before a bylaws change asked for more): issued from the capital a
treasurer books, in the same transaction as the contribution or the bylaws change, and shown as
due until then (docs/GOVERNANCE.md, "Shares and surplus in the node")."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from governance import ShareType
from governance.money import parse_amount
from node.appkeys import ACTORS, DB
from node.pool_engine import record_request
from node.pool_engine.common import ledger_of, store
from node.pool_engine.shares import amend_bylaws, register_of
from node.pools import load_bylaws
from node.storage import BylawsVersionStore
from node.storage.database import INTEGRITY_ERRORS
from node.wire import replay_documents
from tests.node.pools.helpers import AP, POOL, get, pass_bylaws_change, post

pytestmark = pytest.mark.both_backends

DOC = Path(__file__).resolve().parents[3] / "docs" / "GOVERNANCE.md"


async def share_types(client: Any, node: Any, *types: ShareType) -> None:
    """The pool's bylaws in force declare ``types`` (as if they had been there all along)."""
    bylaws = dataclasses.replace(await load_bylaws(client.app[ACTORS], node.pool), share_types=types)
    await client.app[ACTORS].set_bylaws_json(node.pool.id, json.dumps(bylaws.to_dict()))


async def contribute(client: Any, node: Any, person: str, amount: int) -> Any:
    resp = await post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution", "person": person,
        "amount": amount})
    assert resp.status == 201, await resp.text()
    return resp


async def register_json(client: Any, node: Any) -> dict[str, Any]:
    resp = await client.get("/pools/commons/shares",
                            headers={"Accept": AP, "Authorization": f"Bearer {node.admin_token}"})
    assert resp.status == 200, await resp.text()
    data: dict[str, Any] = await resp.json(content_type=None)
    return data


def dues(document: dict[str, Any]) -> list[tuple[str, str, int, int]]:
    return [(d["person"], d["shareType"], d["count"], d["value"]) for d in document["sharesDue"]]


async def kinds(client: Any) -> list[str]:
    page = await get(client, "/pools/commons/ledger?page=true")
    return [e["entryKind"] for e in reversed(page["orderedItems"])]


async def test_the_founder_who_pays_in_is_issued_their_shares(client, node) -> None:  # type: ignore[no-untyped-def]
    await share_types(client, node, ShareType("member share", 1000, 1))
    founder, alice = node.admin.uri, node.alice.uri
    before = await register_json(client, node)
    assert before["holdings"] == [] and before["totalDue"] == 2000
    assert dues(before) == sorted([(founder, "member share", 1, 1000),
                                   (alice, "member share", 1, 1000)])

    await contribute(client, node, founder, 1000)
    assert await kinds(client) == ["contribution", "share_issue"]
    register = await register_of(client.app, node.pool)
    assert register.held(founder, "member share") == 1
    after = await register_json(client, node)
    (holding,) = after["holdings"]
    assert (holding["person"], holding["count"], holding["value"]) == (founder, 1, 1000)
    assert dues(after) == [(alice, "member share", 1, 1000)] and after["totalDue"] == 1000
    ledger = await ledger_of(client.app, node.pool, await load_bylaws(client.app[ACTORS], node.pool))
    assert ledger.shares_of(founder) == 1000 and ledger.capital_of(founder) == 0


async def test_a_partial_payment_issues_the_whole_shares_it_covers_and_the_rest_stays_due(client, node) -> None:  # type: ignore[no-untyped-def]
    await share_types(client, node, ShareType("member share", 1000, 3))
    alice = node.alice.uri
    await contribute(client, node, alice, 2500)
    register = await register_of(client.app, node.pool)
    assert register.held(alice) == 2 and register.value_of(alice) == 2000
    assert (alice, "member share", 1, 1000) in dues(await register_json(client, node))
    await contribute(client, node, alice, 300)  # 800 in capital: not one whole share yet
    assert (await register_of(client.app, node.pool)).held(alice) == 2
    await contribute(client, node, alice, 1700)  # 2500 in capital: the last share, never more
    assert (await register_of(client.app, node.pool)).held(alice) == 3
    assert alice not in {d[0] for d in dues(await register_json(client, node))}
    assert await kinds(client) == ["contribution", "share_issue", "contribution",
                                   "contribution", "share_issue"]
    ledger = replay_documents("EUR", [e for e in (await get(
        client, "/pools/commons/ledger?page=true"))["orderedItems"][::-1]])
    assert ledger.shares_of(alice) == 3000 and ledger.capital_of(alice) == 1500


async def test_the_same_contribution_twice_issues_once(client, node) -> None:  # type: ignore[no-untyped-def]
    await share_types(client, node, ShareType("member share", 1000, 2))
    # A request delivered twice (a retried Create(LedgerEntry)) carries the same id.
    request = {"type": "LedgerEntry", "id": "https://example.com/objects/pay-in-1", "pool": POOL,
               "entryKind": "contribution", "person": node.alice.uri, "amount": 2000}
    first = await record_request(client.app, node.admin.uri, request, datetime.now(UTC))
    again = await record_request(client.app, node.admin.uri, request, datetime.now(UTC))
    assert again.uri == first.uri
    assert await kinds(client) == ["contribution", "share_issue"]
    assert len((await register_of(client.app, node.pool)).events) == 1


async def test_the_contribution_and_the_issue_are_one_transaction(client, node) -> None:  # type: ignore[no-untyped-def]
    await share_types(client, node, ShareType("member share", 1000, 1))
    # The issue will take ledger id 2; a share event of another pool already has that id, so the
    # issue's write fails last in the transaction: the contribution written before must not stay.
    await client.app[DB].execute(
        "INSERT INTO share_events (pool_id, uri, person_uri, action, share_type, count, value,"
        " at, entry_uri) VALUES (?, ?, ?, 'issue', 'member share', 1, 1000, ?, ?)",
        (node.admin.id, POOL + "/ledger/2", node.alice.uri, "2025-01-01T00:00:00Z", "x"))
    request = {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
               "person": node.alice.uri, "amount": 1000}
    with pytest.raises(INTEGRITY_ERRORS):
        await record_request(client.app, node.admin.uri, request, datetime.now(UTC))
    assert await store(client.app).ledger(node.pool.id) == []
    assert (await register_of(client.app, node.pool)).events == ()


async def _pass_bylaws(client: Any, node: Any, *types: ShareType) -> dict[str, Any]:
    current = await load_bylaws(client.app[ACTORS], node.pool)
    new = dataclasses.replace(current, share_types=types).to_dict()
    return await pass_bylaws_change(client, node, "Member shares", new)


async def test_a_bylaws_change_issues_covered_shares_and_shows_the_rest_due(client, node) -> None:  # type: ignore[no-untyped-def]
    founder, alice = node.admin.uri, node.alice.uri
    await contribute(client, node, alice, 2500)  # no share types yet: capital only
    await contribute(client, node, founder, 400)
    proposal = await _pass_bylaws(client, node, ShareType("member share", 1000, 2),
                                  ShareType("voting share", 500, 1))
    assert (await store(client.app).proposal(proposal["id"])).effect == "done"  # type: ignore[union-attr]
    register = await register_of(client.app, node.pool)
    assert register.held(alice, "member share") == 2 and register.held(alice, "voting share") == 1
    assert register.held(founder) == 0
    document = await register_json(client, node)
    assert dues(document) == [(founder, "member share", 2, 2000), (founder, "voting share", 1, 500)]
    assert await kinds(client) == ["contribution", "contribution", "share_issue", "share_issue"]

    # Carried out again (a crash before the effect was marked done): nothing more is written.
    bylaws = await load_bylaws(client.app[ACTORS], node.pool)
    number = await BylawsVersionStore(client.app[DB]).adopted(node.pool.id, proposal["id"])
    assert await amend_bylaws(client.app, node.pool, bylaws, proposal["id"],
                              datetime.now(UTC)) == number
    assert len((await register_of(client.app, node.pool)).events) == 2
    assert len(await kinds(client)) == 4

    # The founder pays the rest in: the shares the capital now covers, in the bylaws' order.
    await contribute(client, node, founder, 1700)
    register = await register_of(client.app, node.pool)
    assert register.held(founder, "member share") == 2 and register.held(founder, "voting share") == 0
    assert dues(await register_json(client, node)) == [(founder, "voting share", 1, 500)]


async def test_the_worked_example_of_the_governance_doc(client, node) -> None:  # type: ignore[no-untyped-def]
    found = re.search(r"^```example shares-due\n(.*?)^```$", DOC.read_text(), re.M | re.S)
    assert found, "no example block shares-due in docs/GOVERNANCE.md"
    lines = found.group(1).strip().splitlines()
    name, nominal, minimum = re.fullmatch(r"share type: (.+), (\S+) each, minimum (\d+)",
                                          lines[0]).groups()  # type: ignore[union-attr]
    await share_types(client, node, ShareType(name, parse_amount(nominal, "EUR"), int(minimum)))
    founder = node.admin.uri
    issued_before = 0
    for line in lines[1:]:
        paid, issued, due, due_value, capital = re.fullmatch(
            r"the founder pays in (\S+): (\d+) issued, (\d+) due \((\S+)\), capital left (\S+)",
            line).groups()  # type: ignore[union-attr]
        await contribute(client, node, founder, parse_amount(paid, "EUR"))
        register = await register_of(client.app, node.pool)
        assert register.held(founder) - issued_before == int(issued), line
        issued_before = register.held(founder)
        mine = [d for d in dues(await register_json(client, node)) if d[0] == founder]
        assert sum(d[2] for d in mine) == int(due), line
        assert sum(d[3] for d in mine) == parse_amount(due_value, "EUR", allow_zero=True), line
        ledger = await ledger_of(client.app, node.pool,
                                 await load_bylaws(client.app[ACTORS], node.pool))
        assert ledger.capital_of(founder) == parse_amount(capital, "EUR", allow_zero=True), line


async def test_what_an_open_capital_call_holds_is_not_taken_for_shares(client, node) -> None:  # type: ignore[no-untyped-def]
    """A call payment is capital, but earmarked while the call is open: a contribution then
    issues shares only from the rest, and a cancel owes back all that was paid toward the call."""
    from node.assets.investment import cancel
    from tests.node.pools.test_investment import close, invest, pay, treasurer

    await share_types(client, node, ShareType("member share", 1000, 1))
    founder = node.admin.uri
    assert (await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "donation",
                                           "amount": 5_000})).status == 201
    proposal = await invest(client, node)
    assert (await close(client, proposal))[0] == "pending"
    assert (await treasurer(client, node, pay(node, proposal, founder, 2_000))).status == 201

    await contribute(client, node, founder, 500)  # 2,500 paid in, 2,000 of it toward the call
    assert "share_issue" not in await kinds(client)
    assert (founder, "member share", 1, 1000) in dues(await register_json(client, node))

    await cancel(client.app, node.pool, proposal["id"], founder, datetime.now(UTC))
    page = await get(client, "/pools/commons/ledger?page=true")
    owed = [e for e in page["orderedItems"] if e["entryKind"] == "refund_owed"
            and {"account": f"owed:{founder}", "amount": -2_000} in e["postings"]]
    assert len(owed) == 1  # all of it, none kept as shares

    # Once the call no longer holds it, capital is capital: 500 + 500 covers the share.
    await contribute(client, node, founder, 500)
    assert (await kinds(client))[-1] == "share_issue"
    assert (await register_of(client.app, node.pool)).held(founder, "member share") == 1
