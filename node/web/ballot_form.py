"""The ballot form: a consent or single choice, approval checkboxes, or a ranking.

A ranking comes as ordered selects ``rank-1`` .. ``rank-N`` (first preference first), so it
works without JavaScript; ``node/static/rank.js`` only lets a person drag instead and fills
the same selects. The choice read here is the ballot's ``choice`` list (docs/PROTOCOL.md).
"""

from __future__ import annotations

from typing import Any

from multidict import MultiDictProxy

from governance import Proposal
from node.errors import InvalidRequest
from node.web.i18n import gettext as _
from node.web.i18n import pgettext

__all__ = ["choice_from_form", "ordinal"]


def ordinal(n: int) -> str:
    """The label of the ranking's ``n``-th place: "1st choice", "2nd choice" ... in the reader's
    language (English picks the suffix by these rules; a translation may use one form for all)."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    if suffix == "st":
        return pgettext("ranking", "%(num)dst choice", num=n)
    if suffix == "nd":
        return pgettext("ranking", "%(num)dnd choice", num=n)
    if suffix == "rd":
        return pgettext("ranking", "%(num)drd choice", num=n)
    return pgettext("ranking", "%(num)dth choice", num=n)


def choice_from_form(proposal: Proposal, form: MultiDictProxy[Any]) -> list[str]:
    """The ballot's choice list; InvalidRequest with the reason for a ranking that has gaps."""
    ballot_type = proposal.rule.ballot_type.value
    if ballot_type != "ranked_choice":
        return [str(c) for c in form.getall("choice", [])]
    ranking: list[str] = []
    gap = 0
    for place in range(1, len(proposal.rule.options) + 1):
        option = str(form.get(f"rank-{place}", "")).strip()
        if not option:
            gap = gap or place
            continue
        if gap:
            raise InvalidRequest(_("Your %(place)s is empty but a later one is not: rank the "
                                   "options from first to last without gaps.", place=ordinal(gap)))
        if option in ranking:
            raise InvalidRequest(_("%(option)s is ranked twice: give each option one place.",
                                   option=option))
        ranking.append(option)
    if not ranking:
        raise InvalidRequest(_("Rank at least your first choice."))
    return ranking
