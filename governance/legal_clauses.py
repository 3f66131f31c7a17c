"""The clauses every legal form's text shares: the notice, the registered office, the general
meeting, who runs the pool, liability, accounts and dissolution, each filled from the bylaws.

English unless the caller hands in translations (:class:`governance.render.Words`), like the
rest of the bylaws text; :mod:`governance.render_legal` puts them in each form's order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from governance.bylaws import Bylaws
from governance.legal import Dissolution, GoverningBody

if TYPE_CHECKING:
    from governance.render import Words

__all__ = [
    "accounts",
    "dissolution",
    "governing_body",
    "liability",
    "meetings",
    "not_legal_advice",
    "office",
    "year_end_words",
]


def _months(words: Words) -> list[str]:
    _ = words.gettext
    return [_("January"), _("February"), _("March"), _("April"), _("May"), _("June"), _("July"),
            _("August"), _("September"), _("October"), _("November"), _("December")]


def year_end_words(year_end: str, words: Words) -> str:
    """``"12-31"`` as ``"31 December"`` in the reader's language."""
    month = _months(words)[int(year_end[:2]) - 1]
    return words.gettext("%(day)d %(month)s") % {"day": int(year_end[3:]), "month": month}


def not_legal_advice(words: Words) -> str:
    """The notice at the top of every legal text."""
    return "> " + words.gettext(
        "**Not legal advice.** This text is written from the pool's settings as a starting "
        "point. It is not legal advice: have it checked by a lawyer or a co-operative "
        "development body before anyone files or signs it.")


def office(bylaws: Bylaws, words: Words) -> str:
    """Where the pool is registered, or that it is still to be stated."""
    _ = words.gettext
    if bylaws.legal.registered_office:
        return _("The registered office is at %(office)s.") % {
            "office": bylaws.legal.registered_office}
    return _("The registered office is to be stated before these rules are filed.")


def meetings(bylaws: Bylaws, words: Words) -> str:
    """How a general meeting is called, with what notice, and who may require one."""
    _ = words.gettext
    legal = bylaws.legal
    days = legal.notice_days
    if legal.governing_body is GoverningBody.BOARD:
        call = words.ngettext(
            "The board calls a general meeting of all members with at least %(num)d day's "
            "notice to every member, stating the business to be decided.",
            "The board calls a general meeting of all members with at least %(num)d days' "
            "notice to every member, stating the business to be decided.", days)
    else:
        call = words.ngettext(
            "The stewards call a general meeting of all members with at least %(num)d day's "
            "notice to every member, stating the business to be decided.",
            "The stewards call a general meeting of all members with at least %(num)d days' "
            "notice to every member, stating the business to be decided.", days)
    text = call % {"num": days} + " "
    if legal.members_may_call:
        from governance.render import fraction_words

        text += _("It must be called when %(share)s of the members ask for one in writing.") % {
            "share": fraction_words(legal.members_may_call, words)} + " "
    text += _("A general meeting is held every year, within six months after the financial "
              "year ends, to approve the accounts. At a meeting, and in every vote held through "
              "the pool between meetings, each member has one vote and the decision rules of "
              "these bylaws apply.")
    return text


def governing_body(bylaws: Bylaws, words: Words) -> str:
    """Who runs the pool between general meetings."""
    _ = words.gettext
    if bylaws.legal.governing_body is GoverningBody.BOARD:
        size = bylaws.legal.board_size
        return words.ngettext(
            "Between general meetings the pool is run by a board of %(num)d member, elected by "
            "the general meeting from among the members and removable by it.",
            "Between general meetings the pool is run by a board of %(num)d members, elected by "
            "the general meeting from among the members and removable by it.", size,
        ) % {"num": size} + " " + _(
            "The board acts within these bylaws and the members' decisions; a seat on the board "
            "carries no extra vote.")
    return _("Between general meetings the pool is run by its stewards, whom the members appoint "
             "and remove by a role-change proposal. Stewards admit and moderate; treasurers "
             "confirm payments and record disbursements. Neither role carries an extra vote.")


def liability(bylaws: Bylaws, words: Words, money: Callable[[int, str], str]) -> str:
    """What a member can lose: their shares, and any further contribution the bylaws name."""
    _ = words.gettext
    extra = bylaws.legal.extra_liability
    text = _("A member's liability for the debts of the pool is limited to the shares they "
             "hold: the capital they paid in, at least the minimum share of %(share)s.") % {
        "share": money(bylaws.min_share, bylaws.currency)}
    if extra:
        return text + " " + _("If the pool is wound up unable to pay its debts, each member may "
                              "be called on to pay at most %(amount)s more.") % {
            "amount": money(extra, bylaws.currency)}
    return text + " " + _("No member can be called on to pay more.")


def accounts(bylaws: Bylaws, words: Words) -> str:
    """The financial year and the yearly accounts."""
    _ = words.gettext
    year = _("The financial year ends on %(day)s.") % {
        "day": year_end_words(bylaws.legal.year_end, words)}
    if bylaws.legal.governing_body is GoverningBody.BOARD:
        return year + " " + _(
            "The board presents the accounts of each year (the fund's balances, income and "
            "spending, and the members' capital, as the signed ledger records them) to the "
            "general meeting for approval.")
    return year + " " + _(
        "The stewards present the accounts of each year (the fund's balances, income and "
        "spending, and the members' capital, as the signed ledger records them) to the general "
        "meeting for approval.")


def dissolution(bylaws: Bylaws, words: Words) -> str:
    """How the pool is dissolved and where what is left goes."""
    _ = words.gettext
    rest = bylaws.legal.dissolution
    if rest is Dissolution.DECIDED:
        return _("The pool is dissolved by a decision passed under the amendment rule. The fund "
                 "then repays members' capital first; anything left goes to a purpose the members "
                 "decide.")
    start = _("The pool is dissolved by a decision passed under the amendment rule. Its debts "
              "are paid first, then members' capital.")
    if rest is Dissolution.COOPERATIVE:
        return start + " " + _("Anything left is not shared among the members: it goes to "
                               "another co-operative, or a body with similar aims, that the "
                               "general meeting names.")
    return start + " " + _("Anything left is shared among the members in proportion to the "
                           "shares they hold.")
