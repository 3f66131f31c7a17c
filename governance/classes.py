"""Member classes in a vote: each elector's class, frozen when a proposal opens, and the tally
that needs a majority within each class as well as overall (never a weight).

A class only sorts the electors into groups. Every elector keeps exactly one vote: the overall
tally is the plain :func:`governance.tally.tally`, whatever the classes, and each class's tally
counts the same ballots of its own members. When the proposal's frozen rule says
``class_majority``, a proposal that passes overall passes only if, in every class with electors,
the rule's threshold is met by the votes cast by that class's members (agree against disagree
and block; abstentions do not count). A class whose members cast no vote gives no majority.
Quorum and vetoes are the overall tally's; a class majority can only turn a pass into a
rejection, never the other way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from governance.ballots import Ballot
from governance.bylaws import Bylaws
from governance.codec import canonical_json, get_field, sha256_hex
from governance.electorate import Electorate
from governance.errors import RuleViolation
from governance.proposals import BallotType, FrozenRule
from governance.tally import Outcome, Tally, tally

__all__ = ["ClassResult", "ClassRoll", "ClassTally", "class_tally"]


def _roll_digest(classes: Mapping[str, str]) -> str:
    """SHA-256 hex of the canonical JSON of ``[[person, class], ...]`` sorted by person."""
    return sha256_hex(canonical_json([[p, classes[p]] for p in sorted(classes)]))


@dataclass(frozen=True, slots=True)
class ClassRoll:
    """Each elector's member class (one class per person), frozen with a proposal's electorate."""

    classes: Mapping[str, str]
    _digest: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        if not isinstance(self.classes, Mapping):
            raise RuleViolation("invalid_class_roll", "a class roll maps each person to a class")
        for person, name in self.classes.items():
            if not isinstance(person, str) or not person or "\n" in person:
                raise RuleViolation("invalid_person", "person ids must be non-empty single-line text")
            if not isinstance(name, str) or not name:
                raise RuleViolation("invalid_class_roll", f"{person} has no member class")
        object.__setattr__(self, "classes", MappingProxyType(dict(self.classes)))
        object.__setattr__(self, "_digest", _roll_digest(self.classes))

    @classmethod
    def freeze(cls, electorate: Electorate, class_of: Mapping[str, str], bylaws: Bylaws) -> ClassRoll:
        """The classes of ``electorate``'s members as ``class_of`` records them now; every elector
        must belong to a class the bylaws declare."""
        if not bylaws.member_classes:
            raise RuleViolation("no_member_classes", "these bylaws declare no member classes")
        declared = set(bylaws.member_classes)
        for person in sorted(electorate.members):
            name = class_of.get(person)
            if name is None:
                raise RuleViolation("class_missing", f"{person} belongs to no member class")
            if name not in declared:
                raise RuleViolation("unknown_class", f"{name!r} is not a member class of the "
                                    "pool's bylaws")
        return cls({person: class_of[person] for person in electorate.members})

    @property
    def digest(self) -> str:
        """SHA-256 hex of the canonical JSON ``[[person, class], ...]``, sorted by person."""
        return self._digest

    def names(self) -> tuple[str, ...]:
        """The classes that have electors, sorted."""
        return tuple(sorted(set(self.classes.values())))

    def electorate_of(self, name: str) -> Electorate:
        """The electors of class ``name``."""
        return Electorate(frozenset(p for p, c in self.classes.items() if c == name))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (the digest is included so readers can check it)."""
        return {"classes": dict(sorted(self.classes.items())), "digest": self.digest}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClassRoll:
        """Inverse of ``to_dict``; the digest must match the classes."""
        roll = cls(get_field(data, "classes", dict))
        if get_field(data, "digest", str) != roll.digest:
            raise RuleViolation("digest_mismatch", "class roll digest does not match its classes")
        return roll


@dataclass(frozen=True, slots=True)
class ClassResult:
    """One class's count: its own tally and whether the threshold is met within it."""

    name: str
    tally: Tally
    majority: bool


@dataclass(frozen=True, slots=True)
class ClassTally:
    """The overall tally, each class's tally, and the outcome that counts."""

    overall: Tally
    classes: tuple[ClassResult, ...]
    class_majority: bool
    outcome: Outcome

    @property
    def proposal_id(self) -> str:
        """The proposal counted."""
        return self.overall.proposal_id

    @property
    def classes_for(self) -> int:
        """How many classes met the threshold within their own votes."""
        return sum(1 for result in self.classes if result.majority)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "overall": self.overall.to_dict(),
            "classes": [
                {"name": r.name, "tally": r.tally.to_dict(), "majority": r.majority}
                for r in self.classes
            ],
            "class_majority": self.class_majority,
            "outcome": self.outcome.value,
        }


def _majority(rule: FrozenRule, counted: Tally) -> bool:
    if rule.ballot_type is BallotType.CONSENT:
        return rule.threshold.met(counted.count("agree"), counted.votes_cast)
    return counted.threshold_met


def class_tally(
    rule: FrozenRule, electorate: Electorate, roll: ClassRoll, ballots: Iterable[Ballot]
) -> ClassTally:
    """Count overall and within each class of ``roll`` (which lists exactly the electorate).

    The outcome is the overall one, except that under ``rule.class_majority`` a pass becomes a
    rejection when some class's own votes do not meet the threshold.
    """
    if set(roll.classes) != electorate.members:
        raise RuleViolation("class_roll_mismatch", "the class roll must list exactly the "
                            "proposal's electorate")
    if rule.class_majority and rule.ballot_type is not BallotType.CONSENT:
        raise RuleViolation("ballot_type_not_allowed",
                            "a majority in each member class is counted on consent ballots")
    ballots = list(ballots)
    overall = tally(rule, electorate, ballots)
    results: list[ClassResult] = []
    for name in roll.names():
        own_electorate = roll.electorate_of(name)
        own = tally(rule, own_electorate, [b for b in ballots if b.voter in own_electorate])
        results.append(ClassResult(name, own, _majority(rule, own)))
    outcome = overall.outcome
    if rule.class_majority and outcome is Outcome.PASSED and not all(r.majority for r in results):
        outcome = Outcome.REJECTED
    return ClassTally(overall, tuple(results), rule.class_majority, outcome)
