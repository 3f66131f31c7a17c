"""Budget rounds (Cobudget-style): every elector gets the same allowance to spread over buckets.

Allowance = pot // electorate size; the remainder of that division never leaves the fund.
A bucket whose allocations reach its minimum by the close is funded with its total, capped
at its maximum; everything else (unfunded buckets, amounts above a maximum) stays in the fund.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from governance.codec import utc
from governance.errors import Conflict, NotPermitted, RuleViolation
from governance.ledger import (
    FUND,
    EntryKind,
    Ledger,
    Posting,
    Transaction,
    commitment_account,
)
from governance.proposals import BudgetRound, Proposal

__all__ = ["Bucket", "Budget", "BudgetResult"]


@dataclass(frozen=True, slots=True)
class Bucket:
    """A proposed use of money with a minimum and a maximum goal (minor units)."""

    id: str
    title: str
    proposer: str
    min_goal: int
    max_goal: int

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id or "#" in self.id:
            raise RuleViolation("invalid_bucket", "a bucket needs an id without '#'")
        for goal in (self.min_goal, self.max_goal):
            if isinstance(goal, bool) or not isinstance(goal, int) or goal <= 0:
                raise RuleViolation("invalid_bucket", "goals are positive integer minor units")
        if self.min_goal > self.max_goal:
            raise RuleViolation("invalid_bucket", "the minimum goal cannot exceed the maximum")


@dataclass(frozen=True, slots=True)
class BudgetResult:
    """What a settled round funds, and the ledger transactions that book it."""

    funded: tuple[tuple[str, int], ...]
    unfunded: tuple[str, ...]
    transactions: tuple[Transaction, ...]

    @property
    def total(self) -> int:
        """Money leaving the free fund for funded buckets."""
        return sum(amount for _, amount in self.funded)


@dataclass(frozen=True, slots=True)
class Budget:
    """The state of one budget round; operations return a new Budget."""

    proposal: Proposal
    buckets: Mapping[str, Bucket] = field(default_factory=lambda: MappingProxyType({}))
    allocations: Mapping[tuple[str, str], int] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        if not isinstance(self.proposal.motion, BudgetRound):
            raise RuleViolation("wrong_proposal", "a budget needs a budget round proposal")
        if not self.proposal.electorate.size:
            raise RuleViolation("invalid_bucket", "a budget round needs electors")

    @property
    def pot(self) -> int:
        """The money put into the round."""
        motion = self.proposal.motion
        assert isinstance(motion, BudgetRound)
        return motion.pot

    @property
    def allowance(self) -> int:
        """What every elector may allocate: the same for everyone."""
        return self.pot // self.proposal.electorate.size

    def _open(self, person: str, at: datetime) -> None:
        if person not in self.proposal.electorate:
            raise NotPermitted("not_in_electorate", "only electors of this round take part")
        if not self.proposal.rule.is_open(at):
            raise Conflict("proposal_closed", "the budget round is not open")

    def propose(self, bucket: Bucket, at: datetime) -> Budget:
        """An elector proposes a bucket while the round is open."""
        self._open(bucket.proposer, at)
        if bucket.id in self.buckets:
            if self.buckets[bucket.id] == bucket:
                return self
            raise Conflict("bucket_id_conflict", "another bucket has this id")
        buckets = dict(self.buckets)
        buckets[bucket.id] = bucket
        return Budget(self.proposal, MappingProxyType(buckets), self.allocations)

    def allocated_by(self, person: str) -> int:
        """Everything ``person`` has allocated."""
        return sum(v for (p, _), v in self.allocations.items() if p == person)

    def allocate(self, person: str, bucket_id: str, amount: int, at: datetime) -> Budget:
        """Set ``person``'s allocation to a bucket (0 withdraws it)."""
        self._open(person, at)
        if bucket_id not in self.buckets:
            raise RuleViolation("unknown_bucket", "there is no such bucket")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise RuleViolation("invalid_amount", "allocations are non-negative integers")
        key = (person, bucket_id)
        elsewhere = self.allocated_by(person) - self.allocations.get(key, 0)
        if elsewhere + amount > self.allowance:
            raise RuleViolation(
                "over_allocation", "that is more than your allowance in this round"
            )
        allocations = dict(self.allocations)
        if amount:
            allocations[key] = amount
        else:
            allocations.pop(key, None)
        return Budget(self.proposal, self.buckets, MappingProxyType(allocations))

    def totals(self) -> dict[str, int]:
        """Allocated amount per bucket."""
        totals = dict.fromkeys(self.buckets, 0)
        for (_, bucket_id), amount in self.allocations.items():
            totals[bucket_id] += amount
        return totals

    def settle(self, at: datetime, ledger: Ledger) -> BudgetResult:
        """After the close: funded buckets and one commitment transaction per funded bucket."""
        when = utc(at)
        if when < self.proposal.rule.closes_at:
            raise Conflict("proposal_open", "the budget round has not closed yet")
        funded: list[tuple[str, int]] = []
        unfunded: list[str] = []
        transactions: list[Transaction] = []
        for bucket_id, total in sorted(self.totals().items()):
            bucket = self.buckets[bucket_id]
            if total >= bucket.min_goal:
                amount = min(total, bucket.max_goal)
                funded.append((bucket_id, amount))
                ref = f"{self.proposal.id}#{bucket_id}"
                transactions.append(
                    Transaction(
                        ref, when, EntryKind.COMMITMENT, ledger.currency,
                        (Posting(commitment_account(ref), amount), Posting(FUND, -amount)),
                        memo=bucket.title, reference=self.proposal.id,
                    )
                )
            else:
                unfunded.append(bucket_id)
        return BudgetResult(tuple(funded), tuple(unfunded), tuple(transactions))
