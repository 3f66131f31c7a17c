"""Flood results on one node with a remote pool: double majority over relayed ballots, a
relayed ballot that arrives as an id only, a pool whose electorate never arrives, and a
treasurer paying out the pool's share of a passed flood disbursement."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from governance import Ballot, Conflict, NotPermitted, RuleViolation, counted_ballot
from node.appkeys import ACTORS
from node.errors import NotFound
from node.floods import cast_in_flood, close_due, floods
from node.pool_engine.ledger import balances, record_request
from node.storage import ActorRecord
from node.wire import ballot_document, sign_document
from schemas import OBJECT_CONTEXT
from tests.node.floods.test_relayed import _ballot, _flood, _send, _signed

pytestmark = pytest.mark.both_backends

LATER = timedelta(minutes=20)


async def _member(client, name: str) -> ActorRecord:  # type: ignore[no-untyped-def]
    actor = await client.app[ACTORS].get(name, "member")
    assert actor is not None
    return actor


async def _vote(client, voter: ActorRecord, pool: ActorRecord, pid: str, choice: str) -> None:  # type: ignore[no-untyped-def]
    at = datetime.now(UTC).replace(microsecond=0)
    ballot = Ballot.consent(f"{voter.uri}/ballots/{uuid.uuid4()}", pid, voter.uri, at, choice)
    await cast_in_flood(client.app, sign_document(ballot_document(ballot, pool.uri), voter, at), at)


async def _contribute(client, pool: ActorRecord, amount: int) -> None:  # type: ignore[no-untyped-def]
    admin = await _member(client, "admin")
    await record_request(client.app, admin.uri, _request(pool, admin, entryKind="contribution",
                                                          person=admin.uri, amount=amount), datetime.now(UTC))


def _request(pool: ActorRecord, treasurer: ActorRecord, **fields: Any) -> dict[str, Any]:
    return {"@context": OBJECT_CONTEXT, "id": f"{treasurer.uri}/requests/{uuid.uuid4()}",
            "type": "LedgerEntry", "attributedTo": treasurer.uri, "pool": pool.uri,
            "reference": "bank transfer", "to": [pool.uri],
            "published": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            **fields}


async def test_double_majority_needs_more_than_half_of_the_pools(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool, river, _, pid = await _flood(client, remote, members=("bo", "cy", "dan"), doubleMajority=True)
    for name in ("bo", "cy", "dan"):
        voter = remote.actors[f"{remote.base}/users/{name}"]
        await _send(client, river, river.activity("Announce", _ballot(voter, river, pid, "agree"), to=[pool.uri]))
    await _vote(client, await _member(client, "admin"), pool, pid, "agree")
    await _vote(client, await _member(client, "alice"), pool, pid, "disagree")
    assert await close_due(client.app, datetime.now(UTC) + LATER) == [pid]
    stored = await floods(client.app).proposal(pid)
    assert stored is not None and stored.result is not None
    result = stored.result
    # 4 of 5 agree across the flood, but only river passes it in its own tally: 1 of 2 pools.
    assert result["counts"]["agree"] == 4 and result["counts"]["disagree"] == 1
    assert result["poolOutcomes"] == {pool.uri: "rejected", river.uri: "passed"}
    assert result["poolsFor"] == 1 and result["doubleMajority"] is True
    assert result["outcome"] == "rejected"


async def test_a_relayed_ballot_sent_as_an_id_is_fetched_and_checked(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool, river, bo, pid = await _flood(client, remote)
    ballot = _ballot(bo, river, pid, "agree")
    ballot["id"] = f"{remote.base}/users/ballot-{uuid.uuid4().hex}"  # served by the voter's server
    ballot = _signed(bo, {k: v for k, v in ballot.items() if k != "proof"})

    class Served:
        def document(self) -> dict[str, Any]:
            return ballot

    remote.actors[ballot["id"]] = Served()
    await _send(client, river, river.activity("Announce", ballot["id"], to=[pool.uri]))
    assert ballot["id"] in remote.fetches
    assert [b["id"] for b, _ in await floods(client.app).ballots(pid)] == [ballot["id"]]
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    assert view["result"]["counts"]["agree"] == 1


async def test_a_pool_whose_electorate_never_arrives_is_left_out_at_the_close(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool, river, bo, pid = await _flood(client, remote, electorate=False)
    await _send(client, river, river.activity("Announce", _ballot(bo, river, pid, "agree"), to=[pool.uri]))
    await _vote(client, await _member(client, "admin"), pool, pid, "agree")
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    assert view["result"] is None  # no running result while an electorate is missing
    assert await close_due(client.app, datetime.now(UTC) + LATER) == [pid]
    stored = await floods(client.app).proposal(pid)
    assert stored is not None and stored.result is not None
    result = stored.result
    assert result["absentPools"] == [river.uri]
    assert list(result["poolOutcomes"]) == [pool.uri]
    assert result["electorateSize"] == 2 and result["participation"] == 1  # bo's ballot is not counted
    (mine,) = [a.document for a in await floods(client.app).attestations(pid)]
    assert mine["absentPools"] == [river.uri]
    assert [e["pool"] for e in mine["electorates"]] == [pool.uri]


async def test_a_treasurer_pays_out_the_pools_share_of_a_flood_disbursement(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    await _contribute(client, pool, 1500)  # before the electorate freezes: commons pledges 1500
    _, river, bo, pid = await _flood(client, remote, pledge=500, proposalKind="disbursement", amount=1000,
                                     currency="EUR", payee="Van rental", purpose="a van",
                                     content=None)
    await _send(client, river, river.activity("Announce", _ballot(bo, river, pid, "agree"), to=[pool.uri]))
    await _vote(client, await _member(client, "admin"), pool, pid, "agree")
    assert await close_due(client.app, datetime.now(UTC) + LATER) == [pid]
    account = "commitment:" + pid
    assert (await balances(client.app, pool))["balances"][account] == 750  # 1000 * 1500 / 2000

    admin, alice = await _member(client, "admin"), await _member(client, "alice")
    with pytest.raises(RuleViolation):  # more than the pool's own commitment
        await record_request(client.app, admin.uri, _request(pool, admin, entryKind="payment",
                                                             proposal=pid, amount=751), datetime.now(UTC))
    with pytest.raises(NotPermitted):  # not a treasurer
        await record_request(client.app, alice.uri, _request(pool, alice, entryKind="payment",
                                                             proposal=pid, amount=100), datetime.now(UTC))
    entry = await record_request(client.app, admin.uri, _request(pool, admin, entryKind="payment",
                                                                 proposal=pid, amount=750), datetime.now(UTC))
    assert entry.document["entryKind"] == "payment" and entry.document["memo"] == pid
    after = await balances(client.app, pool)
    assert after["balances"][account] == 0 and after["fund"] == 750
    with pytest.raises(NotFound):
        await record_request(client.app, admin.uri, _request(pool, admin, entryKind="payment",
                                                             proposal=pid + "x", amount=1), datetime.now(UTC))


async def test_flood_ballots_follow_the_sequence_order_and_a_reused_sequence_is_refused(client, remote) -> None:  # type: ignore[no-untyped-def]
    # Issue 12 item 1 for floods: two ballots of one voter in one instant, the later with the
    # smaller id; the flood's kept ballots carry the sequence, so every node's recount picks it.
    pool, _, _, pid = await _flood(client, remote)
    admin = await _member(client, "admin")
    at = datetime.now(UTC).replace(microsecond=0)

    async def cast(ballot_id: str, choice: str, sequence: int) -> None:
        ballot = Ballot(f"{admin.uri}/ballots/{ballot_id}", pid, admin.uri, at, (choice,), sequence)
        await cast_in_flood(client.app, sign_document(ballot_document(ballot, pool.uri), admin, at), at)

    await cast("z", "disagree", 1)
    await cast("a", "agree", 2)
    with pytest.raises(Conflict) as refused:
        await cast("b", "block", 2)
    assert refused.value.code == "ballot_sequence_conflict" and refused.value.status_hint == 409
    with pytest.raises(Conflict) as unnumbered:  # could never count: refused, not kept
        await cast("c", "block", 0)
    assert unnumbered.value.code == "ballot_sequence_missing" and "sequence 3" in unnumbered.value.reason
    kept = [Ballot.from_dict(b) for b, _ in await floods(client.app).ballots(pid)]
    assert [b.sequence for b in kept] == [1, 2]
    counted = counted_ballot(kept)
    assert counted is not None and counted.choice == ("agree",)


async def _drain(client, pool: ActorRecord, amount: int) -> None:  # type: ignore[no-untyped-def]
    """Commit ``amount`` of the pool's fund elsewhere (after its pledge froze)."""
    from governance import commit_flood_share
    from node.pool_engine.ledger import book

    at = datetime.now(UTC)
    await book(client.app, pool, lambda id, ledger, r, b: commit_flood_share(
        id, at, ledger, "urn:example:elsewhere", at - timedelta(days=1), amount), "urn:drain", at)


