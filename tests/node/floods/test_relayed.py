"""A remote pool of a flood relays ballots and attests results: forged and foreign ballots
are refused with a reason; an attestation of a different result is kept as a mismatch."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from federation.proofs import create_proof
from governance import electorate_digest
from node.accounts import now_iso
from node.appkeys import ACTORS, FOLLOWS
from node.floods import close_due, floods
from node.wire.floods import SUMMARY_FIELDS, ballot_list_id, summary_digest
from schemas import OBJECT_CONTEXT
from tests.node.inbox_helpers import post_signed, processed
from tests.node.pools.test_federated_ballots import ProofActor, _rejections

pytestmark = pytest.mark.both_backends

POOL_INBOX = "/pools/commons/inbox"


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _actor(remote, name: str, kind: str = "Person") -> ProofActor:  # type: ignore[no-untyped-def]
    actor = ProofActor(f"{remote.base}/users/{name}", kind)
    remote.actors[actor.uri] = actor
    return actor


def _signed(actor: ProofActor, doc: dict[str, Any]) -> dict[str, Any]:
    return create_proof(doc, actor.proof_key, actor.uri + "#ed25519-key", datetime.now(UTC))


async def _send(client, actor, activity):  # type: ignore[no-untyped-def]
    resp = await post_signed(client, actor, POOL_INBOX, activity)
    assert resp.status == 202, await resp.text()
    return await processed(client, activity["id"])


async def _flood(client, remote, *, members=("bo",), electorate=True, pledge=500,  # type: ignore[no-untyped-def]
                 ballots=None, **fields):
    """Our pool 'commons' linked with the remote pool 'river'; river opened a flood proposal
    (``fields`` override the proposal's) and, if ``electorate``, sent its electorate (naming
    its ballot list ``ballots``, if given)."""
    app = client.app
    pool = await app[ACTORS].get("commons", "pool")
    river = _actor(remote, "river", "Group")
    flood = river.uri + "/floods/delta"
    await floods(app).set_link(pool.id, flood, "delta", river.uri, "approved", "x", now_iso())
    await app[FOLLOWS].put(pool.uri, river.uri, pool.uri + "#f1", "accepted", now_iso(), follower_local_id=pool.id)
    await app[FOLLOWS].put(river.uri, pool.uri, river.uri + "#f2", "accepted", now_iso(), followee_local_id=pool.id)
    voters = [_actor(remote, name) for name in members]
    bo = voters[0]
    uris = sorted(v.uri for v in voters)
    opens = datetime.now(UTC) - timedelta(minutes=1)
    pid = f"{river.uri}/floods/proposals/{uuid.uuid4()}"
    proposal = _signed(river, {k: v for k, v in {
        "@context": OBJECT_CONTEXT, "id": pid, "type": "Proposal", "attributedTo": river.uri,
        "pool": river.uri, "proposedBy": bo.uri, "name": "Shared van", "proposalKind": "decision",
        "content": "Rent a van", "ballotType": "consent", "options": [], "threshold": "1/2",
        "thresholdComparator": "more_than", "quorum": "1/2", "blockVetoes": False,
        "opensAt": _iso(opens), "closesAt": _iso(opens + timedelta(minutes=10)),
        "electorate": pid + "/electorate", "electorateDigest": electorate_digest([bo.uri]),
        "electorateSize": 1, "flood": flood, "floodPools": sorted([pool.uri, river.uri]),
        "doubleMajority": False, **fields,
    }.items() if v is not None})
    item = await _send(client, river, river.activity("Announce", proposal, to=[pool.uri]))
    assert item.state == "done"
    if not electorate:
        return pool, river, bo, pid
    document = _signed(river, {
        "@context": OBJECT_CONTEXT, "id": river.uri + "/floods/electorates/1", "type": "Electorate",
        "attributedTo": river.uri, "pool": river.uri, "flood": flood, "proposal": pid,
        "members": uris, "electorateDigest": electorate_digest(uris), "electorateSize": len(uris),
        "pledge": pledge, "published": _iso(datetime.now(UTC)), **({"ballots": ballots} if ballots else {}),
    })
    await _send(client, river, river.activity("Create", document, to=[pool.uri]))
    if ballots is None:
        # river's ballot list, complete and empty: what it accepted reached us as relays.
        listed = ballot_list_id(river.uri, pid)
        remote.actors[listed] = _Listed({
            "id": listed, "type": "OrderedCollection", "attributedTo": river.uri, "pool": river.uri,
            "proposal": pid, "closesAt": proposal["closesAt"], "complete": True, "totalItems": 0,
            "orderedItems": []})
    return pool, river, bo, pid


class _Listed:
    """A document the fake remote serves at one URL."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.body = document

    def document(self) -> dict[str, Any]:
        return self.body


def _ballot(voter: ProofActor, river: ProofActor, pid: str, choice: str) -> dict[str, Any]:
    return _signed(voter, {
        "@context": OBJECT_CONTEXT, "id": f"{river.uri}/ballots/{uuid.uuid4()}", "type": "Ballot",
        "attributedTo": voter.uri, "pool": river.uri, "proposal": pid, "choice": [choice],
        "published": _iso(datetime.now(UTC)), "to": [river.uri],
    })


async def test_relayed_ballots_count_on_their_own_proof_only(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool, river, bo, pid = await _flood(client, remote)
    stored = await floods(client.app).proposal(pid)
    assert stored is not None and set(await floods(client.app).electorates(pid)) == {pool.uri, river.uri}

    forged = copy.deepcopy(_ballot(bo, river, pid, "agree"))
    forged["choice"] = ["block"]
    await _send(client, river, river.activity("Announce", forged, to=[pool.uri]))
    dan = _actor(remote, "dan")
    await _send(client, river, river.activity("Announce", _ballot(dan, river, pid, "agree"), to=[pool.uri]))
    assert await floods(client.app).ballots(pid) == []
    reasons = await _rejections(client)
    assert any("does not verify" in r for r in reasons)
    assert any("not a member of the flood" in r for r in reasons)

    good = _ballot(bo, river, pid, "agree")
    await _send(client, river, river.activity("Announce", good, to=[pool.uri]))
    assert [b["voter"] for b, _ in await floods(client.app).ballots(pid)] == [bo.uri]


async def test_an_attestation_of_another_result_is_a_mismatch(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool, river, bo, pid = await _flood(client, remote)
    await _send(client, river, river.activity("Announce", _ballot(bo, river, pid, "agree"), to=[pool.uri]))
    assert await close_due(client.app, datetime.now(UTC) + timedelta(minutes=20)) == [pid]
    stored = await floods(client.app).proposal(pid)
    assert stored is not None and stored.result is not None
    ours = stored.result
    theirs = {**ours, "outcome": "rejected" if ours["outcome"] == "passed" else "passed"}
    attestation = _signed(river, {
        "@context": OBJECT_CONTEXT, "id": river.uri + "/floods/attestations/1", "type": "Attestation",
        "attributedTo": river.uri, "pool": river.uri, **{k: theirs[k] for k in SUMMARY_FIELDS},
        "tallyDigest": summary_digest(theirs),
    })
    await _send(client, river, river.activity("Create", attestation, to=[pool.uri]))
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    assert view["final"] and view["result"] == ours
    (mismatch,) = view["mismatches"]
    assert mismatch["pool"] == river.uri and "outcome" in mismatch["reason"]
    mine = [a for a in view["attestations"] if a["pool"] == pool.uri]
    assert mine and mine[0]["matches"] is True
