"""The "Create a pool" form: plain-language choices turned into validated governance Bylaws."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction

from federation.one_line import as_one_line
from governance import AdmissionPolicy, Bylaws, GovernanceError, Kind, Threshold
from governance.money import parse_amount
from node.web.formats import parse_period
from node.web.i18n import N_
from node.web.i18n import gettext as _
from node.web.legal_form import LEGAL_FIELDS, parse_legal
from node.web.refusals import amount_problem, sentence
from node.web.share_rules import share_types_from_text, surplus_measure_from

__all__ = [
    "ADMISSIONS",
    "CLASS_MAJORITY_CHOICES",
    "CURRENCIES",
    "QUORUMS",
    "THRESHOLDS",
    "PoolForm",
    "parse_pool_form",
    "suggest_handle",
    "username_rule",
]

# (value, label, explanation): what each choice means for the members. The texts are English
# catalog entries, shown in the reader's language where the form is rendered.
THRESHOLDS = [
    ("more_than:1/2", N_("Simple majority (more than half)"),
     N_("A proposal passes when more people agree than disagree.")),
    ("at_least:2/3", N_("Two thirds"), N_("At least two agreeing for every one against: broad support.")),
    ("at_least:3/4", N_("Three quarters"), N_("Only clearly popular proposals pass.")),
    ("at_least:1/1", N_("Everyone (unanimity)"), N_("A single vote against stops a proposal.")),
]
QUORUMS = [
    ("0", N_("No quorum"), N_("Decisions stand however few members vote.")),
    ("1/4", N_("A quarter of the members"), N_("Good for larger, looser groups.")),
    ("1/3", N_("A third of the members"), ""),
    ("1/2", N_("Half of the members"), N_("The usual choice for clubs.")),
    ("2/3", N_("Two thirds of the members"), N_("For small groups where everyone should take part.")),
]
ADMISSIONS = [
    (AdmissionPolicy.OPEN.value, N_("Open"), N_("Anyone who asks to join (and pays the minimum share) is in.")),
    (AdmissionPolicy.STEWARD.value, N_("A steward admits"),
     N_("A steward, chosen by the members, lets new people in.")),
    (AdmissionPolicy.VOTE.value, N_("The members vote"),
     N_("Each new member is admitted by a proposal the members vote on.")),
]
CURRENCIES = ["EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CAD", "AUD", "JPY"]
_DEFAULT_AMENDMENT = Threshold.at_least(Fraction(2, 3))
_LONGEST_VOTE = timedelta(days=90)


@dataclass
class PoolForm:
    """What was typed into the form, the errors by field, and the bylaws when it is valid."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    handle: str = ""
    bylaws: Bylaws | None = None


def username_rule() -> str:
    """What a username (or a pool's web address name) may be, in the reader's language; the
    same rule as ``node.urls.USERNAME_RULE``."""
    return _("1 to 30 characters: lowercase letters, digits and underscores")


