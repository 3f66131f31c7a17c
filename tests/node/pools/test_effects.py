"""What passed proposals do: a bylaws change replaces the bylaws, an expulsion expels."""

from __future__ import annotations

from datetime import datetime

import pytest

from node.pool_engine import close_due
from node.pool_engine.common import store
from tests.node.pools.helpers import get, propose, vote

pytestmark = pytest.mark.both_backends


def _closes(proposal: dict) -> datetime:  # type: ignore[type-arg]
    return datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))


async def test_passed_bylaws_change_replaces_the_bylaws(client, node) -> None:  # type: ignore[no-untyped-def]
    before = await get(client, "/pools/commons/bylaws")
    assert before["quorum"] == "1/2"
    new = {
        "name": "Commons", "purpose": "A shared fund for the club", "currency": "EUR",
        "min_share": 1000, "threshold": {"comparator": "at_least", "fraction": "2/3"},
        "quorum": "1/3", "voting_period_seconds": 3 * 86400, "admission": "open",
        "block_vetoes": True, "amendment_threshold": {"comparator": "at_least", "fraction": "3/4"},
    }
    proposal = await propose(client, "admin", node.admin_token, name="New rules",
                             proposalKind="bylaws_change", proposedBylaws=new)
    # Bylaws changes use the stricter amendment threshold frozen at opening.
    assert proposal["threshold"] == "2/3" and proposal["thresholdComparator"] == "at_least"
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    assert await close_due(client.app, _closes(proposal)) == [proposal["id"]]
    after = await get(client, "/pools/commons/bylaws")
    assert after["quorum"] == "1/3" and after["admissionPolicy"] == "open"
    assert after["minimumShare"] == 1000 and after["blockVetoes"] is True
    resp = await client.get("/pools/commons/bylaws", headers={"Accept": "text/markdown"})
    assert "EUR 10.00" in await resp.text()


async def test_rejected_bylaws_change_changes_nothing(client, node) -> None:  # type: ignore[no-untyped-def]
    before = await get(client, "/pools/commons/bylaws")
    new = {**{k: v for k, v in (await _current_dict(client)).items()}, "quorum": "1/4"}
    proposal = await propose(client, "admin", node.admin_token, name="Lower quorum",
                             proposalKind="bylaws_change", proposedBylaws=new)
    await vote(client, "admin", node.admin_token, proposal["id"], "agree")
    await vote(client, "alice", node.alice_token, proposal["id"], "disagree")
    await close_due(client.app, _closes(proposal))
    after = await get(client, "/pools/commons/bylaws")
    assert after["quorum"] == before["quorum"] == "1/2"


async def _current_dict(client) -> dict:  # type: ignore[no-untyped-def,type-arg]
    from node.appkeys import ACTORS
    from node.pools import load_bylaws

    actors = client.app[ACTORS]
    pool = await actors.by_username("commons", "pool")
    return (await load_bylaws(actors, pool)).to_dict()


async def test_passed_expulsion_expels_and_removes_from_later_electorates(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token, name="Expel alice",
                             proposalKind="expulsion", person=node.alice.uri)
    await vote(client, "admin", node.admin_token, proposal["id"], "agree")
    await vote(client, "alice", node.alice_token, proposal["id"], "agree")
    await close_due(client.app, _closes(proposal))
    pool = await store(client.app).memberships(node.pool.id)
    states = {m.person_uri: m.state for m in pool}
    assert states[node.alice.uri] == "expelled"
    later = await propose(client, "admin", node.admin_token, name="After")
    assert later["electorateSize"] == 1
    refused = await vote(client, "alice", node.alice_token, later["id"], "agree")
    assert refused.status == 403


async def test_passed_disbursement_the_fund_cannot_cover_closes_and_books_nothing(client, node) -> None:  # type: ignore[no-untyped-def]
    too_big = await propose(client, "admin", node.admin_token, name="Buy a boat",
                            proposalKind="disbursement", amount=10_000_000, currency="EUR",
                            payee="https://shop.example/boats", purpose="a boat")
    other = await propose(client, "admin", node.admin_token, name="Meet on Thursdays")
    for proposal in (too_big, other):
        for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
            await vote(client, user, token, proposal["id"], "agree")
    closed = await close_due(client.app, max(_closes(too_big), _closes(other)))
    assert sorted(closed) == sorted([too_big["id"], other["id"]])
    assert (await get(client, too_big["id"] + "/tally"))["outcome"] == "passed"
    balances = await get(client, "/pools/commons/ledger/balances")
    assert balances["entries"] == 0 and balances["fund"] == 0
