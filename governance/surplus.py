"""Sharing out a surplus: the proposal that does it, and the exact split it decides.

A ``SurplusDistribution`` names what goes to the members (split by the measure the bylaws name)
and what goes to a reserve. It lists every member with their measure when it opens, so each
member sees their own line and anyone can recompute the split from the signed proposal;
:mod:`governance.surplus_ledger` gathers the measures and books a passed distribution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance.apportion import largest_remainder
from governance.bylaws import Bylaws
from governance.codec import get_field
from governance.coop_rules import MAX_NAME, SurplusMeasure
from governance.electorate import Electorate
from governance.errors import RuleViolation
from governance.kinds import Kind
from governance.money import MAX_AMOUNT, check_currency

__all__ = ["MAX_SHARERS", "SurplusDistribution", "split_surplus"]

MAX_SHARERS = 100_000
"""The most members one distribution lists."""
_MAX_PURPOSE = 500


def _invalid(reason: str) -> RuleViolation:
    return RuleViolation("invalid_motion", reason)


def _amount(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        raise RuleViolation("invalid_amount", f"{what} is a whole number of minor units, 0 or more")
    return value


def split_surplus(amount: int, measures: Mapping[str, int],
                  measure: SurplusMeasure) -> dict[str, int]:
    """Each member's exact share of ``amount`` (minor units), by their measure.

    By contributions or patronage, a member's share is ``amount * measure / total`` rounded by
    largest remainder (:func:`governance.apportion.largest_remainder`: ties to the smaller
    member id), so the shares sum to ``amount`` exactly, none is a unit or more away from its
    exact fraction, and a member whose measure is 0 gets nothing. By equal shares every member
    listed gets the same, whatever their measure says, the units left over going to the
    smallest ids.
    """
    _amount(amount, "the amount shared")
    if not isinstance(measure, SurplusMeasure):
        raise _invalid("a surplus is shared by contributions, patronage or equal shares")
    if len(measures) > MAX_SHARERS:
        raise _invalid(f"a distribution lists at most {MAX_SHARERS} members")
    for person, value in measures.items():
        if not isinstance(person, str) or not person or "\n" in person:
            raise RuleViolation("invalid_person", "person ids must be non-empty single-line text")
        _amount(value, "a member's measure")
    if not measures:
        raise RuleViolation("nothing_to_share", "no member is listed to share the surplus")
    weights = {p: 1 for p in measures} if measure is SurplusMeasure.EQUAL else dict(measures)
    if not sum(weights.values()):
        raise RuleViolation("nothing_to_share",
                            f"no member has any {measure.value} to share the surplus by")
    return largest_remainder(amount, weights)


@dataclass(frozen=True, slots=True)
class SurplusDistribution:
    """Share ``amount`` of the fund among the members by ``measure`` and put ``reserve`` into
    the reserve ``reserve_fund``; ``measures`` lists every member, once, with their measure.

    All to reserves is ``amount=0`` with no measure and no members listed.
    """

    amount: int
    reserve: int
    currency: str
    measure: SurplusMeasure | None
    measures: tuple[tuple[str, int], ...]
    purpose: str = ""
    reserve_fund: str = "general"
    kind = Kind.SURPLUS

    def __post_init__(self) -> None:
        _amount(self.amount, "the amount shared among members")
        _amount(self.reserve, "the amount put into reserves")
        if not self.amount + self.reserve or self.amount + self.reserve > MAX_AMOUNT:
            raise RuleViolation("invalid_amount", "a distribution shares or reserves something, "
                                "at most the largest amount")
        check_currency(self.currency)
        if not isinstance(self.purpose, str) or len(self.purpose) > _MAX_PURPOSE:
            raise _invalid(f"the purpose is text of at most {_MAX_PURPOSE} characters")
        fund = self.reserve_fund
        if not isinstance(fund, str) or not fund or len(fund) > MAX_NAME or not fund.isprintable():
            raise _invalid(f"a reserve is named with 1 to {MAX_NAME} printable characters")
        if not all(isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)
                   for pair in self.measures):
            raise _invalid("measures are pairs of a member and a whole number")
        pairs = tuple(sorted(self.measures, key=lambda pair: pair[0]))
        object.__setattr__(self, "measures", pairs)
        if len({person for person, _ in pairs}) != len(pairs):
            raise _invalid("a distribution lists each member once")
        if not self.amount:
            if self.measure is not None or pairs:
                raise _invalid("a distribution that shares nothing lists no measure or members")
            return
        if self.measure is None:
            raise _invalid("a distribution to members names the measure it is split by")
        if self.measure is SurplusMeasure.EQUAL and any(value != 1 for _, value in pairs):
            raise _invalid("equal shares list each member with the measure 1")
        split_surplus(self.amount, dict(pairs), self.measure)

    def split(self) -> dict[str, int]:
        """Each listed member's share of ``amount`` (empty when everything goes to reserves)."""
        if self.measure is None:
            return {}
        return split_surplus(self.amount, dict(self.measures), self.measure)

    def check_opening(self, bylaws: Bylaws, electorate: Electorate) -> None:
        """Refuse to open unless the bylaws name this measure and every elector is listed."""
        if self.currency != bylaws.currency:
            raise RuleViolation("currency_mismatch", f"the pool's currency is {bylaws.currency}")
        if not self.amount:
            return
        if bylaws.surplus_measure is None:
            raise RuleViolation("no_surplus_measure",
                                "these bylaws name no measure to share a surplus by")
        if self.measure is not bylaws.surplus_measure:
            raise RuleViolation("wrong_measure", "these bylaws share a surplus by "
                                f"{bylaws.surplus_measure.value}")
        if {person for person, _ in self.measures} != electorate.members:
            raise _invalid("a distribution lists every member, each once")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "kind": self.kind.value,
            "amount": self.amount,
            "reserve": self.reserve,
            "currency": self.currency,
            "measure": None if self.measure is None else self.measure.value,
            "measures": {person: value for person, value in self.measures},
            "purpose": self.purpose,
            "reserve_fund": self.reserve_fund,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SurplusDistribution:
        """Inverse of ``to_dict``."""
        measure = data.get("measure")
        if measure is not None and measure not in SurplusMeasure.__members__.values():
            raise RuleViolation("invalid_document", f"unknown surplus measure {measure!r}")
        measures = get_field(data, "measures", dict)
        return cls(
            get_field(data, "amount", int), get_field(data, "reserve", int),
            get_field(data, "currency", str),
            None if measure is None else SurplusMeasure(measure),
            tuple(measures.items()), get_field(data, "purpose", str),
            get_field(data, "reserve_fund", str),
        )
