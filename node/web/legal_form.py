"""The legal-form fields of the wizard and the bylaws-change form: the choices, each explained,
and the parse of what was typed into governance ``LegalSettings`` (nothing is stored here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from governance import GovernanceError
from governance.legal import (
    MAX_BOARD,
    MAX_NOTICE_DAYS,
    MAX_OFFICE,
    Dissolution,
    GoverningBody,
    LegalForm,
    LegalSettings,
)
from governance.money import parse_amount
from node.web.formats import parse_share, share_input
from node.web.i18n import N_
from node.web.i18n import gettext as _
from node.web.refusals import amount_problem, sentence

__all__ = ["DISSOLUTIONS", "GOVERNING_BODIES", "LEGAL_FIELDS", "LEGAL_FORMS", "legal_values",
           "parse_legal"]

LEGAL_FORMS = [
    (LegalForm.GENERIC.value, N_("Co-op agreement (generic)"),
     N_("The agreement of a group that has not registered a legal body.")),
    (LegalForm.US_LLC.value, N_("US LLC operating agreement with co-op provisions"),
     N_("For a limited liability company in the United States run as a cooperative.")),
    (LegalForm.UK_COOP.value, N_("UK co-operative society rules"),
     N_("Model rules for a society registered under the Co-operative and Community Benefit "
        "Societies Act 2014.")),
    (LegalForm.DE_EG.value, N_("German registered co-operative (eG) Satzung"),
     N_("Articles of association of an eingetragene Genossenschaft under the GenG.")),
]
GOVERNING_BODIES = [
    (GoverningBody.STEWARDS.value, N_("The stewards")),
    (GoverningBody.BOARD.value, N_("An elected board")),
]
DISSOLUTIONS = [
    (Dissolution.DECIDED.value, N_("The members decide when they dissolve the pool")),
    (Dissolution.COOPERATIVE.value, N_("It goes to another co-operative (an asset lock)")),
    (Dissolution.MEMBERS.value, N_("It is shared among the members by their shares")),
]
LEGAL_FIELDS = ("legal_form", "registered_office", "notice_days", "members_may_call",
                "governing_body", "board_size", "extra_liability", "year_end", "dissolution")


def legal_values(settings: LegalSettings, money: str) -> dict[str, str]:
    """The form's fields filled from settings (``money``: the liability as typed)."""
    return {
        "legal_form": settings.form.value, "registered_office": settings.registered_office,
        "notice_days": str(settings.notice_days),
        "members_may_call": share_input(settings.members_may_call),
        "governing_body": settings.governing_body.value,
        "board_size": str(settings.board_size), "extra_liability": money,
        "year_end": settings.year_end, "dissolution": settings.dissolution.value,
    }


def _whole(text: str, least: int, most: int) -> int | None:
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        return None
    value = int(text)
    return value if least <= value <= most else None


def parse_legal(form: Mapping[str, str], currency: str | None, errors: dict[str, str],
                base: LegalSettings | None = None) -> LegalSettings | None:
    """The legal settings typed (an empty field takes its value in ``base``, the defaults when
    None), or None with ``errors`` set per field; ``currency`` None: the currency is itself
    wrong, the liability is not read."""
    default = base or LegalSettings()
    values = {key: str(form.get(key, "")).strip() for key in LEGAL_FIELDS}
    chosen = values["legal_form"] or default.form.value
    if chosen not in {value for value, _label, _help in LEGAL_FORMS}:
        errors["legal_form"] = _("Choose one of the legal forms listed.")
    office = " ".join(values["registered_office"].split())
    if len(office) > MAX_OFFICE:
        errors["registered_office"] = _("Keep the registered office under %(n)d characters.",
                                        n=MAX_OFFICE)
    notice = _whole(values["notice_days"] or str(default.notice_days), 1, MAX_NOTICE_DAYS)
    if notice is None:
        errors["notice_days"] = _("Give the notice of a general meeting as a number of days "
                                  "from 1 to %(n)d.", n=MAX_NOTICE_DAYS)
    may_call = (parse_share(values["members_may_call"]) if values["members_may_call"]
                else default.members_may_call)
    if may_call is None:
        errors["members_may_call"] = _("Write the share of members who may require a general "
                                       "meeting as a fraction such as 1/10 or a percentage such "
                                       "as 10%, between 0 and 1 (0: only the board or stewards).")
    body = values["governing_body"] or default.governing_body.value
    if body not in {value for value, _label in GOVERNING_BODIES}:
        errors["governing_body"] = _("Choose the stewards or an elected board.")
    board = _whole(values["board_size"] or str(default.board_size), 1, MAX_BOARD)
    if board is None:
        errors["board_size"] = _("A board has 1 to %(n)d members.", n=MAX_BOARD)
    extra = default.extra_liability
    if currency is not None and values["extra_liability"]:
        try:
            extra = parse_amount(values["extra_liability"], currency, allow_zero=True)
        except GovernanceError as exc:
            errors["extra_liability"] = _("%(problem)s (0 for liability limited to shares)",
                                          problem=amount_problem(values["extra_liability"], exc,
                                                                 currency))
    rest = values["dissolution"] or default.dissolution.value
    if rest not in {value for value, _label in DISSOLUTIONS}:
        errors["dissolution"] = _("Choose what happens to what is left on dissolution.")
    year_end = values["year_end"] or default.year_end
    try:
        replace(default, year_end=year_end)
    except GovernanceError:
        errors["year_end"] = _("Give the last day of the financial year as MM-DD, e.g. 12-31.")
    if any(key in errors for key in LEGAL_FIELDS):
        return None
    assert notice is not None and board is not None and may_call is not None
    try:
        return replace(
            default, form=LegalForm(chosen), registered_office=office, notice_days=notice, members_may_call=may_call,
            governing_body=GoverningBody(body), board_size=board, extra_liability=extra,
            year_end=year_end, dissolution=Dissolution(rest))
    except GovernanceError as exc:
        errors["registered_office"] = sentence(exc.reason)
        return None
