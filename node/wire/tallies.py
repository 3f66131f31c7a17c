"""Tallies on the wire: the pool's running or final count of one proposal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from governance import BallotDigest, Tally, ballots_digest
from governance.classes import ClassTally
from node.wire.classes import tally_classes
from schemas import OBJECT_CONTEXT

__all__ = ["COMPARED_FIELDS", "OPTIONAL_FIELDS", "tally_document"]

COMPARED_FIELDS = ("electorateDigest", "electorateSize", "participation", "abstentions",
                   "votesCast", "counts", "quorumMet", "thresholdMet", "outcome", "winner", "rounds",
                   "ballotCount", "ballotsDigest", "classes")
"""The fields of a Tally a recount must reproduce (docs/PROTOCOL.md §Results of other nodes' pools;
``ballotCount`` and ``ballotsDigest``: of the ballots it lists)."""

OPTIONAL_FIELDS = ("abstentions", "rounds", "ballotCount", "ballotsDigest")
"""Compared fields a Tally signed before they existed may lack."""

# ``classes`` is in a Tally exactly when its proposal froze a class roll (classMajority): a
# recount compares it present or absent, never filling it in.


def tally_document(
    result: Tally, pool: str, ballots: Sequence[str] | BallotDigest, *, final: bool, updated: str,
    classes: ClassTally | None = None,
) -> dict[str, Any]:
    """The Tally document (unsigned).

    Both kinds carry ``ballotCount`` and ``ballotsDigest``. A running Tally does not list its
    ballots, so its size and its signing do not grow with the vote: its digest is of the ballots
    counted in the order the pool accepted them (its ``{proposal}/ballots`` oldest first;
    governance.ballot_digest; docs/PROTOCOL.md, "Running tallies"), and ``ballots`` may be the
    running ``BallotDigest`` itself. A final Tally lists every accepted ballot id to recount
    from (a voter's replaced ballots too) sorted by id (docs/SPEC.md §Final Tally), and its
    digest is of that list as listed.
    """
    listed: list[str] | None = None
    if isinstance(ballots, BallotDigest):
        if final:
            raise ValueError("a final Tally lists its ballots")
        count, digest = ballots.count, ballots.hexdigest()
    else:
        listed = sorted(ballots) if final else list(ballots)
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
    if classes is not None:
        # The outcome above is already the one that counts (``result`` from wire.classes.count).
        document["classes"] = tally_classes(classes)
    if final:
        document["ballots"] = listed
    document["ballotCount"] = count
    document["ballotsDigest"] = digest
    document["updated"] = updated
    document["to"] = ["https://www.w3.org/ns/activitystreams#Public"]
    return document
