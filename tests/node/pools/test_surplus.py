"""Surplus distributions in the node: opened with every member's measure frozen, booked as
commitments and a reserve when they pass, paid by the treasurer; patronage records."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance import SurplusMeasure
from node.appkeys import ACTORS
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.pools import load_bylaws
from node.wire import check_document, replay_documents
from tests.node.pools.helpers import POOL, get, post, proposals, vote

pytestmark = pytest.mark.both_backends


async def measured_by(client: Any, node: Any, measure: SurplusMeasure | None) -> None:
    bylaws = dataclasses.replace(await load_bylaws(client.app[ACTORS], node.pool),
                                 surplus_measure=measure)
    await client.app[ACTORS].set_bylaws_json(node.pool.id, json.dumps(bylaws.to_dict()))


async def treasurer(client: Any, node: Any, body: dict[str, Any]) -> Any:
    return await post(client, "admin", node.admin_token, {"pool": POOL, **body})


async def entries(client: Any) -> list[dict[str, Any]]:
    page = await get(client, "/pools/commons/ledger?page=true")
    return list(reversed(page["orderedItems"]))


async def distribute(client: Any, user: str, token: str, **fields: Any) -> Any:
    return await post(client, user, token, {"type": "Proposal", "pool": POOL, "name": "Year end",
                                            "proposalKind": "surplus", "currency": "EUR",
                                            **fields})


async def pass_it(client: Any, node: Any, proposal: dict[str, Any]) -> str:
    """Both members agree; the vote closes; the effect state it ends in."""
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes + timedelta(seconds=1)) == [proposal["id"]]
    stored = await store(client.app).proposal(proposal["id"])
    assert stored is not None
    return await store(client.app).effect_of(stored.id) or ""


async def test_a_passed_distribution_is_booked_by_patronage_and_paid(client, node) -> None:  # type: ignore[no-untyped-def]
    await measured_by(client, node, SurplusMeasure.PATRONAGE)
    admin, alice = node.admin.uri, node.alice.uri
    assert (await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "donation",
                                           "amount": 10000})).status == 201
    for person, amount in ((admin, 300), (alice, 700)):
        resp = await treasurer(client, node, {"type": "Patronage", "person": person,
                                              "amount": amount, "content": "shop purchases"})
        assert resp.status == 201, await resp.text()
    resp = await distribute(client, "alice", node.alice_token, surplus=1001, reserve=500,
                            purpose="The 2026 surplus")
    assert resp.status == 201, await resp.text()
    proposal = (await proposals(client))[0]
    check_document("proposal", proposal)
    assert proposal["proposalKind"] == "surplus" and proposal["measure"] == "patronage"
    assert proposal["measures"] == {admin: 300, alice: 700}
    assert (proposal["surplus"], proposal["reserve"], proposal["reserveFund"]) == (1001, 500, "general")

    assert await pass_it(client, node, proposal) == "done"
    booked = await entries(client)
    commitment, reserve = booked[-2:]
    assert commitment["entryKind"] == "commitment" and reserve["entryKind"] == "reserve"
    assert {p["account"]: p["amount"] for p in commitment["postings"]} == {
        f"commitment:{proposal['id']}|{admin}": 300, f"commitment:{proposal['id']}|{alice}": 701,
        "fund": -1001}
    assert {p["account"]: p["amount"] for p in reserve["postings"]} == {
        "reserve:general": 500, "fund": -500}
    assert replay_documents("EUR", booked).fund == 10000 - 1001 - 500

    resp = await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "payment",
                                          "proposal": proposal["id"], "person": alice,
                                          "amount": 701, "reference": "bank transfer"})
    assert resp.status == 201, await resp.text()
    payment = (await entries(client))[-1]
    assert payment["entryKind"] == "payment"
    assert {p["account"]: p["amount"] for p in payment["postings"]} == {
        f"commitment:{proposal['id']}|{alice}": -701, f"external:{alice}": 701}
    over = await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "payment",
                                          "proposal": proposal["id"], "person": alice,
                                          "amount": 1})
    assert over.status == 422


async def test_patronage_and_distributions_refuse_bad_input(client, node) -> None:  # type: ignore[no-untyped-def]
    await measured_by(client, node, None)
    alice = node.alice.uri
    assert (await distribute(client, "alice", node.alice_token, surplus=10)).status == 422
    await measured_by(client, node, SurplusMeasure.EQUAL)
    too_much = await distribute(client, "alice", node.alice_token, surplus=10)
    assert too_much.status == 422 and (await too_much.json())["code"] == "overdraft"
    negative = await distribute(client, "alice", node.alice_token, surplus=-1)
    assert negative.status == 422 and (await negative.json())["code"] == "invalid_document"
    assert (await distribute(client, "alice", node.alice_token, surplus=0, reserve=0)).status == 422
    # The measures are the pool's to freeze, never the proposer's to claim.
    claimed = await distribute(client, "alice", node.alice_token, surplus=10, measure="equal",
                               measures={alice: 1, node.admin.uri: 1})
    assert claimed.status == 422 and "measures every member" in (await claimed.json())["error"]
    not_treasurer = await post(client, "alice", node.alice_token, {
        "type": "Patronage", "pool": POOL, "person": alice, "amount": 5})
    assert not_treasurer.status == 403
    for bad in ({"amount": 0}, {"amount": 2**53}, {"amount": "5"}, {"content": "x" * 501}):
        body = {"type": "Patronage", "person": alice, "amount": 5, **bad}
        refused = await treasurer(client, node, body)
        assert refused.status in (400, 422) and (await refused.json())["error"], bad
    stranger = await treasurer(client, node, {"type": "Patronage", "amount": 5,
                                              "person": "http://node.test/users/nobody"})
    assert stranger.status == 422 and (await stranger.json())["code"] == "not_a_member"
    assert await proposals(client) == []


async def test_booked_shares_sum_to_the_amount_within_a_unit_of_exact(client, node) -> None:  # type: ignore[no-untyped-def]
    """Property, through the node: whatever the patronage and the amount, the booked
    commitments sum to the amount and each is within one minor unit of its exact share."""
    await measured_by(client, node, SurplusMeasure.PATRONAGE)
    assert (await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "donation",
                                           "amount": 10**9})).status == 201
    cases: list[tuple[int, int, int]] = []

    @settings(max_examples=4, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.integers(1, 10**6), st.integers(1, 10**5), st.integers(1, 10**5))
    def draw(amount: int, admin_patronage: int, alice_patronage: int) -> None:
        cases.append((amount, admin_patronage, alice_patronage))

    draw()
    people = (node.admin.uri, node.alice.uri)
    for amount, *patronage in cases:
        for person, value in zip(people, patronage, strict=True):
            assert (await treasurer(client, node, {"type": "Patronage", "person": person,
                                                   "amount": value})).status == 201
        assert (await distribute(client, "alice", node.alice_token, surplus=amount)).status == 201
        proposal = (await proposals(client))[0]
        assert await pass_it(client, node, proposal) == "done"
        measures = proposal["measures"]
        total = sum(measures.values())
        commitment = (await entries(client))[-1]
        shares = {p["account"].rsplit("|", 1)[1]: p["amount"] for p in commitment["postings"]
                  if p["account"].startswith("commitment:")}
        assert sum(shares.values()) == amount
        for person in people:
            exact = Fraction(amount * measures[person], total)
            assert abs(shares.get(person, 0) - exact) < 1, (amount, measures, shares)


def _doc_example() -> dict[str, str]:
    doc = (Path(__file__).parents[3] / "docs" / "GOVERNANCE.md").read_text(encoding="utf-8")
    found = re.search(r"^```example surplus-node\n(.*?)^```$", doc, re.MULTILINE | re.DOTALL)
    assert found, "no example block surplus-node in docs/GOVERNANCE.md"
    return dict(line.split(": ", 1) for line in found.group(1).splitlines())


async def test_the_governance_doc_example_through_the_node(client, node) -> None:  # type: ignore[no-untyped-def]
    example = _doc_example()
    people = {"admin": node.admin.uri, "alice": node.alice.uri}
    await measured_by(client, node, SurplusMeasure.PATRONAGE)
    assert (await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "donation",
                                           "amount": 100000})).status == 201
    for item in example["patronage"].split(", "):
        who, amount = item.split()
        assert (await treasurer(client, node, {"type": "Patronage", "person": people[who],
                                               "amount": int(amount)})).status == 201
    asked = dict(item.split() for item in example["proposed"].split(", "))
    assert (await distribute(client, "alice", node.alice_token, surplus=int(asked["surplus"]),
                             reserve=int(asked["reserve"]))).status == 201
    proposal = (await proposals(client))[0]
    assert await pass_it(client, node, proposal) == "done"
    commitment, reserve = (await entries(client))[-2:]
    booked = {p["account"].rsplit("|", 1)[1]: p["amount"] for p in commitment["postings"]
              if p["account"].startswith("commitment:")}
    *shares, kept = example["booked"].split(", ")
    assert booked == {people[who]: int(n) for who, n in (s.split() for s in shares)}
    _, fund, amount = kept.split()
    assert {p["account"]: p["amount"] for p in reserve["postings"]}[f"reserve:{fund}"] == int(amount)


async def test_a_booking_that_fails_midway_books_nothing_and_is_repaired_once(  # type: ignore[no-untyped-def]
        client, node, monkeypatch) -> None:
    """The commitments and the reserve are one transaction: a failure between them leaves the
    effect pending with nothing booked (never passed with half of it), and the next round of
    the effects clock books it, once."""
    import node.storage.shares as share_storage
    from node.pool_engine.effects import carry_out_pending

    await measured_by(client, node, SurplusMeasure.EQUAL)
    assert (await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "donation",
                                           "amount": 1000})).status == 201
    assert (await distribute(client, "alice", node.alice_token, surplus=101,
                             reserve=50)).status == 201
    proposal = (await proposals(client))[0]
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    written: list[str] = []
    real = share_storage.write_entry

    async def fails_on_the_second(conn: Any, pool_id: int, **entry: Any) -> None:
        written.append(entry["uri"])
        if len(written) == 2:
            raise OSError("the disk is full")
        await real(conn, pool_id, **entry)

    monkeypatch.setattr(share_storage, "write_entry", fails_on_the_second)
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    with pytest.raises(OSError):
        await close_due(client.app, closes + timedelta(seconds=1))
    stored = await store(client.app).proposal(proposal["id"])
    assert stored is not None and stored.state == "closed" and stored.outcome == "passed"
    assert await store(client.app).effect_of(stored.id) == "pending"
    assert [e["entryKind"] for e in await entries(client)] == ["donation"]

    monkeypatch.setattr(share_storage, "write_entry", real)
    later = closes + timedelta(minutes=1)
    await carry_out_pending(client.app, later)
    await carry_out_pending(client.app, later)
    assert await store(client.app).effect_of(stored.id) == "done"
    booked = await entries(client)
    assert [e["entryKind"] for e in booked] == ["donation", "commitment", "reserve"]
    assert replay_documents("EUR", booked).fund == 1000 - 101 - 50


async def test_a_distribution_needing_each_class_is_booked_only_with_each_class(client, node) -> None:  # type: ignore[no-untyped-def]
    from governance import Kind
    from node.appkeys import DB
    from node.storage import MemberClassStore

    bylaws = dataclasses.replace(await load_bylaws(client.app[ACTORS], node.pool),
                                 surplus_measure=SurplusMeasure.EQUAL,
                                 member_classes=("worker", "consumer"),
                                 class_majority=frozenset({Kind.SURPLUS}))
    await client.app[ACTORS].set_bylaws_json(node.pool.id, json.dumps(bylaws.to_dict()))
    for person, chosen in ((node.admin.uri, "worker"), (node.alice.uri, "consumer")):
        assert await MemberClassStore(client.app[DB]).change(
            node.pool.id, person, chosen, steward_uri=node.admin.uri, reason="founding",
            at="2026-01-01T00:00:00Z")
    assert (await treasurer(client, node, {"type": "LedgerEntry", "entryKind": "donation",
                                           "amount": 1000})).status == 201
    assert (await distribute(client, "alice", node.alice_token, surplus=100)).status == 201
    split_by_worker = (await proposals(client))[0]
    assert split_by_worker["classMajority"] is True
    assert (await vote(client, "admin", node.admin_token, split_by_worker["id"],
                       "disagree")).status == 201
    assert (await vote(client, "alice", node.alice_token, split_by_worker["id"],
                       "agree")).status == 201
    closes = datetime.fromisoformat(split_by_worker["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes + timedelta(seconds=1)) == [split_by_worker["id"]]
    assert (await get(client, split_by_worker["id"] + "/tally"))["outcome"] == "rejected"
    assert [e["entryKind"] for e in await entries(client)] == ["donation"]

    assert (await distribute(client, "alice", node.alice_token, surplus=100)).status == 201
    agreed = (await proposals(client))[0]
    assert await pass_it(client, node, agreed) == "done"
    assert [e["entryKind"] for e in await entries(client)] == ["donation", "commitment"]
