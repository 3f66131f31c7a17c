"""Investment proposals: "buy X for N", part from the free fund, the rest by a capital call.

An ``Investment`` names the asset to buy (as the asset register records it), its price ``N`` and
how much of it the free fund pays (``from_fund``); the rest, the *call*, is asked of the members
at the time the proposal passes, in equal shares (one member one share, whatever their class or
the co-op shares they hold: the call is money, split like an equal surplus). ``split_call`` gives
the exact split; :mod:`governance.capital_call` books what members pay toward it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from governance.apportion import largest_remainder
from governance.codec import get_field
from governance.electorate import Electorate
from governance.errors import RuleViolation
from governance.kinds import ASSET_KINDS, TENURES, Kind
from governance.money import MAX_AMOUNT, check_currency

__all__ = ["MAX_CALLED", "Investment", "split_call"]

MAX_CALLED = 100_000
"""The most members one capital call is split among."""
_MAX_NAME = 200
_MAX_PURPOSE = 5000


def _invalid(reason: str) -> RuleViolation:
    return RuleViolation("invalid_motion", reason)


def _whole(value: object, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RuleViolation("invalid_amount", f"{what} is a whole number of minor units from "
                            f"{low} to {high}")
    return value


def split_call(amount: int, members: Iterable[str]) -> dict[str, int]:
    """Each member's exact share of a capital call of ``amount`` minor units.

    Equal shares by largest remainder (:func:`governance.apportion.largest_remainder`): every
    member owes ``amount // n`` and the ``amount % n`` units left over go one each to the
    smallest member ids, so the shares sum to ``amount`` and no two differ by more than one
    unit.
    """
    _whole(amount, 0, MAX_AMOUNT, "a capital call")
    people = sorted(set(members))
    if not people:
        raise RuleViolation("nothing_to_share", "a capital call needs at least one member")
    if len(people) > MAX_CALLED:
        raise _invalid(f"a capital call is split among at most {MAX_CALLED} members")
    for person in people:
        if not isinstance(person, str) or not person or "\n" in person:
            raise RuleViolation("invalid_person", "person ids must be non-empty single-line text")
    return largest_remainder(amount, {person: 1 for person in people})


@dataclass(frozen=True, slots=True)
class Investment:
    """Buy the asset ``name`` for ``price`` minor units: ``from_fund`` of it from the free fund
    and the rest by a capital call on the members; ``keeper`` (a member) looks after it and
    ``depreciation`` (minor units a month, optional) is how it loses value in the books."""

    name: str
    asset_kind: str
    tenure: str
    keeper: str
    price: int
    currency: str
    from_fund: int = 0
    depreciation: int | None = None
    purpose: str = ""
    kind = Kind.INVESTMENT

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > _MAX_NAME:
            raise _invalid(f"the asset's name has 1 to {_MAX_NAME} characters")
        if self.asset_kind not in ASSET_KINDS:
            raise _invalid(f"an asset's kind is one of {', '.join(ASSET_KINDS)}")
        if self.tenure not in TENURES:
            raise _invalid("an asset is owned or rented")
        if not isinstance(self.keeper, str) or not self.keeper or "\n" in self.keeper:
            raise RuleViolation("invalid_person", "the keeper is a member's id")
        _whole(self.price, 1, MAX_AMOUNT, "the price")
        check_currency(self.currency)
        _whole(self.from_fund, 0, self.price, "the part paid from the fund")
        if self.depreciation is not None:
            _whole(self.depreciation, 1, self.price, "the monthly depreciation")
        if not isinstance(self.purpose, str) or len(self.purpose) > _MAX_PURPOSE:
            raise _invalid(f"the purpose is text of at most {_MAX_PURPOSE} characters")

    @property
    def call(self) -> int:
        """What the members are asked for: the price less the part from the fund."""
        return self.price - self.from_fund

    def check_opening(self, currency: str, electorate: Electorate) -> None:
        """Refuse to open in another currency or with a keeper who is not a member."""
        if self.currency != currency:
            raise RuleViolation("currency_mismatch", f"the pool's currency is {currency}")
        if self.keeper not in electorate:
            raise RuleViolation("not_a_member", "an asset is looked after by a member")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        data: dict[str, Any] = {
            "kind": self.kind.value, "name": self.name, "asset_kind": self.asset_kind,
            "tenure": self.tenure, "keeper": self.keeper, "price": self.price,
            "currency": self.currency, "from_fund": self.from_fund, "purpose": self.purpose,
        }
        if self.depreciation is not None:
            data["depreciation"] = self.depreciation
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Investment:
        """Inverse of ``to_dict``."""
        depreciation = data.get("depreciation")
        if depreciation is not None and (isinstance(depreciation, bool)
                                         or not isinstance(depreciation, int)):
            raise RuleViolation("invalid_document", "'depreciation' is a whole number")
        return cls(get_field(data, "name", str), get_field(data, "asset_kind", str),
                   get_field(data, "tenure", str), get_field(data, "keeper", str),
                   get_field(data, "price", int), get_field(data, "currency", str),
                   get_field(data, "from_fund", int), depreciation,
                   get_field(data, "purpose", str))
