"""Member classes on the wire: the class roll a proposal freezes when it opens (in its
Electorate, its digest in the Proposal) and the per-class counts of its Tally.

A proposal of a kind the bylaws list in ``class_majority`` is counted by
:func:`governance.classes.class_tally`: the overall tally as always (one person, one vote), each
class's own count, and the outcome that counts (a pass with a class short of a majority is a
rejection). These helpers let the pool engine, the remote-result checks and ``poolnode verify``
count it the same way from the same documents (docs/PROTOCOL.md §Member classes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from governance import Ballot, Proposal, Tally, tally
from governance.classes import ClassRoll, ClassTally, class_tally
from governance.coop_rules import MAX_CLASSES, check_name
from governance.errors import GovernanceError
from node.wire.errors import InvalidDocument

__all__ = ["ROLL_KEY", "class_fields", "count", "roll_from_documents", "roll_of", "tally_classes"]

ROLL_KEY = "class_roll"
"""The key of the frozen roll in a stored proposal's dict (beside ``Proposal.to_dict``)."""


def roll_of(stored: Mapping[str, Any]) -> ClassRoll | None:
    """The class roll a stored proposal dict froze when it opened, if any."""
    data = stored.get(ROLL_KEY)
    return ClassRoll.from_dict(data) if isinstance(data, Mapping) else None


def count(proposal: Proposal, roll: ClassRoll | None,
          ballots: Iterable[Ballot]) -> tuple[Tally, ClassTally | None]:
    """The proposal's tally, and with a class roll each class's count; the tally's outcome is
    the one that counts (``class_tally``'s when there is a roll)."""
    if roll is None:
        return tally(proposal.rule, proposal.electorate, ballots), None
    counted = class_tally(proposal.rule, proposal.electorate, roll, ballots)
    return dataclasses.replace(counted.overall, outcome=counted.outcome), counted


def tally_classes(counted: ClassTally) -> list[dict[str, Any]]:
    """The Tally's ``classes``: each class with electors, sorted by name, and its own count."""
    return [
        {"name": result.name, "electorateSize": result.tally.electorate_size,
         "participation": result.tally.participation, "votesCast": result.tally.votes_cast,
         "counts": dict(result.tally.counts), "majority": result.majority}
        for result in counted.classes
    ]


def class_fields(roll: ClassRoll | None) -> dict[str, Any]:
    """The Electorate's ``memberClasses`` and ``classRollDigest`` (nothing without a roll)."""
    if roll is None:
        return {}
    return {"memberClasses": dict(sorted(roll.classes.items())), "classRollDigest": roll.digest}


def roll_from_documents(proposal: Mapping[str, Any], electorate: Mapping[str, Any],
                        members: frozenset[str]) -> ClassRoll | None:
    """The roll a Proposal and its Electorate carry: both name the same digest, the roll lists
    exactly the electorate; None when the proposal needs no majority in each class."""
    if proposal.get("classMajority") is not True:
        if "classRollDigest" in proposal:
            raise InvalidDocument("a classRollDigest without classMajority")
        return None
    classes = electorate.get("memberClasses")
    if not isinstance(classes, dict):
        raise InvalidDocument("a classMajority proposal's Electorate lists no memberClasses")
    try:
        roll = ClassRoll.from_dict({"classes": classes, "digest": electorate.get("classRollDigest")})
    except GovernanceError as exc:
        raise InvalidDocument(f"invalid class roll: {exc}") from exc
    names = set(roll.classes.values())
    if len(names) > MAX_CLASSES:
        raise InvalidDocument(f"a class roll names at most {MAX_CLASSES} classes")
    try:
        for name in names:
            check_name(name, "member class")
    except GovernanceError as exc:
        raise InvalidDocument(f"invalid class roll: {exc.reason}") from exc
    if roll.digest != proposal.get("classRollDigest"):
        raise InvalidDocument("the Electorate's class roll is not the one the Proposal names")
    if set(roll.classes) != members:
        raise InvalidDocument("the class roll does not list exactly the electorate")
    return roll