async def test_a_share_the_fund_cannot_cover_waits_for_funds_visibly_then_is_booked(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    await _contribute(client, pool, 1500)  # commons pledges 1500: its share of 1000 is 750
    _, river, bo, pid = await _flood(client, remote, pledge=500, proposalKind="disbursement", amount=1000,
                                     currency="EUR", payee="Van rental", purpose="a van", content=None)
    await _send(client, river, river.activity("Announce", _ballot(bo, river, pid, "agree"), to=[pool.uri]))
    await _vote(client, await _member(client, "admin"), pool, pid, "agree")
    await _drain(client, pool, 1000)  # the fund is 500 now
    assert await close_due(client.app, datetime.now(UTC) + LATER) == [pid]
    account = "commitment:" + pid
    assert account not in (await balances(client.app, pool))["balances"]
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    (share,) = view["shares"]
    assert share["pool"] == pool.uri and share["amount"] == 750 and share["effect"] == "waiting_funds"
    assert share["effectReason"]

    await _contribute(client, pool, 300)  # 800 now covers 750: served at once
    assert (await balances(client.app, pool))["balances"][account] == 750
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    assert [s["effect"] for s in view["shares"]] == ["done"]


async def test_a_share_waiting_past_the_funding_wait_lapses(client, remote) -> None:  # type: ignore[no-untyped-def]
    from node.pool_engine.obligations import sweep

    pool = await client.app[ACTORS].get("commons", "pool")
    await _contribute(client, pool, 1500)
    _, river, bo, pid = await _flood(client, remote, pledge=500, proposalKind="disbursement", amount=1000,
                                     currency="EUR", payee="Van rental", purpose="a van", content=None)
    await _send(client, river, river.activity("Announce", _ballot(bo, river, pid, "agree"), to=[pool.uri]))
    await _vote(client, await _member(client, "admin"), pool, pid, "agree")
    await _drain(client, pool, 1000)
    assert await close_due(client.app, datetime.now(UTC) + LATER) == [pid]
    await sweep(client.app, datetime.now(UTC) + timedelta(days=365))  # past the 90-day funding wait
    (share,) = await floods(client.app).shares(pid)
    assert share.effect == "lapsed" and "funding wait" in (share.reason or "")
    await _contribute(client, pool, 5000)
    assert "commitment:" + pid not in (await balances(client.app, pool))["balances"]
