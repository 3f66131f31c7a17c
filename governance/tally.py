"""Tallies: a pure, deterministic function of (frozen rule, electorate, ballots).

``tally`` recounts everything; ``TallyState`` updates in O(1) per ballot and always agrees.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from itertools import compress, islice, repeat
from operator import attrgetter, le, lt
from typing import Any

from governance.ballot_box import BallotBox
from governance.ballots import (
    CONSENT_CHOICES,
    Ballot,
    check_ballot,
    check_choice,
    counting_order,
)
from governance.codec import get_field
from governance.electorate import Electorate
from governance.errors import Conflict, GovernanceError, RuleViolation
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


def _later(new: Ballot, old: Ballot) -> bool:
    """Whether ``new`` supersedes ``old`` (same voter): the greater ``counting_order``."""
    return counting_order(old) < counting_order(new)


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


def _allowed(rule: FrozenRule) -> frozenset[tuple[str, ...]] | None:
    """Every valid choice, when there are few enough to list (consent and single choice)."""
    if rule.ballot_type is BallotType.CONSENT:
        return frozenset((c,) for c in CONSENT_CHOICES)
    if rule.ballot_type is BallotType.SINGLE:
        return frozenset([(), *((o,) for o in rule.options)])
    return None


def _choices_valid(rule: FrozenRule, choices: set[tuple[str, ...]]) -> bool:
    allowed = _allowed(rule)
    if allowed is not None:
        return choices <= allowed
    try:
        for choice in choices:
            check_choice(rule, choice)
    except GovernanceError:
        return False
    return True


_IDS, _VOTERS, _TIMES = attrgetter("id"), attrgetter("voter"), attrgetter("cast_at")
_PIDS, _CHOICES, _SEQUENCES = attrgetter("proposal_id"), attrgetter("choice"), attrgetter("sequence")


def _latest(
    voters: list[str], sequences: list[int], times: list[datetime], id_of: Callable[[int], str]
) -> dict[str, int]:
    """Index of each voter's counted ballot, in any arrival order: the greatest
    ``counting_order`` (sequence, then time, then id).

    Each voter's last arrival is taken first (one C-level dict build). Only the ballots that
    arrived before another of the same voter are then compared with it: by whole columns
    while each orders before it (the usual case: a voter's ballots arrive in order), one by
    one in Python otherwise, which costs only those voters' ballots.
    """
    n = len(voters)
    latest = dict(zip(voters, range(n), strict=True))
    if len(latest) == n:
        return latest  # one ballot per voter
    # Mark each voter's last arrival in a byte mask (a C-level scatter over the voters, not
    # over the ballots); the unmarked rows are the earlier ballots.
    is_earlier = bytearray(b"\x01") * n
    deque(map(is_earlier.__setitem__, latest.values(), repeat(0)), maxlen=0)
    earlier = list(compress(range(n), is_earlier))
    last = list(map(latest.__getitem__, map(voters.__getitem__, earlier)))
    seq, at = sequences.__getitem__, times.__getitem__
    if all(map(lt, map(seq, earlier), map(seq, last))):
        return latest
    if not any(sequences):  # ballots signed before sequences: time decides
        if all(map(lt, map(at, earlier), map(at, last))):
            return latest
    else:
        before = zip(map(seq, earlier), map(at, earlier), strict=True)
        after = zip(map(seq, last), map(at, last), strict=True)
        if all(map(lt, before, after)):
            return latest
    for i in earlier:
        voter = voters[i]
        j = latest[voter]
        if (seq(j), at(j), id_of(j)) < (seq(i), at(i), id_of(i)):
            latest[voter] = i
    return latest


def _select_columns(
    rule: FrozenRule,
    electorate: Electorate,
    voters: list[str],
    sequences: list[int],
    times: list[datetime],
    choices: set[tuple[str, ...]],
    id_of: Callable[[int], str],
) -> list[int] | None:
    """Indices of the ballots that count, for ballots already known to have distinct ids and
    to be for this proposal; None means "use the careful path", which names the first error.
    """
    # Whole-column checks run in C; only the fallback loop runs per ballot in Python.
    in_order = all(map(le, times, islice(times, 1, None)))
    first, last = (times[0], times[-1]) if in_order else (min(times), max(times))
    if first < rule.opens_at or last >= rule.closes_at or not _choices_valid(rule, choices):
        return None
    latest = _latest(voters, sequences, times, id_of)
    # Checked on the distinct voters, not on every ballot: a tenth of the lookups here.
    if not electorate.members.issuperset(latest):
        return None
    return list(latest.values())


def _select_list(
    rule: FrozenRule, electorate: Electorate, ballots: Sequence[Ballot]
) -> list[tuple[str, ...]] | None:
    """The counted choices of a list of ballots by whole-column checks (None: be careful)."""
    if len(set(map(_IDS, ballots))) != len(ballots):
        return None
    if set(map(_PIDS, ballots)) != {rule.proposal_id}:
        return None
    times = list(map(_TIMES, ballots))
    voters = list(map(_VOTERS, ballots))
    sequences = list(map(_SEQUENCES, ballots))
    counted = _select_columns(
        rule, electorate, voters, sequences, times, set(map(_CHOICES, ballots)),
        lambda i: ballots[i].id,
    )
    return None if counted is None else [ballots[i].choice for i in counted]


def _select_box(
    rule: FrozenRule, electorate: Electorate, box: BallotBox
) -> list[tuple[str, ...]] | None:
    """The counted choices of a ballot box, read from its columns (None: be careful)."""
    if box.proposal_id != rule.proposal_id or len(set(box.ids)) != len(box):
        return None
    choices = box.choices
    counted = _select_columns(
        rule, electorate, box.voters, box.sequences, box.cast_at, set(choices),
        box.ids.__getitem__,
    )
    return None if counted is None else [choices[i] for i in counted]


def _select(rule: FrozenRule, electorate: Electorate, ballots: Iterable[Ballot]) -> list[Ballot]:
    """Latest valid ballot per voter, raising the precise error for the first bad ballot."""
    seen: dict[str, Ballot] = {}
    latest: dict[str, Ballot] = {}
    for ballot in ballots:
        known = seen.get(ballot.id)
        if known is not None:
            if known != ballot:
                raise _id_conflict()
            continue
        check_ballot(rule, electorate, ballot)
        seen[ballot.id] = ballot
        current = latest.get(ballot.voter)
        if current is None or _later(ballot, current):
            latest[ballot.voter] = ballot
    return list(latest.values())


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
        counted = _select_box(rule, electorate, ballots) if len(ballots) else []
    else:
        items = ballots if isinstance(ballots, (list, tuple)) else list(ballots)
        counted = _select_list(rule, electorate, items) if items else []
    if counted is None:
        counted = [b.choice for b in _select(rule, electorate, items)]
    counts, empty = _count(rule, counted)
    rankings = counted if rule.ballot_type is BallotType.RANKED else ()
    return _result(rule, electorate, counts, empty, len(counted), rankings)


def _id_conflict() -> Conflict:
    return Conflict("ballot_id_conflict", "a different ballot was already received with this id")


class TallyState:
    """Incremental tally: ``add`` is O(1) (O(options) for approval); ``result`` equals ``tally``."""

    __slots__ = ("_counts", "_empty", "_latest", "_seen", "electorate", "rule")

    def __init__(self, rule: FrozenRule, electorate: Electorate) -> None:
        if rule.ballot_type is BallotType.ALLOCATION:
            raise RuleViolation("invalid_choice", "budget rounds are settled by governance.budget")
        self.rule = rule
        self.electorate = electorate
        self._seen: dict[str, Ballot] = {}
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
        known = self._seen.get(ballot.id)
        if known is not None:
            if known != ballot:
                raise _id_conflict()
            return Change.UNCHANGED
        check_ballot(self.rule, self.electorate, ballot)
        self._seen[ballot.id] = ballot
        current = self._latest.get(ballot.voter)
        if current is None:
            self._latest[ballot.voter] = ballot
            self._bump(ballot.choice, 1)
            return Change.COUNTED
        if not _later(ballot, current):
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
