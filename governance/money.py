"""ISO 4217 currency codes, their minor units, and rendering of integer amounts."""

from __future__ import annotations

import re

from governance.errors import RuleViolation

__all__ = [
    "MAX_AMOUNT",
    "MINOR_UNITS",
    "check_amount",
    "check_currency",
    "format_money",
    "minor_units",
    "parse_amount",
]

_CODE = re.compile(r"^[A-Z]{3}$")
# Signed documents hold only integers JSON parsers keep exactly (RFC 8785 §3.2.2.3, I-JSON):
# the largest amount anything of ours books is 2^53 - 1 minor units.
MAX_AMOUNT = 2**53 - 1
# Text longer than this is refused before any conversion: the largest amount is 16 digits,
# a separator and up to 3 more (a few spare for leading zeros).
MAX_AMOUNT_TEXT = 24
# ASCII digits only (re.ASCII: no Arabic-Indic or full-width digits), at most one separator.
_AMOUNT = re.compile(r"([0-9]+)(?:[.,]([0-9]+))?", re.ASCII)

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


def _invalid(reason: str) -> RuleViolation:
    # A malformed amount is a malformed request (400), as an unsignable number is.
    return RuleViolation("invalid_amount", reason, status_hint=400)


def _too_large(currency: str) -> RuleViolation:
    return RuleViolation(
        "amount_too_large",
        f"the amount is too large: at most {format_money(MAX_AMOUNT, currency)}",
        status_hint=400,
    )


def parse_amount(text: str, currency: str, *, allow_zero: bool = False) -> int:
    """Integer minor units of an amount typed as ``12``, ``12.50`` or ``12,50``.

    The one parser of typed money (docs/GOVERNANCE.md, "Amounts"): ASCII digits, at most one
    decimal separator (``.`` or ``,``) followed by at most the currency's minor digits; no sign,
    exponent, underscore or grouping. The length is checked before any conversion, so no input
    costs more than a few microseconds. Raises ``invalid_amount`` or ``amount_too_large``.
    """
    exponent = minor_units(currency)
    example = "e.g. 30" if exponent == 0 else f"e.g. 30 or 12.{'5'.ljust(exponent, '0')}"
    raw = text.strip()
    if len(raw) > MAX_AMOUNT_TEXT:
        if raw.isascii() and raw.isdigit():
            raise _too_large(currency)
        raise _invalid(f"the amount is not a number of {currency} ({example})")
    match = _AMOUNT.fullmatch(raw)
    if match is None:
        raise _invalid(
            f"write the amount in {currency} with the digits 0-9 and at most one decimal point,"
            f" {example}"
        )
    whole, part = match[1], match[2] or ""
    if len(part) > exponent:
        detail = "has no minor unit" if exponent == 0 else f"has {exponent} decimals at most"
        raise _invalid(f"{currency} {detail} ({example})")
    amount = int(whole) * 10**exponent + int(part.ljust(exponent, "0") or "0")
    return check_amount(amount, currency, allow_zero=allow_zero)


def check_amount(amount: object, currency: str, *, allow_zero: bool = False) -> int:
    """``amount`` if it is a whole number of minor units within 1 (or 0)..MAX_AMOUNT, else raise."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise _invalid(
            f"the amount is a whole number of {currency} minor units, e.g."
            f" {10 ** minor_units(currency) * 12} for {format_money(10 ** minor_units(currency) * 12, currency)}",
        )
    if amount > MAX_AMOUNT:
        raise _too_large(currency)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise _invalid("the amount must be more than zero")
    return amount
