"""A proposal's ballots held as columns: the form a full recount reads fastest.

A list of ``Ballot`` objects costs a recount one pass over a million scattered objects for
every field it reads. A ``BallotBox`` keeps the same ballots as five parallel lists (ids,
voters, cast times, choices, sequences) of one proposal, so a recount reads each field as a
list it already has. Row ``i`` is the ballot ``(ids[i], proposal_id, voters[i], cast_at[i],
choices[i], sequences[i])``; the box checks every value as ``Ballot`` would, column by column. It checks
nothing about the proposal's rule: ``tally`` does that, exactly as for a list of ballots.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from operator import attrgetter

from governance.ballots import Ballot
from governance.errors import RuleViolation

__all__ = ["BallotBox"]

_TZINFO = attrgetter("tzinfo")


class BallotBox:
    """The ballots of one proposal, in arrival order, as columns (append one or build in bulk)."""

    __slots__ = ("cast_at", "choices", "ids", "proposal_id", "sequences", "voters")

    def __init__(self, proposal_id: str) -> None:
        if not isinstance(proposal_id, str) or not proposal_id:
            raise RuleViolation("invalid_ballot", "a ballot box needs a proposal id")
        self.proposal_id = proposal_id
        self.ids: list[str] = []
        self.voters: list[str] = []
        self.cast_at: list[datetime] = []
        self.choices: list[tuple[str, ...]] = []
        self.sequences: list[int] = []

    @classmethod
    def of(cls, proposal_id: str, ballots: Iterable[Ballot]) -> BallotBox:
        """A box of ``ballots``, each of which must be for ``proposal_id``."""
        box = cls(proposal_id)
        for ballot in ballots:
            box.append(ballot)
        return box

    @classmethod
    def from_columns(
        cls,
        proposal_id: str,
        ids: list[str],
        voters: list[str],
        cast_at: list[datetime],
        choices: list[tuple[str, ...]],
        sequences: list[int] | None = None,
    ) -> BallotBox:
        """A box over the given lists (taken, not copied), after checking every value.

        Times must be aware datetimes in UTC (as ``Ballot`` keeps them); a choice is a tuple
        of text; a sequence a whole number, 0 or more (no list: every ballot's is 0). Each
        check runs over a whole column, or over its distinct values.
        """
        box = cls(proposal_id)
        if sequences is None:
            sequences = [0] * len(ids)
        if not len(ids) == len(voters) == len(cast_at) == len(choices) == len(sequences):
            raise RuleViolation("invalid_ballot", "ballot columns must have equal lengths")
        for column, what in ((ids, "an id"), (voters, "a voter")):
            if set(map(type, column)) - {str} or "" in column:
                raise RuleViolation("invalid_ballot", f"every ballot needs {what}")
        if set(map(type, cast_at)) - {datetime} or set(map(_TZINFO, cast_at)) - {UTC}:
            raise RuleViolation("invalid_time", "ballot times must be datetimes in UTC")
        if set(map(type, choices)) - {tuple}:
            raise RuleViolation("invalid_choice", "a choice must be a tuple of text")
        for choice in set(choices):
            if not all(isinstance(c, str) for c in choice):
                raise RuleViolation("invalid_choice", "choices must be text")
        if set(map(type, sequences)) - {int} or (sequences and min(sequences) < 0):
            raise RuleViolation("invalid_ballot", "a ballot's sequence is a whole number, 0 or more")
        box.ids, box.voters, box.cast_at, box.choices = ids, voters, cast_at, choices
        box.sequences = sequences
        return box

    def append(self, ballot: Ballot) -> None:
        """Add one ballot at the end; it must be for this box's proposal."""
        if ballot.proposal_id != self.proposal_id:
            raise RuleViolation("wrong_proposal", "this ballot is for another proposal")
        self.ids.append(ballot.id)
        self.voters.append(ballot.voter)
        self.cast_at.append(ballot.cast_at)
        self.choices.append(ballot.choice)
        self.sequences.append(ballot.sequence)

    def extend(self, other: BallotBox) -> None:
        """Add every ballot of ``other`` (checked when it was built) at the end, in its order."""
        if other.proposal_id != self.proposal_id:
            raise RuleViolation("wrong_proposal", "these ballots are for another proposal")
        self.ids.extend(other.ids)
        self.voters.extend(other.voters)
        self.cast_at.extend(other.cast_at)
        self.choices.extend(other.choices)
        self.sequences.extend(other.sequences)

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Ballot]:
        pid = self.proposal_id
        for id_, voter, at, choice, sequence in zip(
            self.ids, self.voters, self.cast_at, self.choices, self.sequences, strict=True
        ):
            yield Ballot(id_, pid, voter, at, choice, sequence)

    def __repr__(self) -> str:
        return f"BallotBox({self.proposal_id!r}, {len(self)} ballots)"
