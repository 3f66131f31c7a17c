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
from node.web.i18n import N_, current
from node.web.i18n import gettext as _
from node.web.localise import money
from node.web.reasons import translated

__all__ = ["CORE_REASONS", "amount_problem", "core_reason", "refusal", "sentence"]

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


# The core's refusals a person can meet in the browser, word for word as governance/ writes
# them (tests/web/test_i18n.py checks they are still there): each is a catalog entry, so the
# reader gets it in their language. Others keep the core's English, framed in theirs.
CORE_REASONS = (
    N_("choose at most one option"),
    N_("an option may appear only once"),
    N_("only members when the proposal opened may vote on it"),
    N_("the proposal was not open yet"),
    N_("the proposal is closed"),
    N_("answer agree, abstain, disagree or block"),
    N_("budget rounds take allocations, not ballots"),
    N_("the minimum goal cannot exceed the maximum"),
    N_("only electors of this round take part"),
    N_("the budget round is not open"),
    N_("another bucket has this id"),
    N_("there is no such bucket"),
    N_("allocations are non-negative integers"),
    N_("that is more than your allowance in this round"),
    N_("the budget round has not closed yet"),
    N_("goals are positive integer minor units (at most 2^53 - 1)"),
    N_("in this pool only stewards propose buckets"),
    N_("the time to propose buckets in this round is over"),
    N_("'more than 1/1' can never be met; use 'at least 1/1' for unanimity"),
    N_("'at least 0' would pass with no support; use 'more than 0'"),
    N_("the pool needs a name"),
    N_("minimum share cannot be negative"),
    N_("voting period must be positive"),
    N_("the wait for funds must be positive"),
    N_("the commitment lapse cannot be negative"),
    N_("bylaws changes need a threshold at least as strict as decisions"),
    N_("quorum must be a fraction between 0 and 1"),
    N_("threshold must be between 0 and 1"),
    N_("nothing was pledged"),
    N_("the pool's share is committed already"),
    N_("double majority applies to consent proposals"),
    N_("only a treasurer may record this"),
    N_("only applicants and members contribute capital"),
    N_("only a disbursement proposal can be booked"),
    N_("the disbursement proposal did not pass"),
    N_("more than the approved amount would be committed"),
    N_("a payment needs a reference"),
    N_("more than the commitment still holds would be paid"),
    N_("only a disbursement proposal can be paid"),
    N_("more than the commitment still holds would be released"),
    N_("these bylaws keep commitments until a treasurer releases them"),
    N_("the commitment has not lapsed yet"),
    N_("the commitment holds nothing"),
    N_("capital is refunded after leaving"),
    N_("this person has no capital in the pool"),
    N_("the pool owes this person nothing"),
    N_("the decision is not about this person"),
    N_("the proposal did not pass"),
    N_("that person is already a member"),
    N_("that person has already applied"),
    N_("only a treasurer may confirm payments"),
    N_("a payment must be a positive integer amount"),
    N_("only an applicant can be admitted"),
    N_("the minimum share has not been paid"),
    N_("admission is decided by a member vote"),
    N_("only a steward may turn an application down"),
    N_("only an applicant can be turned down"),
    N_("membership itself is ended by leave or expel"),
    N_("only a steward may admit members"),
    N_("the amount must be more than zero"),
    N_("only a member may open a proposal"),
    N_("a bylaws change cannot change the currency"),
    N_("only a member can be expelled"),
    N_("only a member can hold a role"),
    N_("a role change grants or revokes"),
    N_("a choice needs at least two options"),
    N_("options must be distinct"),
    N_("options must be non-empty text"),
)
_KNOWN = frozenset(CORE_REASONS)


def core_reason(exc: GovernanceError | NodeError) -> str:
    """The reason of a refusal in the reader's language, as the core words it (lower case);
    the node's own sentences are looked up in node.web.reasons."""
    if exc.reason in _KNOWN:
        return _(exc.reason)
    found = translated(exc.reason)
    if found is not None or current().is_source:
        return found or exc.reason
    return _("the pool refused this: %(reason)s", reason=exc.reason)


def refusal(exc: GovernanceError | NodeError) -> str:
    """A refusal from the pool as a sentence in the reader's language."""
    return sentence(core_reason(exc))
