"""Which ballots count: each elector's latest valid ballot, over columns, lists or a ballot box.

Shared by the full recount (:func:`governance.tally.tally`) and the incremental
:class:`governance.tally.TallyState`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from itertools import compress, islice, repeat
from operator import attrgetter, le, lt

from governance.ballot_box import BallotBox
from governance.ballots import (
    CONSENT_CHOICES,
    Ballot,
    check_ballot,
    check_choice,
    counting_order,
)
from governance.electorate import Electorate
from governance.errors import Conflict, GovernanceError
from governance.proposals import BallotType, FrozenRule

__all__ = ["ballot_id_conflict", "select_ballots", "select_box", "select_list", "supersedes"]


def supersedes(new: Ballot, old: Ballot) -> bool:
    """Whether ``new`` supersedes ``old`` (same voter): the greater ``counting_order``."""
    return counting_order(old) < counting_order(new)


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


def select_list(
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


def select_box(
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


def select_ballots(rule: FrozenRule, electorate: Electorate, ballots: Iterable[Ballot]) -> list[Ballot]:
    """Latest valid ballot per voter, raising the precise error for the first bad ballot."""
    seen: dict[str, Ballot] = {}
    latest: dict[str, Ballot] = {}
    for ballot in ballots:
        known = seen.get(ballot.id)
        if known is not None:
            if known != ballot:
                raise ballot_id_conflict()
            continue
        check_ballot(rule, electorate, ballot)
        seen[ballot.id] = ballot
        current = latest.get(ballot.voter)
        if current is None or supersedes(ballot, current):
            latest[ballot.voter] = ballot
    return list(latest.values())


def ballot_id_conflict() -> Conflict:
    return Conflict("ballot_id_conflict", "a different ballot was already received with this id")
