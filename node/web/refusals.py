"""The core's refusals in the reader's language.

``governance`` is pure and speaks English: its errors carry a stable ``code`` and an English
``reason``. At the edge, the web app turns the refusals a form can meet into sentences from the
catalog; a refusal it does not know keeps the core's words, framed in the reader's language.
Amounts typed into a form get the reason in full, from what was typed.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_decimal

from governance import GovernanceError
from governance.money import MAX_AMOUNT, minor_units
from node.errors import NodeError
from node.web.i18n import current
from node.web.i18n import gettext as _
from node.web.localise import money

__all__ = ["amount_problem", "refusal", "sentence"]

_TYPED = re.compile(r"\s*[0-9]+(?:[.,]([0-9]+))?\s*", re.ASCII)


def sentence(reason: str) -> str:
    """A reason as a sentence: capital first letter, full stop."""
    text = reason.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _example(currency: str) -> str:
    decimals = minor_units(currency)
    if not decimals:
        return "30"
    cents = format_decimal(Decimal("12.5"), format="0." + "0" * decimals, locale=current().formats)
    return _("30 or %(decimal)s", decimal=cents)


def amount_problem(typed: str, exc: GovernanceError, currency: str) -> str:
    """Why ``typed`` is not an amount of ``currency`` (the core refused it with ``exc``)."""
    if exc.code == "amount_too_large":
        return _("The amount is too large: at most %(amount)s.", amount=money(MAX_AMOUNT, currency))
    decimals = minor_units(currency)
    example = _example(currency)
    match = _TYPED.fullmatch(typed) if len(typed) < 64 else None
    if match is None:
        return _("Write the amount in %(currency)s with the digits 0-9 and at most one decimal "
                 "point, e.g. %(example)s.", currency=currency, example=example)
    if match[1] is not None and len(match[1]) > decimals:
        if not decimals:
            return _("%(currency)s has no minor unit: write a whole amount, e.g. %(example)s.",
                     currency=currency, example=example)
        return _("%(currency)s has %(decimals)d decimals at most, e.g. %(example)s.",
                 currency=currency, decimals=decimals, example=example)
    return _("The amount must be more than zero.")


_KNOWN = {
    "overdraft": lambda: _("The fund does not have that much free money."),
    "exceeds_approved": lambda: _("That is more than the members approved."),
    "nothing_to_release": lambda: _("There is nothing left to release."),
    "nothing_to_refund": lambda: _("There is nothing to refund."),
    "not_a_member": lambda: _("Only members of this pool can do that."),
    "currency_mismatch": lambda: _("The amount is not in the pool's currency."),
    "share_unpaid": lambda: _("The minimum share is not paid yet."),
    "still_member": lambda: _("That person is still a member."),
}


def refusal(exc: GovernanceError | NodeError) -> str:
    """A refusal from the pool as a sentence in the reader's language (in English, the core's
    own words, which are the most precise)."""
    if current().is_source:
        return sentence(exc.reason)
    code = getattr(exc, "code", None)
    known = _KNOWN.get(code) if isinstance(code, str) else None
    if known is not None:
        return known()
    return _("The pool refused this: %(reason)s", reason=sentence(exc.reason))
