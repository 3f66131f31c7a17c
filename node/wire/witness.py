"""Witnessed ledger heads on the wire: a witness pool's HeadAttestation of another pool's ledger
head, the LedgerConflict it sends when that ledger departs from a head it attested, and a pool's
Recount of another pool's final tally (docs/PROTOCOL.md, "Witnessed ledger heads").

Building and reading are pure; signing is ``sign_document`` (node/wire/proofs.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from governance.witness import Fork, Head
from node.wire.errors import InvalidDocument
from node.wire.floods import document_key
from node.wire.validate import check_document
from schemas import OBJECT_CONTEXT

__all__ = [
    "attestation_head",
    "attestation_path",
    "conflict_document",
    "head_attestation_document",
    "head_of",
    "recount_document",
    "recount_path",
]


def attestation_path(witness: str, pool: str, number: int) -> str:
    """The id of a witness's ``number``-th attestation of ``pool``:
    ``{witness}/witnessing/{key}/{number}``, ``key`` the first 32 hex digits of SHA-256 of
    the pool's id (``document_key``)."""
    return f"{witness}/witnessing/{document_key(pool)}/{number}"


def recount_path(reporter: str, proposal: str) -> str:
    """The id of a pool's Recount of a proposal: ``{reporter}/recounts/{key of the proposal}``."""
    return f"{reporter}/recounts/{document_key(proposal)}"


def head_of(value: Mapping[str, Any]) -> Head:
    """The ``{"sequence", "headHash"}`` of a document (an attestation, or its ``extends``)."""
    return Head(int(value["sequence"]), str(value["headHash"]))


def _head(head: Head) -> dict[str, Any]:
    return {"sequence": head.sequence, "headHash": head.hash}


def head_attestation_document(
    uri: str, witness: str, pool: str, head: Head, published: str, extends: Head | None,
) -> dict[str, Any]:
    """The HeadAttestation (unsigned): ``witness`` saw ``pool``'s ledger at ``head`` at
    ``published``, having checked that it extends ``extends`` (its previous attestation; absent
    for a first one)."""
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": uri,
        "type": "HeadAttestation",
        "attributedTo": witness,
        "pool": pool,
        "sequence": head.sequence,
        "headHash": head.hash,
    }
    if extends is not None:
        document["extends"] = _head(extends)
    document["published"] = published
    document["to"] = [pool]
    return document


def attestation_head(document: Mapping[str, Any]) -> Head:
    """The head a HeadAttestation states; InvalidDocument if it is not one."""
    check_document("head-attestation", document)
    return head_of(document)


def conflict_document(
    uri: str, witness: str, pool: str, fork: Fork, attestation: Mapping[str, Any],
    evidence: Sequence[Mapping[str, Any]], head: Head, published: str,
) -> dict[str, Any]:
    """The LedgerConflict (unsigned): ``pool``'s ledger departs from the head ``attestation``
    states (``fork``); ``evidence`` holds the pool-signed entries it rests on (the attested
    entry as served then, the one served now in its place; or the two that do not link),
    ``head`` the head the pool shows now."""
    if not 1 <= len(evidence) + 1 <= 4:
        raise InvalidDocument("a conflict rests on at most three ledger entries")
    return {
        "@context": OBJECT_CONTEXT,
        "id": uri,
        "type": "LedgerConflict",
        "attributedTo": witness,
        "pool": pool,
        "conflict": fork.kind.value,
        "sequence": fork.sequence,
        "summary": fork.reason,
        "attestation": dict(attestation),
        "evidence": [dict(e) for e in evidence],
        "head": _head(head),
        "published": published,
        "to": [pool],
    }


def recount_document(
    reporter: str, pool: str, proposal: str, tally: str, result: str,
    recounted: Mapping[str, Any] | None, differences: Mapping[str, Any], published: str,
) -> dict[str, Any]:
    """The Recount (unsigned): ``reporter`` recounted ``pool``'s final ``tally`` of ``proposal``
    from the signed inputs; ``result`` is ``matches`` or ``mismatch``, ``recounted`` its own
    values of the compared fields, ``differences`` what differed (docs/PROTOCOL.md, "Results
    of other nodes' pools")."""
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": recount_path(reporter, proposal),
        "type": "Recount",
        "attributedTo": reporter,
        "pool": pool,
        "proposal": proposal,
        "tally": tally,
        "result": result,
    }
    if recounted is not None:
        document["recount"] = dict(recounted)
    document["differences"] = dict(differences)
    document["published"] = published
    document["to"] = [pool]
    return document
