"""Tallies on the wire: the pool's running or final count of one proposal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from governance import BallotDigest, Tally, ballots_digest
from schemas import OBJECT_CONTEXT

__all__ = ["tally_document"]


def tally_document(
    result: Tally, pool: str, ballots: Sequence[str] | BallotDigest, *, final: bool, updated: str
) -> dict[str, Any]:
    """The Tally document (unsigned).

    Both kinds carry ``ballotCount`` and ``ballotsDigest`` of the ballots counted, in the order
    the pool accepted them (governance.ballot_digest; docs/PROTOCOL.md, "Running tallies"). A
    final Tally also lists them (``ballots``: every accepted ballot id to recount from, given
    as a sequence); a running one does not, so its size and its signing do not grow with the
    vote (``ballots`` may then be the running ``BallotDigest`` itself).
    """
    listed: list[str] | None = None
    if isinstance(ballots, BallotDigest):
        if final:
            raise ValueError("a final Tally lists its ballots")
        count, digest = ballots.count, ballots.hexdigest()
    else:
        listed = list(ballots)
        count, digest = len(listed), ballots_digest(listed)
    data = result.to_dict()
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": result.proposal_id + "/tally",
        "type": "Tally",
        "attributedTo": pool,
        "pool": pool,
        "proposal": result.proposal_id,
        "electorate": result.proposal_id + "/electorate",
        "electorateDigest": result.electorate_digest,
        "electorateSize": result.electorate_size,
        "participation": result.participation,
        "abstentions": result.abstentions,
        "votesCast": result.votes_cast,
        "counts": data["counts"],
        "quorumMet": result.quorum_met,
        "thresholdMet": result.threshold_met,
        "outcome": result.outcome.value,
        "winner": list(result.winners),
        "rounds": data.get("rounds", []),
        "final": final,
    }
    if final:
        document["ballots"] = listed
    document["ballotCount"] = count
    document["ballotsDigest"] = digest
    document["updated"] = updated
    document["to"] = ["https://www.w3.org/ns/activitystreams#Public"]
    return document
