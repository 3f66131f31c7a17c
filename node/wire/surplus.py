"""A surplus distribution on the wire: the member's draft (what to share and reserve) and the
opened proposal's fields (with the measure and every member's measure the pool froze)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance import Kind, SurplusDistribution, SurplusMeasure
from governance.errors import RuleViolation

__all__ = ["SurplusDraft", "surplus_fields", "surplus_motion"]


@dataclass(frozen=True, slots=True)
class SurplusDraft:
    """What a member asks: ``amount`` shared among the members and ``reserve`` put into the
    reserve ``reserve_fund``; the pool adds the measure and each member's measure as it opens."""

    amount: int
    reserve: int
    currency: str
    purpose: str
    reserve_fund: str
    kind = Kind.SURPLUS

    def motion(self, measure: SurplusMeasure | None,
               measures: Mapping[str, int]) -> SurplusDistribution:
        """The distribution with the measures frozen (none when everything goes to reserves)."""
        shared = bool(self.amount)
        return SurplusDistribution(self.amount, self.reserve, self.currency,
                                   measure if shared else None,
                                   tuple(measures.items()) if shared else (), self.purpose,
                                   self.reserve_fund)


def _int(doc: Mapping[str, Any], name: str) -> int:
    value = doc.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleViolation("invalid_amount", f"'{name}' is a whole number of minor units")
    return value


def surplus_motion(doc: Mapping[str, Any]) -> SurplusDraft | SurplusDistribution:
    """The draft of a member's document, or the distribution of an opened one (``measures``)."""
    amount, reserve = _int(doc, "surplus"), _int(doc, "reserve")
    currency = doc.get("currency")
    purpose, fund = str(doc.get("purpose", "")), str(doc.get("reserveFund", "general"))
    if "measures" not in doc:  # checked as a distribution once the pool adds the measures
        return SurplusDraft(amount, reserve, currency, purpose, fund)  # type: ignore[arg-type]
    return SurplusDistribution.from_dict({
        "amount": amount, "reserve": reserve, "currency": currency,
        "measure": doc.get("measure"), "measures": doc.get("measures"), "purpose": purpose,
        "reserve_fund": fund})


def surplus_fields(motion: SurplusDistribution) -> dict[str, Any]:
    """The opened proposal's fields of ``motion``."""
    fields: dict[str, Any] = {"surplus": motion.amount, "reserve": motion.reserve,
                              "currency": motion.currency, "reserveFund": motion.reserve_fund,
                              "measures": dict(motion.measures)}
    if motion.measure is not None:
        fields["measure"] = motion.measure.value
    if motion.purpose:
        fields["purpose"] = motion.purpose
    return fields
