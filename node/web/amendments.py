"""Proposing a change to the bylaws in the browser, and showing what one would change.

The proposals form offers a third kind, ``bylaws_change``: it is prefilled with the bylaws in
force, read here into a governance ``Bylaws`` (validated by the core, exact fractions and
integer money) and sent as the ``proposedBylaws`` of the member's own ``Create(Proposal)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from aiohttp import web

from governance import (
    AdmissionPolicy,
    Bylaws,
    BylawsChange,
    GovernanceError,
    OutsideReplies,
    Proposal,
    Threshold,
    Visibility,
)
from governance.bylaws import Comparator
from governance.money import parse_amount
from node.appkeys import ACTORS
from node.pools import load_bylaws
from node.storage import ActorRecord
from node.web.bylaws_words import fraction_words, threshold_words
from node.web.class_rules import class_defaults, class_rows, read_class_rules
from node.web.formats import (
    money_input,
    parse_period,
    parse_share,
    period_input,
    share_input,
)
from node.web.i18n import N_
from node.web.i18n import gettext as _
from node.web.legal_rules import legal_defaults, legal_rows, read_legal_rules
from node.web.localise import money
from node.web.refusals import amount_problem, sentence
from node.web.round_rules import read_round_rules, round_defaults, round_rows
from node.web.share_rules import read_share_rules, share_defaults, share_rows
from node.web.wizard import ADMISSIONS

__all__ = [
    "COMPARATORS", "FIELDS", "OUTSIDE_REPLIES", "VISIBILITIES", "BylawsRow", "bylaws_changes", "bylaws_draft", "compare", "form_defaults",
    "read_bylaws_form",
]

FIELDS = ("new_threshold_comparator", "new_threshold", "new_quorum", "new_voting_period",
          "new_admission", "new_min_share", "new_block_vetoes", "new_amendment_comparator",
          "new_amendment_threshold", "new_visibility", "new_funding_wait", "new_commitment_lapse",
          "new_outside_replies")
COMPARATORS = [(Comparator.MORE_THAN.value, N_("more than")), (Comparator.AT_LEAST.value, N_("at least"))]
VISIBILITIES = [
    (Visibility.PUBLIC.value, N_("Public: anyone may read the pool's proposals, ballots, ledger and members")),
    (Visibility.MEMBERS.value, N_("Members only: the record is shown to members and to the pools of its floods")),
]
OUTSIDE_REPLIES = [
    (OutsideReplies.COLLAPSED.value, N_("kept, shown folded away")),
    (OutsideReplies.REFUSED.value, N_("refused, and the sender told why")),
    (OutsideReplies.SHOWN.value, N_("shown like members'")),
]
_LONGEST_WAIT = timedelta(days=10 * 366)  # the bylaws' own bound (governance/bylaws.py)


@dataclass(frozen=True, slots=True)
class BylawsRow:
    """One variable of the bylaws: its value now and the value a proposal asks for."""

    label: str
    now: str
    proposed: str

    @property
    def changed(self) -> bool:
        """Whether the proposal changes this value."""
        return self.now != self.proposed


def form_defaults(bylaws: Bylaws) -> dict[str, str]:
    """The bylaws-change fields prefilled with the bylaws in force."""
    return {
        "new_threshold_comparator": bylaws.threshold.comparator.value,
        "new_threshold": share_input(bylaws.threshold.fraction),
        "new_quorum": share_input(bylaws.quorum),
        "new_voting_period": period_input(bylaws.voting_period),
        "new_admission": bylaws.admission.value,
        "new_min_share": money_input(bylaws.min_share, bylaws.currency),
        "new_block_vetoes": "on" if bylaws.block_vetoes else "",
        "new_amendment_comparator": bylaws.amendment_threshold.comparator.value,
        "new_amendment_threshold": share_input(bylaws.amendment_threshold.fraction),
        "new_visibility": bylaws.visibility.value,
        "new_funding_wait": period_input(bylaws.funding_wait),
        "new_commitment_lapse": period_input(bylaws.commitment_lapse) if bylaws.commitment_lapse else "",
        "new_outside_replies": bylaws.outside_replies.value,
        **round_defaults(bylaws),
        **class_defaults(bylaws),
        **legal_defaults(bylaws),
        **share_defaults(bylaws),
    }


def _threshold(comparator: str, raw: str, field: str, errors: dict[str, str]) -> Threshold | None:
    share = parse_share(raw)
    if share is None:
        errors[field] = _("Write a fraction such as 2/3, a percentage such as 60% or a decimal "
                          "such as 0.5, between 0 and 1 (0% and 100%).")
        return None
    if comparator not in {value for value, _label in COMPARATORS}:
        errors[field] = _("Choose 'more than' or 'at least'.")
        return None
    try:
        return Threshold(Comparator(comparator), share)
    except GovernanceError as exc:
        errors[field] = sentence(exc.reason)
        return None


def read_bylaws_form(form: Mapping[str, Any], current: Bylaws) -> tuple[Bylaws | None, dict[str, str], dict[str, str]]:
    """The bylaws a member typed (name, purpose and currency stay), field errors, and the raw values."""
    values = {key: str(form.get(key, "")).strip() for key in FIELDS}
    errors: dict[str, str] = {}
    threshold = _threshold(values["new_threshold_comparator"], values["new_threshold"],
                           "new_threshold", errors)
    amendment = _threshold(values["new_amendment_comparator"], values["new_amendment_threshold"],
                           "new_amendment_threshold", errors)
    quorum = parse_share(values["new_quorum"])
    if quorum is None:
        errors["new_quorum"] = _("Write a fraction such as 2/3, a percentage such as 60% or a "
                                 "decimal such as 0.5 of the members, between 0 and 1.")
    period = parse_period(values["new_voting_period"])
    if period is None:
        errors["new_voting_period"] = _(
            "Say how long voting lasts, e.g. 7 days, 36 hours or 1 day 12 hours (at most 366 days)."
        )
    if values["new_admission"] not in {value for value, _label, _help in ADMISSIONS}:
        errors["new_admission"] = _("Choose how new members are admitted.")
    min_share: int | None = None
    try:
        min_share = parse_amount(values["new_min_share"] or "0", current.currency, allow_zero=True)
    except GovernanceError as exc:
        errors["new_min_share"] = _("%(problem)s (0 for no minimum share)", problem=amount_problem(
            values["new_min_share"], exc, current.currency))
    if values["new_block_vetoes"] not in ("", "on"):
        errors["new_block_vetoes"] = _("Tick the box or leave it empty.")
    # A form from before the setting existed sends none: the visibility in force stays.
    values["new_visibility"] = values["new_visibility"] or current.visibility.value
    if values["new_visibility"] not in {value for value, _label in VISIBILITIES}:
        errors["new_visibility"] = _("Choose who may read the pool's record: public or members only.")
    values["new_outside_replies"] = values["new_outside_replies"] or current.outside_replies.value
    if values["new_outside_replies"] not in {value for value, _label in OUTSIDE_REPLIES}:
        errors["new_outside_replies"] = _("Choose what becomes of replies from people who are not members.")
    # Forms from before these settings existed send none: the values in force stay.
    funding_wait: timedelta | None = current.funding_wait
    if values["new_funding_wait"]:
        funding_wait = parse_period(values["new_funding_wait"], _LONGEST_WAIT)
        if funding_wait is None:
            errors["new_funding_wait"] = _(
                "Say how long a passed spending decision waits for funds, e.g. 90 days (at most "
                "ten years).")
    else:
        values["new_funding_wait"] = period_input(current.funding_wait)
    lapse: timedelta | None = timedelta(0)
    if values["new_commitment_lapse"] not in ("", "0", "never"):
        lapse = parse_period(values["new_commitment_lapse"], _LONGEST_WAIT)
        if lapse is None:
            errors["new_commitment_lapse"] = _(
                "Say how long approved money stays set aside, e.g. 180 days, or leave it empty "
                "to keep it until a treasurer releases it (at most ten years).")
    elif "new_commitment_lapse" not in form:
        lapse = current.commitment_lapse
    rounds = read_round_rules(form, current, values, errors)
    rounds.update(read_class_rules(form, current, values, errors))
    rounds.update(read_legal_rules(form, current, values, errors))
    rounds.update(read_share_rules(form, current, values, errors))
    if errors:
        return None, errors, values
    assert threshold is not None and amendment is not None and quorum is not None
    assert funding_wait is not None and lapse is not None
    assert period is not None and min_share is not None
    try:
        proposed = replace(
            current, threshold=threshold, quorum=quorum, voting_period=period,
            admission=AdmissionPolicy(values["new_admission"]), min_share=min_share,
            block_vetoes=values["new_block_vetoes"] == "on", amendment_threshold=amendment,
            visibility=Visibility(values["new_visibility"]), funding_wait=funding_wait,
            commitment_lapse=lapse, outside_replies=OutsideReplies(values["new_outside_replies"]),
            **rounds,
        )
    except GovernanceError as exc:
        field = ("new_amendment_threshold" if "amendment" in exc.reason else "new_share_types"
                 if "share type" in exc.reason else "new_member_classes"
                 if "class" in exc.reason else "bylaws")
        errors[field] = sentence(exc.reason)
        return None, errors, values
    if proposed == current:
        errors["bylaws"] = _("These are the bylaws in force: change at least one value.")
        return None, errors, values
    return proposed, errors, values


def bylaws_draft(form: Mapping[str, Any], current: Bylaws, values: dict[str, str],
                 errors: dict[str, str]) -> dict[str, Any]:
    """The draft's fields for a bylaws change; typed values go into ``values``, problems into ``errors``."""
    proposed, problems, typed = read_bylaws_form(form, current)
    values.update(typed)
    errors.update(problems)
    if values.get("text"):
        errors["text"] = _("A bylaws change carries only its title and the new values: leave this "
                           "empty and say why in the title, or make a decision proposal instead.")
    if proposed is None:
        return {"proposalKind": "bylaws_change"}
    return {"proposalKind": "bylaws_change", "proposedBylaws": proposed.to_dict()}


