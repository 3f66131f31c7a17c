"""Ballots: one elector's answer to one proposal, and how a ballot is checked against the rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from governance.codec import datetime_from_str, datetime_to_str, get_field, utc
from governance.electorate import Electorate
from governance.errors import Conflict, NotPermitted, RuleViolation
from governance.proposals import BallotType, FrozenRule

__all__ = [
    "CONSENT_CHOICES",
    "Ballot",
    "ConsentChoice",
    "check_ballot",
    "check_choice",
    "counted_ballot",
    "counting_order",
]


class ConsentChoice(StrEnum):
    """The four answers to a consent proposal."""

    AGREE = "agree"
    ABSTAIN = "abstain"
    DISAGREE = "disagree"
    BLOCK = "block"


CONSENT_CHOICES: tuple[str, ...] = tuple(c.value for c in ConsentChoice)


@dataclass(frozen=True, slots=True)
class Ballot:
    """A ballot; ``choice`` is one consent answer, one option, a set or a ranking of options.

    An empty ``choice`` on a choice ballot is an abstention: it counts for quorum only.
    ``sequence`` is the signer's count of this voter's ballots on this proposal (1, 2, ...;
    0 for a ballot signed before sequences existed): of one voter's ballots the one with the
    greatest ``counting_order`` counts.
    """

    id: str
    proposal_id: str
    voter: str
    cast_at: datetime
    choice: tuple[str, ...]
    sequence: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise RuleViolation("invalid_ballot", "a ballot needs an id")
        if not isinstance(self.voter, str) or not self.voter:
            raise RuleViolation("invalid_ballot", "a ballot needs a voter")
        object.__setattr__(self, "cast_at", utc(self.cast_at, "ballot time"))
        choice = tuple(self.choice)
        if not all(isinstance(c, str) for c in choice):
            raise RuleViolation("invalid_choice", "choices must be text")
        object.__setattr__(self, "choice", choice)
        seq = self.sequence
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise RuleViolation("invalid_ballot", "a ballot's sequence is a whole number, 0 or more")

    @classmethod
    def consent(
        cls, id: str, proposal_id: str, voter: str, cast_at: datetime, answer: ConsentChoice | str
    ) -> Ballot:
        """Build a consent ballot."""
        return cls(id, proposal_id, voter, cast_at, (str(answer),))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (``sequence`` only when there is one: 0 is left out)."""
        data: dict[str, Any] = {
            "id": self.id,
            "proposal": self.proposal_id,
            "voter": self.voter,
            "cast_at": datetime_to_str(self.cast_at),
            "choice": list(self.choice),
        }
        if self.sequence:
            data["sequence"] = self.sequence
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ballot:
        """Inverse of ``to_dict``."""
        choice = get_field(data, "choice", list)
        return cls(
            id=get_field(data, "id", str),
            proposal_id=get_field(data, "proposal", str),
            voter=get_field(data, "voter", str),
            cast_at=datetime_from_str(get_field(data, "cast_at", str)),
            choice=tuple(choice),
            sequence=data.get("sequence", 0),
        )


def counting_order(ballot: Ballot) -> tuple[int, datetime, str]:
    """The key that orders one voter's ballots: the greatest counts (docs/PROTOCOL.md §Ballot).

    The signed ``sequence`` first, so a later ballot wins whatever its clock says; then the
    time and the id, which decide only between ballots signed without a sequence.
    """
    return (ballot.sequence, ballot.cast_at, ballot.id)


def counted_ballot(ballots: Iterable[Ballot]) -> Ballot | None:
    """Of one voter's ballots on one proposal, the one a tally counts (None if there are none)."""
    return max(ballots, key=counting_order, default=None)


def check_choice(rule: FrozenRule, choice: tuple[str, ...]) -> None:
    """Raise ``invalid_choice`` unless ``choice`` is a well-formed answer under ``rule``."""
    kind = rule.ballot_type
    if kind is BallotType.CONSENT:
        if len(choice) != 1 or choice[0] not in CONSENT_CHOICES:
            raise RuleViolation("invalid_choice", "answer agree, abstain, disagree or block")
        return
    if kind is BallotType.ALLOCATION:
        raise RuleViolation("invalid_choice", "budget rounds take allocations, not ballots")
    if kind is BallotType.SINGLE and len(choice) > 1:
        raise RuleViolation("invalid_choice", "choose at most one option")
    if len(set(choice)) != len(choice):
        raise RuleViolation("invalid_choice", "an option may appear only once")
    unknown = set(choice).difference(rule.options)
    if unknown:
        raise RuleViolation("invalid_choice", f"not an option: {sorted(unknown)[0]!r}")


def check_ballot(rule: FrozenRule, electorate: Electorate, ballot: Ballot) -> None:
    """Raise the precise GovernanceError if ``ballot`` may not be counted under ``rule``."""
    if ballot.proposal_id != rule.proposal_id:
        raise RuleViolation("wrong_proposal", "this ballot is for another proposal")
    if ballot.voter not in electorate:
        raise NotPermitted(
            "not_in_electorate", "only members when the proposal opened may vote on it"
        )
    if ballot.cast_at < rule.opens_at:
        raise Conflict("proposal_not_open", "the proposal was not open yet")
    if ballot.cast_at >= rule.closes_at:
        raise Conflict("proposal_closed", "the proposal is closed")
    check_choice(rule, ballot.choice)
