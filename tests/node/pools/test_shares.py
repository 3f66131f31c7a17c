"""Co-op shares in the node: issued on admission from the capital paid in, redeemed on leaving
before the refund, each in one transaction with the membership change."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from governance import AdmissionPolicy, ShareType
from node.accounts import create_member, issue_token
from node.appkeys import ACTORS, DB, TOKENS
from node.pool_engine.common import iso, store
from node.pool_engine.shares import register_of
from node.pools import load_bylaws
from node.storage import MembershipRow, ShareEventRow, ShareStore
from node.storage.database import INTEGRITY_ERRORS
from node.wire import replay_documents
from tests.node.pools.helpers import POOL, get, post

pytestmark = pytest.mark.both_backends

SHARES = (ShareType("member share", 1000, 1, (("worker", 2),)),)


async def coop(client: Any, node: Any, policy: AdmissionPolicy = AdmissionPolicy.OPEN) -> None:
    app = client.app
    bylaws = dataclasses.replace(await load_bylaws(app[ACTORS], node.pool), admission=policy,
                                 member_classes=("worker", "consumer"), share_types=SHARES)
    await app[ACTORS].set_bylaws_json(node.pool.id, json.dumps(bylaws.to_dict()))


async def applicant(client: Any, node: Any, name: str, member_class: str) -> tuple[str, str]:
    person = await create_member(node.config, client.app[ACTORS], name)
    token = (await issue_token(client.app[TOKENS], person)).secret
    resp = await post(client, name, token, {"type": "Join", "object": POOL, "to": [POOL],
                                            "memberClass": member_class})
    assert resp.status == 201, await resp.text()
    return person.uri, token


async def contribute(client: Any, node: Any, person: str, amount: int) -> Any:
    return await post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution", "person": person,
        "amount": amount})


async def entries(client: Any) -> list[dict[str, Any]]:
    page = await get(client, "/pools/commons/ledger?page=true")
    return list(reversed(page["orderedItems"]))


async def state(client: Any, node: Any, person: str) -> str | None:
    row = await store(client.app).membership(node.pool.id, person)
    return row.state if row is not None else None


async def test_shares_are_issued_on_admission_and_redeemed_on_leaving(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, node)
    carol, token = await applicant(client, node, "carol", "worker")
    # A worker must hold two shares of 1000: 1500 paid in is not enough to be admitted.
    assert (await contribute(client, node, carol, 1500)).status == 201
    assert await state(client, node, carol) == "applicant"
    assert (await register_of(client.app, node.pool)).held(carol) == 0
    assert (await contribute(client, node, carol, 700)).status == 201
    assert await state(client, node, carol) == "member"
    register = await register_of(client.app, node.pool)
    assert register.held(carol, "member share") == 2 and register.value_of(carol) == 2000
    booked = await entries(client)
    issue = booked[-1]
    assert issue["entryKind"] == "share_issue" and issue["reference"] == carol
    assert issue["memo"] == "2 x member share"
    ledger = replay_documents("EUR", booked)
    assert ledger.shares_of(carol) == 2000 and ledger.capital_of(carol) == 200
    (event,) = register.events
    assert event.id == issue["id"]

    assert (await post(client, "carol", token, {"type": "Leave", "object": POOL})).status == 201
    assert await state(client, node, carol) == "left"
    booked = await entries(client)
    assert [e["entryKind"] for e in booked[-2:]] == ["share_redemption", "refund"]
    ledger = replay_documents("EUR", booked)
    assert ledger.shares_of(carol) == 0 and ledger.capital_of(carol) == 0 and ledger.fund == 0
    assert (await register_of(client.app, node.pool)).held(carol) == 0


async def test_a_steward_cannot_admit_someone_whose_shares_are_unpaid(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, node, AdmissionPolicy.STEWARD)
    carol, _ = await applicant(client, node, "carol", "consumer")
    join = await store(client.app).join_activity(node.pool.id, carol)
    resp = await post(client, "admin", node.admin_token, {"type": "Accept", "object": join})
    assert resp.status == 422 and (await resp.json())["code"] == "share_unpaid"
    assert await state(client, node, carol) == "applicant"
    assert [e["entryKind"] for e in await entries(client)] == []

    assert (await contribute(client, node, carol, 1000)).status == 201
    resp = await post(client, "admin", node.admin_token, {"type": "Accept", "object": join})
    assert resp.status == 201, await resp.text()
    assert await state(client, node, carol) == "member"
    assert (await register_of(client.app, node.pool)).held(carol) == 1


async def test_membership_and_share_events_are_written_together_or_not_at_all(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, node)
    carol, _ = await applicant(client, node, "carol", "consumer")
    assert (await contribute(client, node, carol, 1000)).status == 201
    (issued,) = (await register_of(client.app, node.pool)).events
    before = await entries(client)
    # The same event id again makes the transaction fail at its last write: the membership
    # change written before it in the same transaction must not stay.
    again = ShareEventRow(issued.id, carol, "redeem", "member share", 1, 1000,
                          iso(issued.at), issued.id)
    with pytest.raises(INTEGRITY_ERRORS):
        await ShareStore(client.app[DB]).book(
            node.pool.id, entries=[], events=[again],
            membership=MembershipRow(carol, "left", (), iso(issued.at)))
    assert await state(client, node, carol) == "member"
    assert await entries(client) == before
    assert len((await register_of(client.app, node.pool)).events) == 1


async def test_an_expelled_member_has_their_shares_redeemed_then_refunded(client, node) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timedelta

    from node.pool_engine import close_due
    from tests.node.pools.helpers import propose, vote

    await coop(client, node)
    carol, _ = await applicant(client, node, "carol", "worker")
    assert (await contribute(client, node, carol, 2000)).status == 201
    assert (await register_of(client.app, node.pool)).held(carol) == 2
    proposal = await propose(client, "admin", node.admin_token, proposalKind="expulsion",
                             person=carol)
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes + timedelta(seconds=1)) == [proposal["id"]]
    assert await state(client, node, carol) == "expelled"
    booked = await entries(client)
    assert [e["entryKind"] for e in booked[-2:]] == ["share_redemption", "refund"]
    assert (await register_of(client.app, node.pool)).held(carol) == 0
    assert replay_documents("EUR", booked).fund == 0
