"""Buckets and allocations: what electors propose in a budget round and how they spread their allowance.

A ``Bucket`` is a proposed use of money with a minimum and a maximum goal. An ``Allocation`` is
one elector's whole spread of their allowance over buckets; a later allocation of the same
elector replaces the earlier one by the same order as ballots (``sequence``, then time, then
id: docs/PROTOCOL.md §Ballot order), never by arrival.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from governance.codec import datetime_from_str, datetime_to_str, get_field, utc
from governance.errors import RuleViolation
from governance.money import MAX_AMOUNT
from governance.rounds import MAX_BUCKETS, MAX_PURPOSE

__all__ = ["MAX_TITLE", "Allocation", "Bucket", "allocation_order", "counted_allocation"]

MAX_TITLE = 200
"""The longest bucket title, in characters."""


def _goal(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and 0 < value <= MAX_AMOUNT


@dataclass(frozen=True, slots=True)
class Bucket:
    """A proposed use of money with a minimum and a maximum goal (minor units)."""

    id: str
    title: str
    proposer: str
    min_goal: int
    max_goal: int
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id or "#" in self.id:
            raise RuleViolation("invalid_bucket", "a bucket needs an id without '#'")
        if not isinstance(self.title, str) or not self.title.strip() or len(self.title) > MAX_TITLE:
            raise RuleViolation("invalid_bucket", f"a bucket needs a title of 1 to {MAX_TITLE} characters")
        if not isinstance(self.description, str) or len(self.description) > MAX_PURPOSE:
            raise RuleViolation("invalid_bucket", f"a description has at most {MAX_PURPOSE} characters")
        if not isinstance(self.proposer, str) or not self.proposer:
            raise RuleViolation("invalid_bucket", "a bucket needs a proposer")
        if not (_goal(self.min_goal) and _goal(self.max_goal)):
            raise RuleViolation("invalid_bucket", "goals are positive integer minor units (at most 2^53 - 1)")
        if self.min_goal > self.max_goal:
            raise RuleViolation("invalid_bucket", "the minimum goal cannot exceed the maximum")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (``description`` only when there is one)."""
        data: dict[str, Any] = {"id": self.id, "title": self.title, "proposer": self.proposer,
                                "min_goal": self.min_goal, "max_goal": self.max_goal}
        if self.description:
            data["description"] = self.description
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Bucket:
        """Inverse of ``to_dict``."""
        return cls(get_field(data, "id", str), get_field(data, "title", str),
                   get_field(data, "proposer", str), get_field(data, "min_goal", int),
                   get_field(data, "max_goal", int),
                   get_field(data, "description", str) if "description" in data else "")


@dataclass(frozen=True, slots=True)
class Allocation:
    """One elector's spread of their allowance over buckets (bucket id -> minor units).

    Amounts are whole minor units, 0 or more (0 is the same as leaving a bucket out); each
    bucket at most once. An allocation with no amounts withdraws everything.
    """

    id: str
    round_id: str
    person: str
    at: datetime
    amounts: tuple[tuple[str, int], ...]
    sequence: int = 0

    def __post_init__(self) -> None:
        for text, what in ((self.id, "an id"), (self.round_id, "a round"), (self.person, "an elector")):
            if not isinstance(text, str) or not text:
                raise RuleViolation("invalid_allocation", f"an allocation needs {what}")
        object.__setattr__(self, "at", utc(self.at, "allocation time"))
        amounts = tuple(tuple(pair) for pair in self.amounts)
        if len(amounts) > MAX_BUCKETS:
            raise RuleViolation("invalid_allocation", f"an allocation names at most {MAX_BUCKETS} buckets")
        for pair in amounts:
            if len(pair) != 2 or not isinstance(pair[0], str) or not pair[0]:
                raise RuleViolation("invalid_allocation", "each amount names its bucket")
            amount = pair[1]
            if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT:
                raise RuleViolation("invalid_amount",
                                    "allocations are whole minor units, 0 or more (at most 2^53 - 1)")
        if len({bucket for bucket, _ in amounts}) != len(amounts):
            raise RuleViolation("invalid_allocation", "each bucket may appear only once")
        object.__setattr__(self, "amounts", amounts)
        seq = self.sequence
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_AMOUNT:
            raise RuleViolation("invalid_allocation", "a sequence is a whole number, 0 or more")

    @property
    def total(self) -> int:
        """Everything this allocation gives."""
        return sum(amount for _, amount in self.amounts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (``sequence`` only when there is one)."""
        data: dict[str, Any] = {
            "id": self.id, "round": self.round_id, "person": self.person,
            "at": datetime_to_str(self.at),
            "amounts": [{"bucket": bucket, "amount": amount} for bucket, amount in self.amounts],
        }
        if self.sequence:
            data["sequence"] = self.sequence
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Allocation:
        """Inverse of ``to_dict``."""
        amounts = tuple((get_field(item, "bucket", str), get_field(item, "amount", int))
                        for item in get_field(data, "amounts", list))
        sequence = get_field(data, "sequence", int) if "sequence" in data else 0
        return cls(get_field(data, "id", str), get_field(data, "round", str),
                   get_field(data, "person", str), datetime_from_str(get_field(data, "at", str)),
                   amounts, sequence)


def allocation_order(allocation: Allocation) -> tuple[int, datetime, str]:
    """The key that orders one elector's allocations: the greatest counts (as for ballots)."""
    return (allocation.sequence, allocation.at, allocation.id)


def counted_allocation(allocations: Iterable[Allocation]) -> Allocation | None:
    """Of one elector's allocations in a round, the one that counts (None if there are none)."""
    return max(allocations, key=allocation_order, default=None)
