"""The legal-form settings of the bylaws-change form: a bylaws change may choose another legal
form and change the particulars its text needs (docs/GOVERNANCE.md, "Legal forms")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from governance import Bylaws
from node.web.bylaws_words import fraction_words
from node.web.formats import money_input
from node.web.i18n import gettext as _
from node.web.legal_form import (
    DISSOLUTIONS,
    GOVERNING_BODIES,
    LEGAL_FIELDS,
    LEGAL_FORMS,
    legal_values,
    parse_legal,
)
from node.web.localise import money

__all__ = ["NEW_LEGAL_FIELDS", "legal_defaults", "legal_rows", "read_legal_rules"]

NEW_LEGAL_FIELDS = tuple("new_" + key for key in LEGAL_FIELDS)


def legal_defaults(bylaws: Bylaws) -> dict[str, str]:
    """The fields prefilled with the settings in force."""
    typed = legal_values(bylaws.legal, money_input(bylaws.legal.extra_liability, bylaws.currency))
    return {"new_" + key: value for key, value in typed.items()}


def read_legal_rules(form: Mapping[str, Any], current: Bylaws, values: dict[str, str],
                     errors: dict[str, str]) -> dict[str, Any]:
    """The legal settings typed, as ``Bylaws`` fields; a form from before these settings existed
    sends none of them: the ones in force stay."""
    if "new_legal_form" not in form:
        values.update(legal_defaults(current))
        return {}
    typed = {key: str(form.get("new_" + key, "")).strip() for key in LEGAL_FIELDS}
    values.update({"new_" + key: value for key, value in typed.items()})
    problems: dict[str, str] = {}
    settings = parse_legal(typed, current.currency, problems, current.legal)
    errors.update({"new_" + key: problem for key, problem in problems.items()})
    return {} if settings is None else {"legal": settings}


def legal_rows(bylaws: Bylaws) -> list[tuple[str, str]]:
    """The legal settings as a bylaws change shows them, in force and proposed."""
    legal = bylaws.legal
    forms = {value: label for value, label, _help in LEGAL_FORMS}
    board = _(dict(GOVERNING_BODIES)[legal.governing_body.value])
    if legal.governing_body.value == "board":
        board += f" ({legal.board_size})"
    return [
        (_("Legal form"), _(forms[legal.form.value])),
        (_("Registered office"), legal.registered_office or _("not stated")),
        (_("Notice of a general meeting (days)"), str(legal.notice_days)),
        (_("Members who may require a general meeting"), fraction_words(legal.members_may_call)),
        (_("Who runs the pool between general meetings"), board),
        (_("What a member may have to pay beyond their shares"),
         money(legal.extra_liability, bylaws.currency)),
        (_("Last day of the financial year (MM-DD)"), legal.year_end),
        (_("What is left when the pool is dissolved"),
         _(dict(DISSOLUTIONS)[legal.dissolution.value])),
    ]
