"""The legal particulars of the bylaws: the legal form a group files under, and what its legal
text needs (registered office, general meeting, board or stewards, liability, accounts,
dissolution). Plain values with their checks and JSON forms; :mod:`governance.render_legal`
writes them into the text. None of them touches a vote: every member still has exactly one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction
from typing import Any

from governance.codec import fraction_from_str, fraction_to_str, get_field
from governance.errors import RuleViolation
from governance.money import MAX_AMOUNT

__all__ = [
    "MAX_BOARD",
    "MAX_NOTICE_DAYS",
    "MAX_OFFICE",
    "Dissolution",
    "GoverningBody",
    "LegalForm",
    "LegalSettings",
]

MAX_OFFICE = 200
"""The longest registered office, in characters."""
MAX_NOTICE_DAYS = 90
"""The longest notice of a general meeting, in days."""
MAX_BOARD = 25
"""The largest board."""


class LegalForm(StrEnum):
    """The legal form the bylaws' text is written for."""

    GENERIC = "generic"
    """The co-op agreement of an unincorporated group."""
    US_LLC = "us_llc"
    """A US limited liability company's operating agreement with co-op provisions."""
    UK_COOP = "uk_coop"
    """Model rules of a UK co-operative society (Co-operative and Community Benefit Societies
    Act 2014)."""
    DE_EG = "de_eg"
    """The Satzung of a German registered co-operative, eingetragene Genossenschaft (GenG)."""


class GoverningBody(StrEnum):
    """Who runs the pool between general meetings."""

    STEWARDS = "stewards"
    """The stewards the members choose (the pool's own roles)."""
    BOARD = "board"
    """A board of a fixed number of members, elected by the general meeting."""


class Dissolution(StrEnum):
    """What happens to the assets left once debts and members' capital are paid."""

    DECIDED = "decided"
    """They go to a purpose the members decide when they dissolve the pool."""
    COOPERATIVE = "cooperative"
    """They go to another co-operative or a body with similar aims (an asset lock)."""
    MEMBERS = "members"
    """They are shared among the members in proportion to the shares they hold."""


def _invalid(reason: str) -> RuleViolation:
    return RuleViolation("invalid_bylaws", reason)


def _year_end(text: object) -> str:
    if not isinstance(text, str) or len(text) != 5 or text[2] != "-":
        raise _invalid("the financial year ends on a day written MM-DD, e.g. 12-31")
    try:
        # 2023 is not a leap year: a year end of 02-29 would not come every year.
        date(2023, int(text[:2]), int(text[3:]))
    except ValueError:
        raise _invalid(f"{text!r} is not a day of every year (MM-DD)") from None
    return text


@dataclass(frozen=True, slots=True)
class LegalSettings:
    """The legal form and the particulars its text needs; the defaults are today's agreement."""

    form: LegalForm = LegalForm.GENERIC
    registered_office: str = ""
    """Where the pool is registered (an address or a town); empty: not stated."""
    notice_days: int = 14
    """How many days' notice a general meeting is called with."""
    members_may_call: Fraction = Fraction(1, 10)
    """The share of members who may require a general meeting (0: only the board or stewards)."""
    governing_body: GoverningBody = GoverningBody.STEWARDS
    board_size: int = 3
    """How many members sit on the board (when the governing body is a board)."""
    extra_liability: int = 0
    """What a member may be called to pay beyond their shares, in minor units (0: liability is
    limited to the shares they hold)."""
    year_end: str = "12-31"
    """The last day of the financial year, MM-DD."""
    dissolution: Dissolution = Dissolution.DECIDED

    def __post_init__(self) -> None:
        if not isinstance(self.form, LegalForm):
            raise _invalid("the legal form is generic, us_llc, uk_coop or de_eg")
        office = self.registered_office
        if not isinstance(office, str) or office != office.strip() or len(office) > MAX_OFFICE:
            raise _invalid(f"the registered office is up to {MAX_OFFICE} characters of one line, "
                           "with no spaces around it")
        if any(unicodedata.category(c).startswith("C") for c in office):
            raise _invalid("the registered office holds a control character")
        _whole(self.notice_days, "the notice of a general meeting in days", 1, MAX_NOTICE_DAYS)
        share = self.members_may_call
        if not isinstance(share, Fraction) or not 0 <= share <= 1:
            raise _invalid("the share of members who may call a meeting is between 0 and 1")
        if not isinstance(self.governing_body, GoverningBody):
            raise _invalid("the pool is run by its stewards or by a board")
        _whole(self.board_size, "the size of the board", 1, MAX_BOARD)
        _whole(self.extra_liability, "the liability beyond shares", 0, MAX_AMOUNT)
        _year_end(self.year_end)
        if not isinstance(self.dissolution, Dissolution):
            raise _invalid("on dissolution what is left is decided, goes to a co-operative, "
                           "or is shared among the members")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "form": self.form.value,
            "registered_office": self.registered_office,
            "notice_days": self.notice_days,
            "members_may_call": fraction_to_str(self.members_may_call),
            "governing_body": self.governing_body.value,
            "board_size": self.board_size,
            "extra_liability": self.extra_liability,
            "year_end": self.year_end,
            "dissolution": self.dissolution.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LegalSettings:
        """Inverse of ``to_dict``; an absent key takes the default."""
        default = cls()
        values: dict[str, Any] = {}
        for key, kind, enum in (("form", str, LegalForm), ("governing_body", str, GoverningBody),
                                ("dissolution", str, Dissolution)):
            if key in data:
                raw = get_field(data, key, kind)
                if raw not in enum.__members__.values():
                    raise RuleViolation("invalid_document", f"unknown {key} {raw!r}")
                values[key] = enum(raw)
        for key in ("notice_days", "board_size", "extra_liability"):
            if key in data:
                values[key] = get_field(data, key, int)
        for key in ("registered_office", "year_end"):
            if key in data:
                values[key] = get_field(data, key, str)
        if "members_may_call" in data:
            values["members_may_call"] = fraction_from_str(get_field(data, "members_may_call", str))
        unknown = set(data) - set(default.to_dict())
        if unknown:
            raise RuleViolation("invalid_document", f"unknown legal settings {sorted(unknown)}")
        return cls(**values)


def _whole(value: object, what: str, least: int, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise _invalid(f"{what} is a whole number from {least} to {most}")
    return value
