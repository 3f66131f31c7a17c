"""The co-op settings of the bylaws: member classes, a majority in each class for chosen kinds of
proposal, share types, the measure a surplus is shared by, and the limits on booking assets.

Plain values with their checks and JSON forms. :mod:`governance.bylaws` holds them;
:mod:`governance.classes`, :mod:`governance.shares`, :mod:`governance.surplus` and
:mod:`governance.bookings` act on them. None of them is a weight: every member has one vote.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from governance.codec import get_field
from governance.errors import RuleViolation
from governance.kinds import Kind
from governance.money import MAX_AMOUNT

__all__ = [
    "CLASS_MAJORITY_KINDS",
    "MAX_BOOKING_HOURS",
    "MAX_CLASSES",
    "MAX_MINIMUM",
    "MAX_NAME",
    "MAX_SHARE_TYPES",
    "BookingLimits",
    "ShareType",
    "SurplusMeasure",
    "check_coop_settings",
    "check_name",
]

MAX_CLASSES = 8
"""The most member classes bylaws may declare."""
MAX_SHARE_TYPES = 8
"""The most share types bylaws may declare."""
MAX_NAME = 40
"""The longest name of a member class or share type, in characters."""
MAX_MINIMUM = 10_000
"""The most shares of one type the bylaws may require a member to hold."""
MAX_BOOKING_HOURS = 744
"""The longest monthly booking limit: every hour of a 31-day month."""
CLASS_MAJORITY_KINDS = frozenset(Kind) - {Kind.BUDGET_ROUND}
"""Kinds that may need a majority in each member class (a budget round is shared out, not
passed by a majority)."""


def _invalid(reason: str) -> RuleViolation:
    return RuleViolation("invalid_bylaws", reason)


def check_name(name: object, what: str) -> str:
    """``name`` if it is 1 to MAX_NAME characters of text with no control characters and no
    surrounding spaces, else raise ``invalid_bylaws`` saying what is wrong."""
    if not isinstance(name, str) or not name.strip():
        raise _invalid(f"a {what} needs a name")
    if name != name.strip():
        raise _invalid(f"the {what} name {name.strip()!r} has spaces around it")
    if len(name) > MAX_NAME:
        raise _invalid(f"a {what} name has at most {MAX_NAME} characters")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise _invalid(f"the {what} name {name!r} holds a control character")
    return name


class SurplusMeasure(StrEnum):
    """What a surplus is shared out in proportion to."""

    CONTRIBUTIONS = "contributions"
    """The capital each member paid in during the period (contributions the treasurer booked)."""
    PATRONAGE = "patronage"
    """The patronage a treasurer recorded for each member during the period."""
    EQUAL = "equal"
    """Equal shares: every member the same, whatever they paid or used."""


def _count(value: object, what: str, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise _invalid(f"{what} is a whole number from 0 to {most}")
    return value


@dataclass(frozen=True, slots=True)
class ShareType:
    """A kind of co-op share: its nominal value (minor units of the pool's currency) and how many
    a member must hold: ``minimum``, or the class's own number in ``class_minimums``."""

    name: str
    nominal: int
    minimum: int = 0
    class_minimums: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        check_name(self.name, "share type")
        nominal = self.nominal
        if isinstance(nominal, bool) or not isinstance(nominal, int) or not 0 < nominal <= MAX_AMOUNT:
            raise _invalid(f"share type {self.name!r} needs a nominal value of at least one minor unit")
        _count(self.minimum, f"the minimum holding of share type {self.name!r}", MAX_MINIMUM)
        pairs = tuple(self.class_minimums.items()) if isinstance(self.class_minimums, Mapping) \
            else tuple(self.class_minimums)
        minimums: dict[str, int] = {}
        for pair in pairs:
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise _invalid("class minimums are pairs of a class and a number of shares")
            name, count = pair
            check_name(name, "member class")
            if name in minimums:
                raise _invalid(f"share type {self.name!r} names class {name!r} twice")
            minimums[name] = _count(count, f"the minimum holding of {self.name!r} for {name!r}",
                                    MAX_MINIMUM)
        object.__setattr__(self, "class_minimums", tuple(sorted(minimums.items())))
        if max(self.minimums(), default=0) * nominal > MAX_AMOUNT:
            raise _invalid(f"the minimum holding of share type {self.name!r} is too large")

    def minimums(self) -> tuple[int, ...]:
        """Every minimum this type sets (the general one first)."""
        return (self.minimum, *(count for _, count in self.class_minimums))

    def minimum_for(self, member_class: str | None) -> int:
        """How many shares of this type a member of ``member_class`` must hold."""
        return dict(self.class_minimums).get(member_class or "", self.minimum)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form; ``class_minimums`` only when there are any."""
        data: dict[str, Any] = {"name": self.name, "nominal": self.nominal, "minimum": self.minimum}
        if self.class_minimums:
            data["class_minimums"] = dict(self.class_minimums)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShareType:
        """Inverse of ``to_dict``."""
        minimums = get_field(data, "class_minimums", dict) if "class_minimums" in data else {}
        return cls(get_field(data, "name", str), get_field(data, "nominal", int),
                   get_field(data, "minimum", int), tuple(minimums.items()))


@dataclass(frozen=True, slots=True)
class BookingLimits:
    """Limits on members' bookings of the pool's assets (the defaults set none).

    ``hours_per_month``: the most hours one member may book one asset in a calendar month (UTC);
    0 is no limit. ``equal_turns``: a member holds at most one booking of an asset that has not
    ended; they book their next turn once it has.
    """

    hours_per_month: int = 0
    equal_turns: bool = False

    def __post_init__(self) -> None:
        _count(self.hours_per_month, "the monthly booking limit in hours", MAX_BOOKING_HOURS)
        if not isinstance(self.equal_turns, bool):
            raise _invalid("equal turns is true or false")

    @property
    def any(self) -> bool:
        """Whether any limit is set."""
        return bool(self.hours_per_month or self.equal_turns)


def check_coop_settings(
    member_classes: Iterable[str], class_majority: Iterable[Kind],
    share_types: Iterable[ShareType], surplus_measure: SurplusMeasure | None,
    booking_limits: BookingLimits,
) -> None:
    """Raise ``invalid_bylaws`` with a reason unless the co-op settings fit together."""
    if isinstance(member_classes, str) or isinstance(share_types, (str, ShareType)):
        raise _invalid("member classes and share types are lists")
    classes = tuple(member_classes)
    if len(classes) > MAX_CLASSES:
        raise _invalid(f"the bylaws declare at most {MAX_CLASSES} member classes")
    folded: set[str] = set()
    for name in classes:
        check_name(name, "member class")
        if name.casefold() in folded:
            raise _invalid(f"the member class {name!r} is declared twice")
        folded.add(name.casefold())
    kinds = tuple(class_majority)
    if any(not isinstance(kind, Kind) for kind in kinds):
        raise _invalid("class majority is set per kind of proposal")
    if kinds and not classes:
        raise _invalid("a majority in each member class needs member classes")
    if Kind.BUDGET_ROUND in kinds:
        raise _invalid("a budget round is shared out, not passed by a majority in each class")
    types = tuple(share_types)
    if len(types) > MAX_SHARE_TYPES:
        raise _invalid(f"the bylaws declare at most {MAX_SHARE_TYPES} share types")
    if any(not isinstance(t, ShareType) for t in types):
        raise _invalid("share types must be ShareType values")
    if len({t.name.casefold() for t in types}) != len(types):
        raise _invalid("each share type needs its own name")
    for share_type in types:
        for name, _ in share_type.class_minimums:
            if name not in classes:
                raise _invalid(f"share type {share_type.name!r} names {name!r}, which is not a "
                               "member class of these bylaws")
    if surplus_measure is not None and not isinstance(surplus_measure, SurplusMeasure):
        raise _invalid("a surplus is shared by contributions, patronage or equal shares")
    if not isinstance(booking_limits, BookingLimits):
        raise _invalid("booking limits must be BookingLimits")
