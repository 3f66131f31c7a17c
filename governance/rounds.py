"""The budget round motion and the round's rules, frozen from the bylaws when it opens.

A member asks for a round with a pot (``BudgetRound(pot, currency, purpose)``); the pool opens
it with :func:`governance.open_proposal`, which freezes the bylaws' round settings into
``RoundRules`` the way it freezes the vote's rule: later bylaws changes never reach an open
round, and anyone recounting it reads its rules from the signed proposal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from governance.bylaws import BucketProposers, Bylaws
from governance.codec import datetime_from_str, datetime_to_str, get_field, utc
from governance.errors import RuleViolation
from governance.kinds import Kind
from governance.money import MAX_AMOUNT, check_currency, format_money

__all__ = ["MAX_BUCKETS", "MAX_PURPOSE", "BudgetRound", "RoundRules"]

MAX_BUCKETS = 100
"""The most buckets one round holds, whatever the bylaws allow each member."""

MAX_PURPOSE = 5000
"""The longest text (a round's purpose, a bucket's description), in characters."""


@dataclass(frozen=True, slots=True)
class RoundRules:
    """How one budget round runs: copied from the bylaws when it opens."""

    buckets_close_at: datetime
    max_buckets_per_member: int
    proposers: BucketProposers
    allocations_visible: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "buckets_close_at", utc(self.buckets_close_at, "bucket window"))
        count = self.max_buckets_per_member
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BUCKETS:
            raise RuleViolation("invalid_rule", f"a member proposes 1 to {MAX_BUCKETS} buckets")
        if not isinstance(self.proposers, BucketProposers):
            raise RuleViolation("invalid_rule", "buckets are proposed by members or stewards")
        if not isinstance(self.allocations_visible, bool):
            raise RuleViolation("invalid_rule", "allocations are visible or not")

    @classmethod
    def freeze(cls, bylaws: Bylaws, opens_at: datetime, closes_at: datetime) -> RoundRules:
        """The bylaws' round settings for a round open over ``[opens_at, closes_at)``."""
        window_end = closes_at
        if bylaws.bucket_window:
            window_end = min(closes_at, utc(opens_at) + bylaws.bucket_window)
        return cls(window_end, bylaws.max_buckets_per_member, bylaws.bucket_proposers,
                   bylaws.allocations_visible)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "buckets_close_at": datetime_to_str(self.buckets_close_at),
            "max_buckets_per_member": self.max_buckets_per_member,
            "bucket_proposers": self.proposers.value,
            "allocations_visible": self.allocations_visible,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoundRules:
        """Inverse of ``to_dict``."""
        proposers = get_field(data, "bucket_proposers", str)
        if proposers not in BucketProposers.__members__.values():
            raise RuleViolation("invalid_document", f"unknown bucket proposers {proposers!r}")
        return cls(
            datetime_from_str(get_field(data, "buckets_close_at", str)),
            get_field(data, "max_buckets_per_member", int),
            BucketProposers(proposers),
            get_field(data, "allocations_visible", bool),
        )


@dataclass(frozen=True, slots=True)
class BudgetRound:
    """Open a budget round distributing ``pot`` minor units of the fund among the electorate.

    ``rules`` is None in a member's draft; the opened proposal carries the frozen rules.
    """

    pot: int
    currency: str
    purpose: str = ""
    rules: RoundRules | None = None

    kind = Kind.BUDGET_ROUND

    def __post_init__(self) -> None:
        if isinstance(self.pot, bool) or not isinstance(self.pot, int) or self.pot <= 0:
            raise RuleViolation("invalid_amount", "a budget round needs a positive integer pot")
        check_currency(self.currency)
        if self.pot > MAX_AMOUNT:
            raise RuleViolation("amount_too_large", "the pot is too large: at most "
                                f"{format_money(MAX_AMOUNT, self.currency)}")
        if not isinstance(self.purpose, str) or len(self.purpose) > MAX_PURPOSE:
            raise RuleViolation("invalid_motion", f"the purpose is text of at most {MAX_PURPOSE} characters")
        if self.rules is not None and not isinstance(self.rules, RoundRules):
            raise RuleViolation("invalid_motion", "a round's rules are RoundRules")

    def frozen(self, bylaws: Bylaws, opens_at: datetime, closes_at: datetime) -> BudgetRound:
        """This round with the bylaws' round rules frozen in."""
        return replace(self, rules=RoundRules.freeze(bylaws, opens_at, closes_at))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form; ``purpose`` and ``rules`` only when there are any (older rounds'
        documents keep their bytes)."""
        data: dict[str, Any] = {"kind": "budget_round", "pot": self.pot, "currency": self.currency}
        if self.purpose:
            data["purpose"] = self.purpose
        if self.rules is not None:
            data["rules"] = self.rules.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BudgetRound:
        """Inverse of ``to_dict``."""
        rules = RoundRules.from_dict(get_field(data, "rules", dict)) if "rules" in data else None
        purpose = get_field(data, "purpose", str) if "purpose" in data else ""
        return cls(get_field(data, "pot", int), get_field(data, "currency", str), purpose, rules)
