"""Synthetic governance data: members, a consent proposal, ballots (pure, deterministic)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from governance import Ballot, BallotType, Electorate, FrozenRule, Threshold
from governance.ballots import CONSENT_CHOICES

__all__ = ["OPENS", "ballots", "member", "rule"]

OPENS = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def member(i: int) -> str:
    """The actor id of member ``i``."""
    return f"https://pool{i % 100}.example/users/m{i}"


def rule(proposal_id: str = "https://pool.example/proposals/1") -> FrozenRule:
    """A consent proposal open for 30 days."""
    return FrozenRule(
        proposal_id=proposal_id,
        ballot_type=BallotType.CONSENT,
        options=(),
        threshold=Threshold.more_than(Fraction(1, 2)),
        quorum=Fraction(1, 2),
        opens_at=OPENS,
        closes_at=OPENS + timedelta(days=30),
        block_vetoes=False,
    )


def electorate(members: int) -> Electorate:
    """``members`` distinct electors."""
    return Electorate.of(member(i) for i in range(members))


def ballots(the_rule: FrozenRule, members: int, count: int) -> list[Ballot]:
    """``count`` ballots cycling over the members: later rounds replace earlier answers
    (each round a voter's next sequence, as their node signs it)."""
    times = [OPENS + timedelta(minutes=r) for r in range(count // max(members, 1) + 2)]
    choices = [(c,) for c in CONSENT_CHOICES]
    names = [member(i) for i in range(members)]
    pid = the_rule.proposal_id
    out = []
    for n in range(count):
        voter_index, round_ = n % members, n // members
        out.append(Ballot(f"{pid}/b/{n}", pid, names[voter_index], times[round_ + 1],
                          choices[(n * 7 + round_) % 4], round_ + 1))
    return out
