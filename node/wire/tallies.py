"""Tallies on the wire: the pool's running or final count of one proposal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from governance import Tally
from governance.classes import ClassTally
from node.wire.classes import tally_classes
from schemas import OBJECT_CONTEXT

__all__ = ["COMPARED_FIELDS", "OPTIONAL_FIELDS", "tally_document"]

COMPARED_FIELDS = ("electorateDigest", "electorateSize", "participation", "abstentions",
                   "votesCast", "counts", "quorumMet", "thresholdMet", "outcome", "winner", "rounds",
                   "classes")
"""The fields of a Tally a recount must reproduce (docs/PROTOCOL.md §Results of other nodes' pools)."""

OPTIONAL_FIELDS = ("abstentions", "rounds")
"""Compared fields a Tally signed before they existed may lack."""

# ``classes`` is in a Tally exactly when its proposal froze a class roll (classMajority): a
# recount compares it present or absent, never filling it in.


def tally_document(
    result: Tally, pool: str, ballots: Sequence[str], *, final: bool, updated: str,
    classes: ClassTally | None = None,
) -> dict[str, Any]:
    """The Tally document (unsigned); ``ballots`` lists every accepted ballot id to recount from
    (a voter's replaced ballots too), sorted in a final tally (docs/SPEC.md §Final Tally)."""
    data = result.to_dict()
    document = {
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
        "ballots": sorted(ballots) if final else list(ballots),
        "updated": updated,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    if classes is not None:
        # The outcome above is already the one that counts (``result`` from wire.classes.count).
        document["classes"] = tally_classes(classes)
    return document
