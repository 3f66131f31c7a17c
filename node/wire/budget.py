"""Budget rounds on the wire: buckets, allocations and the round's result (docs/PROTOCOL.md).

* A member drafts ``{"type": "Bucket", "pool", "proposal", "name", "content", "minGoal",
  "maxGoal"}``; the pool accepts it and publishes a pool-signed ``Bucket`` at
  ``{round}/buckets/{n}`` (``proposedBy`` the member, ``published`` the time it was accepted).
* A member's ``Allocation`` (``amounts``: ``[{"bucket", "amount"}]``) is kept as they signed it;
  a later one replaces the earlier by ``(sequence, published, id)``, as ballots do.
* The pool's ``BudgetResult`` at ``{round}/result`` lists every bucket with what it received
  and what it is funded with, and every accepted allocation to recount from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from governance import Allocation, Bucket, Budget, GovernanceError
from governance.codec import datetime_from_str, datetime_to_str
from node.wire.errors import InvalidDocument
from schemas import AS_PUBLIC, OBJECT_CONTEXT

__all__ = [
    "RESULT_FIELDS",
    "allocation_document",
    "allocation_from_document",
    "bucket_document",
    "bucket_from_document",
    "bucket_time",
    "result_document",
]

RESULT_FIELDS = ("electorateDigest", "electorateSize", "pot", "allowance", "participation",
                 "buckets", "funded", "returned", "outcome")
"""The fields of a BudgetResult a recount must reproduce."""


def _invalid(exc: GovernanceError, what: str) -> InvalidDocument:
    return InvalidDocument(f"invalid {what}: {exc.reason}", detail=exc.code, code=exc.code)


def bucket_document(bucket: Bucket, round_id: str, pool: str, currency: str,
                    published: str) -> dict[str, Any]:
    """The pool's Bucket document (unsigned): the member's proposal as the pool accepted it."""
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": bucket.id,
        "type": "Bucket",
        "attributedTo": pool,
        "pool": pool,
        "proposal": round_id,
        "proposedBy": bucket.proposer,
        "name": bucket.title,
        "minGoal": bucket.min_goal,
        "maxGoal": bucket.max_goal,
        "currency": currency,
        "published": published,
        "to": [AS_PUBLIC],
    }
    if bucket.description:
        document["content"] = bucket.description
    return document


def bucket_from_document(doc: Mapping[str, Any], proposer: str | None = None) -> Bucket:
    """The Bucket of a (schema-checked) document: a pool's, or a member's draft (``proposer``:
    its author; a draft has no bucket id yet, the pool gives it one, so ``draft`` stands in)."""
    try:
        return Bucket("draft" if proposer else str(doc["id"]), doc["name"],
                      proposer or doc["proposedBy"], doc["minGoal"], doc["maxGoal"],
                      doc.get("content", ""))
    except GovernanceError as exc:
        raise _invalid(exc, "bucket") from exc
    except KeyError as exc:
        raise InvalidDocument(f"invalid bucket: missing {exc}") from exc


def bucket_time(doc: Mapping[str, Any]) -> datetime:
    """When the pool accepted a bucket (its signed ``published``)."""
    try:
        return datetime_from_str(doc["published"])
    except (GovernanceError, KeyError) as exc:
        raise InvalidDocument("a bucket is dated by its 'published' time") from exc


def allocation_document(allocation: Allocation, pool: str) -> dict[str, Any]:
    """A member's Allocation document (unsigned), as the member's node signs it."""
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": allocation.id,
        "type": "Allocation",
        "attributedTo": allocation.person,
        "pool": pool,
        "proposal": allocation.round_id,
        "inReplyTo": allocation.round_id,
        "amounts": [{"bucket": bucket, "amount": amount} for bucket, amount in allocation.amounts],
        "published": datetime_to_str(allocation.at),
        "to": [pool],
    }
    if allocation.sequence:
        document["sequence"] = allocation.sequence
    return document


def allocation_from_document(doc: Mapping[str, Any]) -> Allocation:
    """The governance Allocation of a (schema-checked) Allocation document."""
    try:
        return Allocation(
            id=doc["id"], round_id=doc["proposal"], person=doc["attributedTo"],
            at=datetime_from_str(doc["published"]),
            amounts=tuple((item["bucket"], item["amount"]) for item in doc.get("amounts", ())),
            sequence=doc.get("sequence", 0),
        )
    except GovernanceError as exc:
        raise _invalid(exc, "allocation") from exc
    except (KeyError, TypeError) as exc:
        raise InvalidDocument(f"invalid allocation: {exc!r}") from exc


def result_document(budget: Budget, pool: str, allocations: Sequence[str], *, final: bool,
                    updated: str) -> dict[str, Any]:
    """The round's BudgetResult (unsigned): per bucket what it received and what it is funded
    with; ``allocations`` lists every accepted allocation id to recount from."""
    proposal = budget.proposal
    result = budget.result()
    funded = dict(result.funded)
    buckets = [
        {"bucket": bucket_id, "minGoal": budget.buckets[bucket_id].min_goal,
         "maxGoal": budget.buckets[bucket_id].max_goal, "allocated": total,
         "funded": funded.get(bucket_id, 0)}
        for bucket_id, total in result.totals
    ]
    return {
        "@context": OBJECT_CONTEXT,
        "id": proposal.id + "/result",
        "type": "BudgetResult",
        "attributedTo": pool,
        "pool": pool,
        "proposal": proposal.id,
        "electorate": proposal.id + "/electorate",
        "electorateDigest": proposal.electorate.digest,
        "electorateSize": proposal.electorate.size,
        "currency": budget.motion.currency,
        "pot": budget.pot,
        "allowance": budget.allowance,
        "participation": result.participation,
        "buckets": buckets,
        "funded": result.total,
        "returned": budget.pot - result.total,
        "outcome": "passed" if result.funded else "rejected",
        "final": final,
        "allocations": list(allocations),
        "updated": updated,
        "to": [AS_PUBLIC],
    }
