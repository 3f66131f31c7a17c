"""Two real nodes: a pool on B, a member on A joins, proposes and votes over ActivityPub;
both nodes show the same tally, and the public ledger replays to the published head hash."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import ed25519_public_from_multibase
from federation.proofs import verify_proof_with_key
from governance import tally
from node.wire import ballot_from_document, proposal_from_documents, replay_documents
from tests.multinode.harness import Cluster, NodeProcess, poll, set_voting_period

pytestmark = pytest.mark.multinode

VOTING_SECONDS = 6


def _get(node: NodeProcess, url: str) -> dict[str, Any]:
    status, body = node.request("GET", url)
    assert status == 200, (url, status, body)
    return body


def _items(node: NodeProcess, collection: str) -> list[Any]:
    """Every item of a paged OrderedCollection: ``first``, then each page's ``next``."""
    items: list[Any] = []
    page: str | None = _get(node, collection)["first"]
    while page is not None:
        body = _get(node, page)
        items += body["orderedItems"]
        page = body.get("next")
    return items


def _verify(reader: NodeProcess, document: dict[str, Any], author: str) -> None:
    """Check a document's proof against its author's published assertionMethod key."""
    actor = _get(reader, author)
    method = document["proof"]["verificationMethod"]
    (key,) = [k for k in actor["assertionMethod"] if k["id"] == method and k["controller"] == author]
    public = ed25519_public_from_multibase(key["publicKeyMultibase"])
    assert isinstance(public, ed25519.Ed25519PublicKey)
    verify_proof_with_key(document, public)


def _membership(node: NodeProcess, person: str) -> str | None:
    rows = node.query("SELECT state FROM memberships WHERE person_uri = ?", (person,))
    return rows[0]["state"] if rows else None


def _proposals(node: NodeProcess) -> list[dict[str, Any]]:
    return list(_get(node, node.pool_id + "/proposals?page=true")["orderedItems"])


def _tally_seen_at(node: NodeProcess, tally_id: str) -> dict[str, Any] | None:
    """The latest Update(Tally) this node received for ``tally_id``."""
    found = None
    for row in node.query("SELECT document FROM inbox_items WHERE activity_type = 'Update' ORDER BY id"):
        obj = json.loads(row["document"]).get("object")
        if isinstance(obj, dict) and obj.get("id") == tally_id:
            found = obj
    return found


def test_pool_on_b_decides_with_a_member_on_a(cluster: Cluster) -> None:
    a, b = cluster.node("a"), cluster.node("b")
    set_voting_period(b, VOTING_SECONDS)
    pool, ana = b.pool_id, a.admin_id

    join = a.post_outbox({"type": "Join", "object": pool})
    poll(lambda: _membership(b, ana) == "applicant", 20, "ana's Join at b")
    b.post_outbox({"type": "Accept", "object": join["id"]})  # b's admin is a steward
    assert _membership(b, ana) == "member"

    b.post_outbox({"type": "LedgerEntry", "pool": pool, "entryKind": "contribution",
                   "person": ana, "amount": 5000, "reference": "bank transfer 1"})

    a.post_outbox({"type": "Proposal", "pool": pool, "name": "Buy a drill",
                   "proposalKind": "disbursement", "amount": 3000, "currency": "EUR",
                   "payee": "Tool shop", "purpose": "a shared drill"})
    (proposal,) = poll(lambda: _proposals(b), 20, "ana's proposal opened at b")
    assert proposal["proposedBy"] == ana and proposal["electorateSize"] == 2

    a.post_outbox({"type": "Ballot", "pool": pool, "proposal": proposal["id"], "choice": ["agree"]})
    b.post_outbox({"type": "Ballot", "pool": pool, "proposal": proposal["id"], "choice": ["agree"]})
    poll(lambda: _get(b, proposal["id"] + "/tally")["participation"] == 2, 20, "both ballots at b")

    final = poll(lambda: (t := _get(b, proposal["id"] + "/tally"))["final"] and t, 30, "the close")
    assert final["outcome"] == "passed" and final["counts"]["agree"] == 2
    seen_at_a = poll(lambda: (t := _tally_seen_at(a, final["id"])) and t["final"] and t, 20,
                     "the final tally at a")
    assert {k: v for k, v in seen_at_a.items() if k != "proof"} == {
        k: v for k, v in final.items() if k != "proof"}

    # A kept B's final tally only after verifying B's proof, and its own recount (from the
    # signed proposal, electorate and ballots it fetched) reproduces it.
    def known_at_a() -> dict[str, Any] | None:
        status, body = a.request("GET", "/remote?" + urlencode({"proposal": proposal["id"]}))
        # 'incomplete' (a fetch from b failed) is retried from a's inbox queue after a backoff.
        return body if status == 200 and body["result"] in ("verified", "mismatch") else None

    remote = poll(known_at_a, 45, "a's recount of the final tally")
    assert remote["result"] == "verified" and remote["recount"]["state"] == "matches"
    assert remote["documents"]["tally"]["document"] == final
    assert remote["documents"]["tally"]["verifiedBy"] == pool + "#ed25519-key"
    assert remote["recount"]["recount"]["counts"] == final["counts"]

    # A third party recomputes the result from the signed inputs, checking every proof.
    electorate = _get(a, proposal["id"] + "/electorate")
    ballots = _items(a, proposal["id"] + "/ballots")
    for document, author in [(proposal, pool), (electorate, pool), (final, pool),
                             *[(bd, bd["attributedTo"]) for bd in ballots]]:
        _verify(a, document, author)
    rebuilt = proposal_from_documents(proposal, electorate)
    recount = tally(rebuilt.rule, rebuilt.electorate, [ballot_from_document(bd) for bd in ballots])
    assert recount.outcome.value == final["outcome"] and recount.participation == 2

    # The ledger: the contribution and the commitment the pool booked at the close.
    def entries() -> list[dict[str, Any]]:
        return list(_get(a, pool + "/ledger?page=true")["orderedItems"])

    booked = poll(lambda: (e := entries()) and len(e) == 2 and e, 20, "the commitment")
    assert [e["entryKind"] for e in booked] == ["commitment", "contribution"]
    for entry in booked:
        _verify(a, entry, pool)
    ledger = replay_documents("EUR", booked)
    assert ledger.fund == 2000 and ledger.balance("commitment:" + proposal["id"]) == 3000
    assert ledger.head == _get(a, pool + "/ledger")["headHash"]
