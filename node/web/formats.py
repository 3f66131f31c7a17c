"""Reading and writing the numbers people type: money, shares (2/3, 66%, 0.5) and durations.

Everything is exact: money becomes integer minor units (``governance.money.parse_amount``), shares become ``Fraction``s; a float
never appears, so what is signed and tallied is what the member typed. Durations are written in
the reader's language ("7 days", "7 días") and read in it or in English.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from fractions import Fraction

from governance.money import minor_units
from node.web.i18n import ngettext

__all__ = ["money_input", "parse_period", "parse_share", "period_input", "share_input"]

_FRACTION = re.compile(r"([0-9]{1,9})\s*/\s*([0-9]{1,9})")
_PERCENT = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,6})?)\s*%")
_DECIMAL = re.compile(r"[0-9](?:\.[0-9]{1,9})?|\.[0-9]{1,9}")
_UNITS = {"d": 86400, "day": 86400, "days": 86400, "h": 3600, "hour": 3600, "hours": 3600,
          "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
          "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1}
_PART = re.compile(r"([0-9]{1,7})\s*([^\W\d_]+)")
_SPANS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
MAX_PERIOD = timedelta(days=366)


def money_input(amount: int, currency: str) -> str:
    """Minor units as a form value: 2500 EUR -> ``25.00``."""
    exponent = minor_units(currency)
    if exponent == 0:
        return str(amount)
    whole, part = divmod(amount, 10**exponent)
    return f"{whole}.{part:0{exponent}d}"


def parse_share(raw: str) -> Fraction | None:
    """A share of members or votes: ``2/3``, ``66.5%`` or ``0.5``, exactly; None if unusable."""
    text = raw.strip()
    if match := _FRACTION.fullmatch(text):
        if int(match[2]) == 0:
            return None
        value = Fraction(int(match[1]), int(match[2]))
    elif match := _PERCENT.fullmatch(text):
        value = Fraction(match[1]) / 100
    elif _DECIMAL.fullmatch(text):
        value = Fraction(text)
    else:
        return None
    return value if 0 <= value <= 1 else None


def share_input(value: Fraction) -> str:
    """A share as a form value: ``1/2``, ``0`` or ``1``."""
    return str(value)


def parse_period(raw: str, longest: timedelta = MAX_PERIOD) -> timedelta | None:
    """A period: ``7`` (days), ``7 days``, ``36 hours``, ``1 day 12 hours``, ``90 minutes``;
    None unless it is positive and at most ``longest`` (a voting period's bound by default)."""
    text = _plain(raw.strip()[:200].lower().replace(",", " "))
    if re.fullmatch(r"[0-9]{1,4}", text):
        text += " days"
    units = {**_UNITS, **_local_units()}
    seconds, position = 0, 0
    for match in _PART.finditer(text):
        if text[position:match.start()].strip() not in ("", *_AND):
            return None
        unit = units.get(match[2])
        if unit is None:
            return None
        seconds += int(match[1]) * unit
        position = match.end()
    if position == 0 or text[position:].strip():
        return None
    period = timedelta(seconds=seconds)
    return period if timedelta(0) < period <= longest else None


_AND = ("and", "y", "e")  # "1 day and 12 hours", "1 día y 12 horas"


def _plain(text: str) -> str:
    """Without accents, so that "dias" reads as "días"."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _unit_words(name: str, count: int) -> str:
    if name == "day":
        return ngettext("%(num)d day", "%(num)d days", count)
    if name == "hour":
        return ngettext("%(num)d hour", "%(num)d hours", count)
    if name == "minute":
        return ngettext("%(num)d minute", "%(num)d minutes", count)
    return ngettext("%(num)d second", "%(num)d seconds", count)


def _local_units() -> dict[str, int]:
    """The reader's words for the units, singular and plural, as the catalog writes them."""
    units = {}
    for name, size in _SPANS:
        for count in (1, 2, 5):
            match = _PART.fullmatch(_plain(_unit_words(name, count).lower()).strip())
            if match is not None:
                units[match[2]] = size
    return units


def period_input(period: timedelta) -> str:
    """A voting period as a form value and in words: ``7 days``, ``1 day 12 hours``, ``15 seconds``."""
    remaining = int(period.total_seconds())
    parts = []
    for name, size in _SPANS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(_unit_words(name, count))
    return " ".join(parts) or _unit_words("second", 0)
