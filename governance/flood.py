"""Floods: pools deciding together, each person counted once; optional double majority."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from governance.apportion import largest_remainder
from governance.ballots import Ballot
from governance.bylaws import Bylaws
from governance.codec import utc
from governance.electorate import Electorate
from governance.errors import Conflict, RuleViolation
from governance.ledger import FUND, EntryKind, Ledger, Posting, Transaction, commitment_account
from governance.proposals import BallotType, Motion, Proposal, open_proposal
from governance.tally import Outcome, Tally, tally

__all__ = [
    "Flood",
    "FloodDecision",
    "FloodTally",
    "commit_flood_share",
    "flood_electorate",
    "flood_tally",
    "open_flood_proposal",
    "split_pro_rata",
]


@dataclass(frozen=True, slots=True)
class Flood:
    """A set of pools (by id) that decide together."""

    id: str
    pools: frozenset[str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "pools", frozenset(self.pools))
        if not self.pools:
            raise RuleViolation("invalid_flood", "a flood needs at least one pool")


def flood_electorate(pool_electorates: Mapping[str, Electorate]) -> Electorate:
    """The union of the pools' frozen electorates; a member of several pools counts once."""
    return Electorate(frozenset().union(*(e.members for e in pool_electorates.values())))


@dataclass(frozen=True, slots=True)
class FloodDecision:
    """A flood proposal: its union electorate plus each pool's own frozen electorate."""

    flood: Flood
    proposal: Proposal
    pool_electorates: Mapping[str, Electorate]
    double_majority: bool = False

    def __post_init__(self) -> None:
        if set(self.pool_electorates) != set(self.flood.pools):
            raise RuleViolation("invalid_flood", "every pool of the flood needs its electorate")
        if self.proposal.electorate != flood_electorate(self.pool_electorates):
            raise RuleViolation("invalid_flood", "the electorate must be the pools' union")
        if self.double_majority and self.proposal.rule.ballot_type is not BallotType.CONSENT:
            raise RuleViolation("invalid_flood", "double majority applies to consent proposals")


def open_flood_proposal(
    *,
    id: str,
    author: str,
    title: str,
    motion: Motion,
    bylaws: Bylaws,
    flood: Flood,
    pool_electorates: Mapping[str, Electorate],
    opens_at: datetime,
    double_majority: bool = False,
    ballot_type: BallotType = BallotType.CONSENT,
    options: Sequence[str] = (),
    closes_at: datetime | None = None,
) -> FloodDecision:
    """Open a flood proposal under the flood's agreed ``bylaws`` rule."""
    frozen = MappingProxyType(dict(pool_electorates))
    proposal = open_proposal(
        id=id, author=author, title=title, motion=motion, bylaws=bylaws,
        electorate=flood_electorate(frozen), opens_at=opens_at, ballot_type=ballot_type,
        options=options, closes_at=closes_at,
    )
    return FloodDecision(flood, proposal, frozen, double_majority)


@dataclass(frozen=True, slots=True)
class FloodTally:
    """The flood-wide tally, each pool's own tally, and the combined outcome."""

    overall: Tally
    pools: tuple[tuple[str, Tally], ...]
    pools_for: int
    double_majority: bool
    outcome: Outcome


def flood_tally(decision: FloodDecision, ballots: Iterable[Ballot]) -> FloodTally:
    """Tally a flood proposal; with double majority it also needs more than half of the pools."""
    rule = decision.proposal.rule
    ballots = list(ballots)
    overall = tally(rule, decision.proposal.electorate, ballots)
    pools: list[tuple[str, Tally]] = []
    for pool_id in sorted(decision.pool_electorates):
        electorate = decision.pool_electorates[pool_id]
        own = [b for b in ballots if b.voter in electorate]
        pools.append((pool_id, tally(rule, electorate, own)))
    pools_for = sum(1 for _, t in pools if t.outcome is Outcome.PASSED)
    outcome = overall.outcome
    if decision.double_majority and outcome is Outcome.PASSED and pools_for * 2 <= len(pools):
        outcome = Outcome.REJECTED
    return FloodTally(overall, tuple(pools), pools_for, decision.double_majority, outcome)


def split_pro_rata(amount: int, pledges: Mapping[str, int]) -> dict[str, int]:
    """Split ``amount`` pro rata to pledges by largest remainder (ties: smaller pool id first)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise RuleViolation("invalid_amount", "the amount must be a non-negative integer")
    if any(isinstance(p, bool) or not isinstance(p, int) or p < 0 for p in pledges.values()):
        raise RuleViolation("invalid_amount", "pledges must be non-negative integers")
    total = sum(pledges.values())
    if total <= 0:
        raise RuleViolation("invalid_amount", "nothing was pledged")
    return largest_remainder(amount, pledges)


def commit_flood_share(
    id: str, at: datetime, ledger: Ledger, proposal_id: str, closes_at: datetime, share: int
) -> Transaction:
    """Earmark a pool's ``share`` of a flood disbursement whose *final* result passed (the
    caller's to establish: docs/PROTOCOL.md §Provisional and final results), at most once."""
    when = utc(at)
    if when < utc(closes_at):
        raise Conflict("proposal_open", "a disbursement is booked only after the vote closes")
    if isinstance(share, bool) or not isinstance(share, int) or share <= 0:
        raise RuleViolation("invalid_amount", "amounts are positive integer minor units")
    if ledger.committed(proposal_id, excluding=id) + share > share:
        raise RuleViolation("exceeds_approved", "the pool's share is committed already")
    return Transaction(
        id, when, EntryKind.COMMITMENT, ledger.currency,
        (Posting(commitment_account(proposal_id), share), Posting(FUND, -share)),
        reference=proposal_id,
    )
