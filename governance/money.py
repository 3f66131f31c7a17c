"""ISO 4217 currency codes, their minor units, and rendering of integer amounts."""

from __future__ import annotations

import re

from governance.errors import RuleViolation

__all__ = ["MINOR_UNITS", "check_currency", "format_money", "minor_units"]

_CODE = re.compile(r"^[A-Z]{3}$")

# Exponents from ISO 4217 for the currencies pools are likely to use; any other well-formed
# code renders with 2 decimals (the most common exponent).
MINOR_UNITS: dict[str, int] = {
    **{code: 2 for code in (
        "EUR", "USD", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK",
        "HUF", "RON", "BGN", "TRY", "INR", "BRL", "MXN", "ARS", "CNY", "HKD", "SGD", "ZAR",
        "ILS", "UAH", "PHP", "THB", "MYR", "IDR", "NGN", "KES", "EGP", "MAD", "COP", "PEN",
    )},
    **{code: 0 for code in ("JPY", "KRW", "ISK", "CLP", "VND", "PYG", "UGX", "XOF", "XAF")},
    **{code: 3 for code in ("BHD", "KWD", "OMR", "JOD", "TND", "LYD", "IQD")},
}


def check_currency(code: str) -> str:
    """Return ``code`` if it is three upper-case ASCII letters, else raise ``invalid_currency``."""
    if not isinstance(code, str) or _CODE.match(code) is None:
        raise RuleViolation("invalid_currency", "currency must be an ISO 4217 code (3 letters A-Z)")
    return code


def minor_units(code: str) -> int:
    """Number of decimals of the currency's minor unit (2 when unknown)."""
    return MINOR_UNITS.get(check_currency(code), 2)


def format_money(amount: int, currency: str) -> str:
    """Render integer minor units as e.g. ``"EUR 25.00"`` or ``"JPY 500"``."""
    exponent = minor_units(currency)
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 10**exponent)
    if exponent == 0:
        return f"{currency} {sign}{whole}"
    return f"{currency} {sign}{whole}.{part:0{exponent}d}"
