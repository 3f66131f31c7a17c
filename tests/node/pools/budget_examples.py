"""The budget round examples of docs/PROTOCOL.md, built by the real wire code (fixed keys, times).

commons (on b) opens a round of EUR 60.00 for ana and bo; ana proposes a bucket, both allocate
to it, and at the close the pool funds it and books its commitment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from governance import (
    Allocation,
    BallotType,
    Bucket,
    Budget,
    BudgetRound,
    Bylaws,
    Ledger,
    Roster,
    contribution,
    open_proposal,
)
from node.storage import ActorRecord
from node.wire import electorate_document, ledger_entry_document, proposal_document, sign_document
from node.wire.budget import allocation_document, bucket_document, result_document
from schemas import OBJECT_CONTEXT

__all__ = ["budget_examples"]

B = "https://b.example"
A = "https://a.example"
POOL = B + "/pools/commons"
ROUND = POOL + "/proposals/5c0e7a21-9b3d-4f1a-8e26-3d7b9c1f4a52"


def budget_examples(pool: ActorRecord, ana: ActorRecord, bo: ActorRecord, roster: Roster,
                    bylaws: Bylaws, activity: Any) -> dict[str, dict[str, Any]]:
    """Every budget round example, by name; ``activity`` wraps an object as protocol_examples does."""
    from tests.node.pools.protocol_examples import AT

    out: dict[str, dict[str, Any]] = {}
    published = "2025-03-01T12:00:00Z"
    draft = {"@context": OBJECT_CONTEXT, "id": A + "/objects/draft-3", "type": "Proposal",
             "attributedTo": ana.uri, "pool": POOL, "name": "Spring round",
             "proposalKind": "budget_round", "pot": 6000, "currency": "EUR",
             "purpose": "What the club does this spring", "to": [POOL], "published": published}
    out["create-round-draft"] = activity("Create", ana.uri, sign_document(draft, ana, AT), [POOL],
                                         "create-draft-3")
    proposal = open_proposal(id=ROUND, author=ana.uri, title="Spring round",
                             motion=BudgetRound(6000, "EUR", "What the club does this spring"),
                             bylaws=bylaws, electorate=roster.electorate(), opens_at=AT,
                             ballot_type=BallotType.ALLOCATION)
    out["budget-round"] = sign_document(proposal_document(proposal, POOL, published), pool, AT)
    # The round's Electorate is the same document as any proposal's (example:electorate).
    assert electorate_document(proposal, POOL, published)["members"] == sorted(roster.electorate().members)

    bucket_draft = {"@context": OBJECT_CONTEXT, "id": A + "/objects/bucket-draft-1", "type": "Bucket",
                    "attributedTo": ana.uri, "pool": POOL, "proposal": ROUND, "name": "Tool shed",
                    "content": "A shed for the shared tools", "minGoal": 2000, "maxGoal": 4000,
                    "to": [POOL], "published": "2025-03-01T13:00:00Z"}
    accepted_at = AT + timedelta(hours=1)
    out["create-bucket-draft"] = activity("Create", ana.uri, sign_document(bucket_draft, ana, accepted_at),
                                          [POOL], "create-bucket-1")
    bucket = Bucket(ROUND + "/buckets/1", "Tool shed", ana.uri, 2000, 4000, "A shed for the shared tools")
    out["bucket"] = sign_document(bucket_document(bucket, ROUND, POOL, "EUR", "2025-03-01T13:00:00Z"),
                                  pool, accepted_at)

    cast = AT + timedelta(hours=2)
    ana_alloc = Allocation(A + "/objects/allocation-1", ROUND, ana.uri, cast, ((bucket.id, 3000),), 1)
    bo_alloc = Allocation(B + "/objects/allocation-2", ROUND, bo.uri, cast, ((bucket.id, 1500),), 1)
    out["create-allocation"] = activity("Create", ana.uri,
                                        sign_document(allocation_document(ana_alloc, POOL), ana, cast),
                                        [POOL], "create-allocation-1")
    budget = Budget(proposal).propose(bucket, accepted_at).apply(ana_alloc).apply(bo_alloc)
    closes = proposal.rule.closes_at
    final = result_document(budget, POOL, [ana_alloc.id, bo_alloc.id], final=True,
                            updated="2025-03-08T12:00:00Z")
    out["update-budget-result"] = {**activity("Update", POOL, sign_document(final, pool, closes),
                                              [ana.uri, bo.uri], "update-result-1"),
                                   "cc": [POOL + "/followers"]}
    ledger = Ledger("EUR")
    ledger = ledger.apply(contribution(POOL + "/ledger/1", AT, ledger, ana.uri, 6000, by=bo.uri,
                                       roster=roster))
    ledger = ledger.apply(budget.commit(POOL + "/ledger/2", closes, ledger, bucket.id))
    out["bucket-commitment"] = sign_document(ledger_entry_document(ledger.entries[-1], POOL, 2), pool,
                                             closes)
    return out