def suggest_handle(name: str) -> str:
    """A URL name from a display name: 'Green Allotment!' -> 'green_allotment'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:30]


def _threshold(raw: str) -> Threshold | None:
    comparator, _sep, fraction = raw.partition(":")
    if raw not in {value for value, _label, _help in THRESHOLDS}:
        return None
    value = Fraction(fraction)
    return Threshold.more_than(value) if comparator == "more_than" else Threshold.at_least(value)


def parse_pool_form(form: Mapping[str, str]) -> PoolForm:
    """Check every field, then let governance ``Bylaws`` validate the whole; nothing is stored."""
    keys = ("name", "handle", "purpose", "currency", "threshold", "quorum", "admission",
            "min_share", "voting_days", "member_classes", "founder_class", "share_types",
            "surplus_measure")
    values = {key: str(form.get(key, "")).strip() for key in keys}
    values["class_majority"] = ",".join(
        kind for kind, _label in CLASS_MAJORITY_CHOICES if form.get("class_majority_" + kind))
    values["name"] = as_one_line(values["name"])  # one line, as a browser sends a text input
    result = PoolForm(values)
    errors = result.errors
    name = values["name"]
    if not name:
        errors["name"] = _("Give the pool a name, e.g. 'Green Street Garden'.")
    elif len(name) > 80:
        errors["name"] = _("Keep the name under 80 characters.")
    handle = values["handle"].lower() or suggest_handle(name)
    if name and not re.fullmatch(r"[a-z0-9_]{1,30}", handle):
        errors["handle"] = _("The web address name must be %(rule)s.", rule=username_rule())
    result.handle = handle
    if len(values["purpose"]) > 2000:
        errors["purpose"] = _("Keep the purpose under 2000 characters.")
    currency = values["currency"].upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors["currency"] = _("Choose a currency: a three-letter code such as EUR.")
    threshold = _threshold(values["threshold"])
    if threshold is None:
        errors["threshold"] = _("Choose how much support a proposal needs.")
    quorum_choices = {value for value, _label, _help in QUORUMS}
    if values["quorum"] not in quorum_choices:
        errors["quorum"] = _("Choose how many members must take part.")
    if values["admission"] not in {value for value, _label, _help in ADMISSIONS}:
        errors["admission"] = _("Choose how new members are admitted.")
    min_share = None
    if "currency" not in errors:
        try:
            min_share = parse_amount(values["min_share"] or "0", currency, allow_zero=True)
        except GovernanceError as exc:
            errors["min_share"] = _("%(problem)s (0 for no minimum share)", problem=amount_problem(
                values["min_share"], exc, currency))
    # A number of days, or a period as the bylaws-change form takes it ("36 hours", "90 seconds").
    period = parse_period(values["voting_days"] or "7", _LONGEST_VOTE)
    if period is None:
        errors["voting_days"] = _("Voting lasts between 1 second and 90 days: give a number of days, "
                                  "or a period such as 36 hours.")
    classes = _member_classes(values, errors)
    legal = parse_legal(form, None if "currency" in errors else currency, errors)
    values.update({key: str(form.get(key, "")).strip() for key in LEGAL_FIELDS})
    share_types = share_types_from_text(values["share_types"], currency, "share_types", errors) \
        if "currency" not in errors else ()
    measure = surplus_measure_from(values["surplus_measure"], "surplus_measure", errors)
    if errors:
        return result
    assert threshold is not None and min_share is not None and period is not None
    assert legal is not None
    amendment = max(_DEFAULT_AMENDMENT, threshold, key=Threshold.strictness)
    try:
        result.bylaws = Bylaws(
            name=name,
            purpose=values["purpose"],
            currency=currency,
            min_share=min_share,
            threshold=threshold,
            quorum=Fraction(values["quorum"]),
            voting_period=period,
            admission=AdmissionPolicy(values["admission"]),
            amendment_threshold=amendment,
            member_classes=classes,
            class_majority=frozenset(Kind(k) for k in values["class_majority"].split(",") if k),
            legal=legal,
            share_types=share_types, surplus_measure=measure,
        )
    except GovernanceError as exc:
        errors["share_types" if "share type" in exc.reason else "member_classes"
               if exc.code == "invalid_bylaws" and (classes or values["class_majority"])
               else "form"] = sentence(exc.reason)
    return result


# Kinds of proposal the wizard offers to need a majority in each member class as well.
CLASS_MAJORITY_CHOICES = [
    ("decision", N_("Decisions")),
    ("disbursement", N_("Spending from the fund")),
    ("bylaws_change", N_("Changes to the bylaws")),
    ("admission", N_("Admitting members")),
    ("expulsion", N_("Expelling members")),
    ("role_change", N_("Giving or taking away a role")),
    ("surplus", N_("Sharing a surplus")),
]
_MAX_CLASSES_TEXT = 400


def _member_classes(values: Mapping[str, str], errors: dict[str, str]) -> tuple[str, ...]:
    """The classes typed (comma-separated), checked; the founder's class must be one of them."""
    text = values["member_classes"]
    if len(text) > _MAX_CLASSES_TEXT:
        errors["member_classes"] = _("Keep the list of classes under %(n)d characters.",
                                     n=_MAX_CLASSES_TEXT)
        return ()
    classes = tuple(name.strip() for name in text.split(",") if name.strip())
    if classes and values["founder_class"] not in classes:
        errors["founder_class"] = _("Choose your own class: one of the classes you listed.")
    elif values["founder_class"] and not classes:
        errors["founder_class"] = _("List the member classes first, or leave your class empty.")
    if values["class_majority"] and not classes:
        errors["member_classes"] = _("A majority in each class needs member classes: list them.")
    return classes
