"""What a notification says, in the current language: one sentence per kind (list and mails)."""

from __future__ import annotations

from node.web.i18n import gettext as _
from node.web.labels import label
from node.web.localise import money

__all__ = ["sentence"]


def sentence(kind: str, title: str, detail: str) -> str:
    """The line a member reads for one notification."""
    if kind == "proposal_opened":
        return _("A proposal opened: %(title)s", title=title)
    if kind == "closing_soon":
        return _("Voting on %(title)s closes within 24 hours and you have not voted.", title=title)
    if kind == "result":
        return _("The vote on %(title)s has closed: %(outcome)s.", title=title,
                 outcome=label(detail, "outcome"))
    if kind == "reply":
        return _("Someone replied to your comment.")
    if kind == "mention":
        return _("Someone mentioned you in a comment.")
    if kind == "admitted":
        return _("Your application to %(pool)s was admitted. Welcome!", pool=title)
    if kind == "turned_down":
        if detail:
            return _("Your application to %(pool)s was turned down. The steward's reason: %(reason)s",
                     pool=title, reason=detail)
        return _("Your application to %(pool)s was turned down.", pool=title)
    if kind == "money":
        account, _sep, rest = detail.partition("|")
        amount, _sep, currency = rest.partition("|")
        if amount.lstrip("-").isdigit() and currency:
            what = money(abs(int(amount)), currency)
            if account == "owed":
                return _("The pool's ledger records %(amount)s owed to you (%(memo)s).",
                         amount=what, memo=title)
            return _("The pool's ledger records %(amount)s for you (%(memo)s).",
                     amount=what, memo=title)
        return _("The pool's ledger records money for you.")
    if kind == "flood":
        return _("A flood proposal your pool takes part in opened: %(title)s", title=title)
    return title
