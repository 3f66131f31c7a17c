"""Tallies: a pure, deterministic function of (frozen rule, electorate, ballots).

``tally`` recounts everything; ``TallyState`` updates in O(1) per ballot and always agrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any

from governance.ballot_box import BallotBox
from governance.ballot_selection import (
    ballot_id_conflict,
    select_ballots,
    select_box,
    select_list,
    supersedes,
)
from governance.ballots import (
    CONSENT_CHOICES,
    Ballot,
    check_ballot,
)
from governance.codec import get_field
from governance.electorate import Electorate
from governance.errors import RuleViolation
from governance.proposals import BallotType, FrozenRule
from governance.ranked import Round, instant_runoff

__all__ = ["Change", "Outcome", "Tally", "TallyState", "decided_early", "tally"]

_AGREE, _ABSTAIN, _DISAGREE, _BLOCK = CONSENT_CHOICES


class Outcome(StrEnum):
    """The result of a tally."""

    PASSED = "passed"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"
    VETOED = "vetoed"
    WINNER = "winner"


class Change(StrEnum):
    """What receiving one ballot did to the tally."""

    COUNTED = "counted"
    REPLACED = "replaced"
    SUPERSEDED = "superseded"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Tally:
    """The counted result of one proposal at one moment."""

    rule: FrozenRule
    electorate_size: int
    electorate_digest: str
    participation: int
    abstentions: int
    votes_cast: int
    counts: tuple[tuple[str, int], ...]
    quorum_met: bool
    threshold_met: bool
    outcome: Outcome
    winners: tuple[str, ...]
    rounds: tuple[Round, ...] = ()

    @property
    def proposal_id(self) -> str:
        """The proposal this tally counts."""
        return self.rule.proposal_id

    @property
    def turnout(self) -> Fraction:
        """Participation as an exact share of the electorate (0 for an empty electorate)."""
        return Fraction(self.participation, self.electorate_size) if self.electorate_size else (
            Fraction(0)
        )

    def count(self, option: str) -> int:
        """Votes (or approvals, or first preferences) for ``option``."""
        return dict(self.counts)[option]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "proposal": self.proposal_id,
            "rule": self.rule.to_dict(),
            "electorate_size": self.electorate_size,
            "electorate_digest": self.electorate_digest,
            "participation": self.participation,
            "abstentions": self.abstentions,
            "votes_cast": self.votes_cast,
            "counts": dict(self.counts),
            "quorum_met": self.quorum_met,
            "threshold_met": self.threshold_met,
            "outcome": self.outcome.value,
            "winners": list(self.winners),
            "rounds": [
                {"counts": dict(r.counts), "eliminated": r.eliminated} for r in self.rounds
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tally:
        """Inverse of ``to_dict`` (a reader should still recompute and compare)."""
        rule = FrozenRule.from_dict(get_field(data, "rule", dict))
        order = rule.options or CONSENT_CHOICES

        def ordered(counts: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
            return tuple((o, int(counts[o])) for o in order if o in counts)

        outcome = get_field(data, "outcome", str)
        if outcome not in Outcome.__members__.values():
            raise RuleViolation("invalid_document", f"unknown outcome {outcome!r}")
        return cls(
            rule=rule,
            electorate_size=get_field(data, "electorate_size", int),
            electorate_digest=get_field(data, "electorate_digest", str),
            participation=get_field(data, "participation", int),
            abstentions=get_field(data, "abstentions", int),
            votes_cast=get_field(data, "votes_cast", int),
            counts=ordered(get_field(data, "counts", dict)),
            quorum_met=get_field(data, "quorum_met", bool),
            threshold_met=get_field(data, "threshold_met", bool),
            outcome=Outcome(outcome),
            winners=tuple(get_field(data, "winners", list)),
            rounds=tuple(
                Round(ordered(get_field(r, "counts", dict)), r.get("eliminated"))
                for r in get_field(data, "rounds", list)
            ),
        )


def _quorum_met(rule: FrozenRule, participation: int, size: int) -> bool:
    q = rule.quorum
    return participation * q.denominator >= q.numerator * size


def _result(
    rule: FrozenRule,
    electorate: Electorate,
    counts: Mapping[str, int],
    empty: int,
    participation: int,
    rankings: Iterable[tuple[str, ...]] = (),
) -> Tally:
    """Turn raw integer counts into a Tally; ``empty`` is the number of empty choice ballots."""
    size = electorate.size
    quorum_met = _quorum_met(rule, participation, size)
    threshold = rule.threshold
    kind = rule.ballot_type
    rounds: tuple[Round, ...] = ()
    winners: tuple[str, ...] = ()
    if kind is BallotType.CONSENT:
        ordered = tuple((c, counts.get(c, 0)) for c in CONSENT_CHOICES)
        agree, block = counts.get(_AGREE, 0), counts.get(_BLOCK, 0)
        abstentions = counts.get(_ABSTAIN, 0)
        # Blocks count against when they do not veto; abstentions count for quorum only.
        votes_cast = agree + counts.get(_DISAGREE, 0) + block
        threshold_met = threshold.met(agree, votes_cast)
        if not quorum_met:
            outcome = Outcome.NO_QUORUM
        elif rule.block_vetoes and block:
            outcome = Outcome.VETOED
        else:
            outcome = Outcome.PASSED if threshold_met else Outcome.REJECTED
    else:
        ordered = tuple((o, counts.get(o, 0)) for o in rule.options)
        abstentions = empty
        votes_cast = participation - empty
        if kind is BallotType.SINGLE:
            ranking = sorted(ordered, key=lambda item: -item[1])
            top = ranking[0][1]
            clear = top > ranking[1][1]
            if clear and threshold.met(top, votes_cast):
                winners = (ranking[0][0],)
        elif kind is BallotType.APPROVAL:
            reaching = [(o, n) for o, n in ordered if threshold.met(n, votes_cast)]
            # sorted() is stable, so equal approvals keep the proposal's option order.
            winners = tuple(o for o, _ in sorted(reaching, key=lambda item: -item[1]))
        else:
            winner, rounds = instant_runoff(rule.options, rankings, threshold)
            winners = () if winner is None else (winner,)
        threshold_met = bool(winners)
        if not quorum_met:
            outcome, winners = Outcome.NO_QUORUM, ()
        else:
            outcome = Outcome.WINNER if winners else Outcome.REJECTED
    return Tally(
        rule=rule,
        electorate_size=size,
        electorate_digest=electorate.digest,
        participation=participation,
        abstentions=abstentions,
        votes_cast=votes_cast,
        counts=ordered,
        quorum_met=quorum_met,
        threshold_met=threshold_met,
        outcome=outcome,
        winners=winners,
        rounds=rounds,
    )


def _count(rule: FrozenRule, choices: Iterable[tuple[str, ...]]) -> tuple[dict[str, int], int]:
    """Raw counts of the counted choices, and how many were empty."""
    counts: dict[str, int] = {}
    empty = 0
    get = counts.get
    if rule.ballot_type is BallotType.APPROVAL:
        for choice in choices:
            if not choice:
                empty += 1
            for option in choice:
                counts[option] = get(option, 0) + 1
        return counts, empty
    # Consent, single choice and ranked (first preferences) all count the first element.
    for choice in choices:
        if choice:
            key = choice[0]
            counts[key] = get(key, 0) + 1
        else:
            empty += 1
    return counts, empty


def tally(
    rule: FrozenRule, electorate: Electorate, ballots: BallotBox | Iterable[Ballot]
) -> Tally:
    """Full recount: each elector's latest valid ballot counts; invalid ballots raise.

    A voter's latest ballot is the one with the greatest ``counting_order``.

    ``ballots`` is any iterable of ``Ballot``, or a ``BallotBox`` (the same ballots as
    columns, which a large recount reads fastest); both give the same result.
    """
    if rule.ballot_type is BallotType.ALLOCATION:
        raise RuleViolation("invalid_choice", "budget rounds are settled by governance.budget")
    if isinstance(ballots, BallotBox):
        items: Iterable[Ballot] = ballots
        counted = select_box(rule, electorate, ballots) if len(ballots) else []
    else:
        items = ballots if isinstance(ballots, (list, tuple)) else list(ballots)
        counted = select_list(rule, electorate, items) if items else []
    if counted is None:
        counted = [b.choice for b in select_ballots(rule, electorate, items)]
    counts, empty = _count(rule, counted)
    rankings = counted if rule.ballot_type is BallotType.RANKED else ()
    return _result(rule, electorate, counts, empty, len(counted), rankings)


class TallyState:
    """Incremental tally: ``add`` is O(1) (O(options) for approval); ``result`` equals ``tally``.

    With ``track_ids=False`` it keeps no ballot by its id, only each voter's counted one: for a
    caller that has refused a repeated ballot id already (a store's unique key does), so
    ``add`` never sees one twice. An open proposal's running count is kept so.
    """

    __slots__ = ("_counts", "_empty", "_latest", "_seen", "electorate", "rule")

    def __init__(self, rule: FrozenRule, electorate: Electorate, *, track_ids: bool = True) -> None:
        if rule.ballot_type is BallotType.ALLOCATION:
            raise RuleViolation("invalid_choice", "budget rounds are settled by governance.budget")
        self.rule = rule
        self.electorate = electorate
        self._seen: dict[str, Ballot] | None = {} if track_ids else None
        self._latest: dict[str, Ballot] = {}
        self._counts: dict[str, int] = {}
        self._empty = 0

    def _bump(self, choice: tuple[str, ...], delta: int) -> None:
        if not choice:
            self._empty += delta
            return
        counts = self._counts
        keys = choice if self.rule.ballot_type is BallotType.APPROVAL else choice[:1]
        for key in keys:
            counts[key] = counts.get(key, 0) + delta

    def add(self, ballot: Ballot) -> Change:
        """Receive one ballot; raises GovernanceError if it may not be counted."""
        seen = self._seen
        if seen is not None:
            known = seen.get(ballot.id)
            if known is not None:
                if known != ballot:
                    raise ballot_id_conflict()
                return Change.UNCHANGED
        check_ballot(self.rule, self.electorate, ballot)
        if seen is not None:
            seen[ballot.id] = ballot
        current = self._latest.get(ballot.voter)
        if current is None:
            self._latest[ballot.voter] = ballot
            self._bump(ballot.choice, 1)
            return Change.COUNTED
        if not supersedes(ballot, current):
            return Change.SUPERSEDED
        self._latest[ballot.voter] = ballot
        self._bump(current.choice, -1)
        self._bump(ballot.choice, 1)
        return Change.REPLACED

    def counted(self) -> dict[str, Ballot]:
        """The ballot that counts for each voter (a copy)."""
        return dict(self._latest)

    def result(self) -> Tally:
        """The tally as it stands."""
        counts = {k: v for k, v in self._counts.items() if v}
        rankings = (
            (b.choice for b in self._latest.values())
            if self.rule.ballot_type is BallotType.RANKED
            else ()
        )
        return _result(
            self.rule, self.electorate, counts, self._empty, len(self._latest), rankings
        )


def _can_pass_consent(t: Tally, agree: int, cast: int, block: int, participation: int) -> bool:
    rule = t.rule
    return (
        _quorum_met(rule, participation, t.electorate_size)
        and not (rule.block_vetoes and block)
        and rule.threshold.met(agree, cast)
    )


def decided_early(t: Tally) -> Outcome | None:
    """The outcome if no ballot still to come can change it (cast ballots assumed to stand)."""
    rule = t.rule
    size, part = t.electorate_size, t.participation
    remaining = size - part
    if remaining <= 0:
        return t.outcome
    full = part + remaining
    if not _quorum_met(rule, full, size):
        return Outcome.NO_QUORUM
    if rule.ballot_type is not BallotType.CONSENT and rule.ballot_type is not BallotType.SINGLE:
        return None
    counts = dict(t.counts)
    quorum_now = _quorum_met(rule, part, size)
    possible: set[Outcome] = set()
    if not quorum_now:
        possible.add(Outcome.NO_QUORUM)
    if rule.ballot_type is BallotType.CONSENT:
        agree, block = counts[_AGREE], counts[_BLOCK]
        cast = t.votes_cast
        if rule.block_vetoes:
            # Any remaining elector could block; a block already cast vetoes once quorum is met.
            possible.add(Outcome.VETOED)
        # Best case for passing: everyone remaining agrees (quorum and share both rise).
        if _can_pass_consent(t, agree + remaining, cast + remaining, block, full):
            possible.add(Outcome.PASSED)
        # Worst case: everyone remaining disagrees.
        if not (rule.block_vetoes and block) and not rule.threshold.met(agree, cast + remaining):
            possible.add(Outcome.REJECTED)
        if rule.block_vetoes and block and quorum_now:
            return Outcome.VETOED
    else:
        cast = t.votes_cast
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        lead_votes = ranked[0][1]
        rival_votes = ranked[1][1]
        secure = (
            quorum_now
            and lead_votes > rival_votes + remaining
            and rule.threshold.met(lead_votes, cast + remaining)
        )
        if secure:
            return Outcome.WINNER
        anyone = any(
            n + remaining > max(m for o, m in counts.items() if o != option)
            and rule.threshold.met(n + remaining, cast + remaining)
            for option, n in counts.items()
        )
        if anyone:
            possible.add(Outcome.WINNER)
        possible.add(Outcome.REJECTED)
        if not anyone and quorum_now:
            return Outcome.REJECTED
    return possible.pop() if len(possible) == 1 else None
