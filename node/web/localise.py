"""Money and numbers written the reader's way, by Babel (CLDR) for the request's language.

Money stays integer minor units everywhere; only here, at display, it becomes text:
``money(123450, "EUR")`` is "EUR 1,234.50" in English and "1234,50 EUR" in Spanish. The
currency is shown by its ISO code, never a symbol ("$" is many currencies), and with the
decimals ISO 4217 gives it (``governance.money.minor_units``), so a pool's amounts read the
same on every page. The number itself is exact: a ``Decimal`` made from the integer.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent

from governance.money import minor_units
from node.web.i18n import current

__all__ = ["money", "number", "percent"]

_NUMBER = re.compile(r"[#0,.]+")


@lru_cache(maxsize=256)
def _pattern(locale: Locale, decimals: int) -> str:
    """The locale's currency pattern with the ISO code (¤¤) and exactly ``decimals`` decimals."""
    standard = str(locale.currency_formats["standard"].pattern).split(";")[0]
    match = _NUMBER.search(standard)
    assert match is not None, standard
    whole = match[0].split(".")[0]
    digits = whole + ("." + "0" * decimals if decimals else "")
    prefix, suffix = standard[:match.start()], standard[match.end():]
    prefix, suffix = prefix.replace("¤", "¤¤"), suffix.replace("¤", "¤¤")
    # A code needs a space where a symbol would sit against the digits ("EUR 5", not "EUR5").
    if prefix.endswith("¤¤"):
        prefix += " "
    if suffix.startswith("¤¤"):
        suffix = "\xa0" + suffix
    return prefix + digits + suffix


def money(amount: int, currency: str) -> str:
    """Integer minor units as the reader writes money: "EUR 1,234.50", "1234,50 EUR"."""
    decimals = minor_units(currency)
    value = Decimal(amount).scaleb(-decimals)
    locale = current().formats
    return format_currency(value, currency, format=_pattern(locale, decimals), locale=locale,
                           currency_digits=False)


def number(value: int) -> str:
    """A whole number with the reader's grouping: "12,500", "12.500"."""
    return format_decimal(value, locale=current().formats)


def percent(value: Fraction | int) -> str:
    """A share as a whole percentage in the reader's style: "67%", "67 %"."""
    exact = Fraction(value)
    return format_percent(Decimal(exact.numerator) / Decimal(exact.denominator),
                          locale=current().formats)
