"""Budget rounds (Cobudget-style): every elector gets the same allowance to spread over buckets.

Allowance = pot // electorate size, the same for everyone (one person, one allowance: no
setting changes it); the remainder of that division never leaves the fund. Electors propose
buckets while the round's bucket window is open and allocate until the round closes. A bucket
whose allocations reach its minimum by the close is funded with its total, capped at its
maximum; everything else (unfunded buckets, amounts above a maximum, what nobody allocated)
stays in the fund. Each funded bucket is booked as one commitment whose account is
``commitment:<bucket id>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from governance.allocations import Allocation, Bucket, allocation_order
from governance.bylaws import BucketProposers
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
from governance.proposals import Proposal
from governance.rounds import MAX_BUCKETS, BudgetRound, RoundRules

__all__ = ["Allocation", "Bucket", "Budget", "BudgetResult"]


@dataclass(frozen=True, slots=True)
class BudgetResult:
    """What a round funds: per bucket (in the order they were proposed) the total allocated and
    the amount funded, and the ledger transactions ``settle`` built for them."""

    funded: tuple[tuple[str, int], ...]
    unfunded: tuple[str, ...]
    transactions: tuple[Transaction, ...] = ()
    totals: tuple[tuple[str, int], ...] = ()
    participation: int = 0

    @property
    def total(self) -> int:
        """Money leaving the free fund for funded buckets."""
        return sum(amount for _, amount in self.funded)


def _empty() -> Mapping[str, object]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Budget:
    """The state of one budget round; operations return a new Budget."""

    proposal: Proposal
    buckets: Mapping[str, Bucket] = field(default_factory=_empty)  # type: ignore[arg-type]
    allocations: Mapping[tuple[str, str], int] = field(default_factory=_empty)  # type: ignore[arg-type]
    counted: Mapping[str, Allocation] = field(default_factory=_empty)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if not isinstance(self.proposal.motion, BudgetRound):
            raise RuleViolation("wrong_proposal", "a budget needs a budget round proposal")
        if not self.proposal.electorate.size:
            raise RuleViolation("invalid_bucket", "a budget round needs electors")

    @property
    def motion(self) -> BudgetRound:
        """The round's motion: pot, currency, purpose and frozen rules."""
        motion = self.proposal.motion
        assert isinstance(motion, BudgetRound)
        return motion

    @property
    def rules(self) -> RoundRules:
        """The round's frozen rules (a round opened without them: buckets until the close)."""
        rule = self.proposal.rule
        return self.motion.rules or RoundRules(rule.closes_at, MAX_BUCKETS, BucketProposers.MEMBERS, True)

    @property
    def pot(self) -> int:
        """The money put into the round."""
        return self.motion.pot

    @property
    def allowance(self) -> int:
        """What every elector may allocate: the same for everyone."""
        return self.pot // self.proposal.electorate.size

    def _open(self, person: str, at: datetime) -> None:
        if person not in self.proposal.electorate:
            raise NotPermitted("not_in_electorate", "only electors of this round take part")
        if not self.proposal.rule.is_open(at):
            raise Conflict("proposal_closed", "the budget round is not open")

    def propose(self, bucket: Bucket, at: datetime, *, steward: bool = False) -> Budget:
        """An elector proposes a bucket while the round's bucket window is open.

        ``steward``: whether the proposer is a steward, for rounds whose rules let only
        stewards propose buckets (roles are the node's to know, not a signed input).
        """
        self._open(bucket.proposer, at)
        if bucket.id in self.buckets:
            if self.buckets[bucket.id] == bucket:
                return self
            raise Conflict("bucket_id_conflict", "another bucket has this id")
        rules = self.rules
        if rules.proposers is BucketProposers.STEWARDS and not steward:
            raise NotPermitted("not_permitted", "in this pool only stewards propose buckets")
        if utc(at) >= rules.buckets_close_at:
            raise Conflict("buckets_closed", "the time to propose buckets in this round is over")
        if len(self.buckets) >= MAX_BUCKETS:
            raise RuleViolation("too_many_buckets", f"a round holds at most {MAX_BUCKETS} buckets")
        mine = sum(1 for b in self.buckets.values() if b.proposer == bucket.proposer)
        if mine >= rules.max_buckets_per_member:
            raise RuleViolation("too_many_buckets", "you have proposed as many buckets as the "
                                f"bylaws allow one member ({rules.max_buckets_per_member})")
        buckets = dict(self.buckets)
        buckets[bucket.id] = bucket
        return Budget(self.proposal, MappingProxyType(buckets), self.allocations, self.counted)

    def allocated_by(self, person: str) -> int:
        """Everything ``person`` has allocated."""
        return sum(v for (p, _), v in self.allocations.items() if p == person)

    def allocate(self, person: str, bucket_id: str, amount: int, at: datetime) -> Budget:
        """Set ``person``'s allocation to one bucket (0 withdraws it)."""
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
        return Budget(self.proposal, self.buckets, MappingProxyType(allocations), self.counted)

    def check(self, allocation: Allocation) -> None:
        """Raise the precise GovernanceError if ``allocation`` may not count in this round."""
        if allocation.round_id != self.proposal.id:
            raise RuleViolation("wrong_proposal", "this allocation is for another round")
        self._open(allocation.person, allocation.at)
        unknown = [bucket for bucket, _ in allocation.amounts if bucket not in self.buckets]
        if unknown:
            raise RuleViolation("unknown_bucket", f"there is no such bucket in this round: {unknown[0]}")
        if allocation.total > self.allowance:
            raise RuleViolation("over_allocation", "that is more than your allowance in this round "
                                f"({self.allowance} minor units)")

    def apply(self, allocation: Allocation) -> Budget:
        """Count ``allocation`` in place of the elector's earlier one, if it outranks it
        (``allocation_order``); one it does not outrank changes nothing."""
        self.check(allocation)
        person = allocation.person
        current = self.counted.get(person)
        if current is not None and allocation_order(current) >= allocation_order(allocation):
            return self
        allocations = {key: v for key, v in self.allocations.items() if key[0] != person}
        allocations.update({(person, bucket): amount for bucket, amount in allocation.amounts if amount})
        counted = {**self.counted, person: allocation}
        return Budget(self.proposal, self.buckets, MappingProxyType(allocations),
                      MappingProxyType(counted))

    @classmethod
    def recount(cls, proposal: Proposal, buckets: Iterable[tuple[Bucket, datetime]],
                allocations: Iterable[Allocation]) -> Budget:
        """The round from its signed inputs: buckets (each with the time it was accepted, in
        the order they were proposed) and every accepted allocation, in any order.

        The same as ``apply`` of each allocation in turn, built once (linear in the number of
        allocations): each one is checked, and each elector's greatest by ``allocation_order``
        counts."""
        budget = cls(proposal)
        for bucket, at in buckets:
            budget = budget.propose(bucket, at, steward=True)
        counted: dict[str, Allocation] = {}
        for allocation in allocations:
            budget.check(allocation)
            current = counted.get(allocation.person)
            if current is None or allocation_order(allocation) > allocation_order(current):
                counted[allocation.person] = allocation
        amounts = {(person, bucket): amount for person, allocation in counted.items()
                   for bucket, amount in allocation.amounts if amount}
        return cls(proposal, budget.buckets, MappingProxyType(amounts), MappingProxyType(counted))

    def totals(self) -> dict[str, int]:
        """Allocated amount per bucket, in the order the buckets were proposed."""
        totals = dict.fromkeys(self.buckets, 0)
        for (_, bucket_id), amount in self.allocations.items():
            totals[bucket_id] += amount
        return totals

    def result(self) -> BudgetResult:
        """What the allocations fund so far (final once the round has closed)."""
        funded: list[tuple[str, int]] = []
        unfunded: list[str] = []
        totals = self.totals()
        for bucket_id, total in totals.items():
            bucket = self.buckets[bucket_id]
            if total >= bucket.min_goal:
                funded.append((bucket_id, min(total, bucket.max_goal)))
            else:
                unfunded.append(bucket_id)
        people = {person for person, _ in self.allocations}
        return BudgetResult(tuple(funded), tuple(unfunded), (), tuple(totals.items()), len(people))

    def commit(self, id: str, at: datetime, ledger: Ledger, bucket_id: str) -> Transaction:
        """The commitment of one funded bucket, booked after the close (at most its funding)."""
        when = utc(at)
        if when < self.proposal.rule.closes_at:
            raise Conflict("proposal_open", "the budget round has not closed yet")
        amount = dict(self.result().funded).get(bucket_id)
        if amount is None:
            raise NotPermitted("not_funded", "this bucket was not funded")
        if ledger.committed(bucket_id, excluding=id):
            raise RuleViolation("exceeds_approved", "this bucket's funding is committed already")
        return Transaction(
            id, when, EntryKind.COMMITMENT, ledger.currency,
            (Posting(commitment_account(bucket_id), amount), Posting(FUND, -amount)),
            memo=self.buckets[bucket_id].title, reference=bucket_id,
        )

    def settle(self, at: datetime, ledger: Ledger) -> BudgetResult:
        """After the close: funded buckets and one commitment transaction per funded bucket
        (transaction id ``<round id>#<bucket id>``; a node books them with its own entry ids)."""
        if utc(at) < self.proposal.rule.closes_at:
            raise Conflict("proposal_open", "the budget round has not closed yet")
        result = self.result()
        transactions: list[Transaction] = []
        for bucket_id, _ in result.funded:
            transactions.append(self.commit(f"{self.proposal.id}#{bucket_id}", at, ledger, bucket_id))
        return BudgetResult(result.funded, result.unfunded, tuple(transactions), result.totals,
                            result.participation)
