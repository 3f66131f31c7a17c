"""Shared builders for the governance tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from governance import (
    Ballot,
    BallotType,
    Bylaws,
    Decision,
    Electorate,
    FrozenRule,
    Threshold,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    """A moment ``minutes`` after T0."""
    return T0 + timedelta(minutes=minutes)


def bylaws(**changes: object) -> Bylaws:
    """Test bylaws with overrides."""
    base: dict[str, object] = {
        "name": "Commons",
        "purpose": "Share tools.",
        "currency": "EUR",
        "min_share": 2500,
    }
    base.update(changes)
    return Bylaws(**base)  # type: ignore[arg-type]


def rule(
    ballot_type: BallotType = BallotType.CONSENT,
    options: tuple[str, ...] = (),
    threshold: Threshold | None = None,
    quorum: Fraction = Fraction(1, 2),
    block_vetoes: bool = False,
    proposal_id: str = "p1",
) -> FrozenRule:
    """A frozen rule open from T0 for one day."""
    return FrozenRule(
        proposal_id=proposal_id,
        ballot_type=ballot_type,
        options=options,
        threshold=threshold or Threshold.more_than(Fraction(1, 2)),
        quorum=quorum,
        opens_at=T0,
        closes_at=T0 + timedelta(days=1),
        block_vetoes=block_vetoes,
    )


def people(n: int) -> list[str]:
    """n actor ids."""
    return [f"https://pool.example/u/{i:03d}" for i in range(n)]


def electorate(n: int) -> Electorate:
    """An electorate of n people."""
    return Electorate.of(people(n))


def ballot(
    voter: str, *choice: str, minute: int = 1, id: str | None = None, proposal: str = "p1"
) -> Ballot:
    """A ballot for proposal p1."""
    return Ballot(id or f"{voter}#{minute}", proposal, voter, at(minute), tuple(choice))


DECISION = Decision("Buy a drill")
