"""Ballots on the wire: a voter's signed Ballot, or a pool-signed attestation of a poll reply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from governance import Ballot, BallotType, GovernanceError
from governance.codec import datetime_from_str, datetime_to_str
from node.wire.errors import InvalidDocument
from schemas import OBJECT_CONTEXT

__all__ = ["attested_ballot_document", "ballot_document", "ballot_from_document"]


def ballot_document(ballot: Ballot, pool: str, ballot_type: BallotType | None = None) -> dict[str, Any]:
    """The voter's Ballot document (unsigned); a ranked ballot carries ``ranking`` (ordered).

    ``sequence`` is written when the ballot has one (1 or more; a ballot without is 0).
    """
    field = "ranking" if ballot_type is BallotType.RANKED else "choice"
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": ballot.id,
        "type": "Ballot",
        "attributedTo": ballot.voter,
        "pool": pool,
        "proposal": ballot.proposal_id,
        "inReplyTo": ballot.proposal_id,
        field: list(ballot.choice),
        "published": datetime_to_str(ballot.cast_at),
        "to": [pool],
    }
    if ballot.sequence:
        document["sequence"] = ballot.sequence
    return document


def attested_ballot_document(
    ballot: Ballot, pool: str, evidence: str | list[str]
) -> dict[str, Any]:
    """A ballot the pool vouches for: the voter's server sent only HTTP-signed poll replies,
    whose ids are the ``evidence`` (one, or the list a merged multiple-choice ballot rests on)."""
    return {**ballot_document(ballot, pool), "attestedBy": pool, "evidence": evidence}


def ballot_from_document(doc: Mapping[str, Any]) -> Ballot:
    """The governance Ballot of a (schema-checked) Ballot document."""
    choice = doc.get("ranking", doc.get("choice", []))
    if isinstance(choice, str):
        choice = [choice]
    try:
        return Ballot(
            id=doc["id"],
            proposal_id=doc["proposal"],
            voter=doc["attributedTo"],
            cast_at=datetime_from_str(doc["published"]),
            choice=tuple(choice),
            sequence=doc.get("sequence", 0),
        )
    except GovernanceError as exc:
        raise InvalidDocument(f"invalid ballot: {exc.reason}", detail=exc.code, code=exc.code) from exc