def _rows(bylaws: Bylaws) -> list[tuple[str, str]]:
    admission = {value: label for value, label, _help in ADMISSIONS}
    return [
        (_("A proposal passes with"), _("%(threshold)s of the votes cast",
                                        threshold=threshold_words(bylaws.threshold))),
        (_("Quorum"), _("%(share)s of the members take part", share=fraction_words(bylaws.quorum))),
        (_("Voting lasts"), period_input(bylaws.voting_period)),
        (_("New members"), _(admission[bylaws.admission.value])),
        (_("Minimum share"), money(bylaws.min_share, bylaws.currency)),
        (_("A single block vetoes"), _("yes") if bylaws.block_vetoes else _("no")),
        (_("Changing the bylaws needs"), _("%(threshold)s of the votes cast",
                                           threshold=threshold_words(bylaws.amendment_threshold))),
        (_("Who may read the record"), _("anyone") if bylaws.visibility is Visibility.PUBLIC
         else _("members and the pools of its floods")),
        (_("A passed spending decision waits for funds"), period_input(bylaws.funding_wait)),
        (_("Approved money not paid out returns to the fund after"),
         period_input(bylaws.commitment_lapse) if bylaws.commitment_lapse
         else _("never (a treasurer releases it)")),
        (_("Replies from people who are not members are"),
         _(dict(OUTSIDE_REPLIES)[bylaws.outside_replies.value])),
        *round_rows(bylaws),
        *class_rows(bylaws),
        *legal_rows(bylaws),
        *share_rows(bylaws),
    ]


def compare(now: Bylaws, proposed: Bylaws) -> list[BylawsRow]:
    """Every variable, in force now and as proposed."""
    return [BylawsRow(label, old, new) for (label, old), (_label, new) in zip(_rows(now), _rows(proposed), strict=True)]


async def bylaws_changes(app: web.Application, pool: ActorRecord, proposal: Proposal) -> list[BylawsRow]:
    """For a bylaws change, its values next to the bylaws in force; [] for other proposals."""
    if not isinstance(proposal.motion, BylawsChange):
        return []
    return compare(await load_bylaws(app[ACTORS], pool), proposal.motion.bylaws)

