"""The co-op sections of the bylaws document: member classes, shares, surplus, shared assets.

Each appears only when the bylaws set it, after the sections every pool has
(:func:`governance.render.render_bylaws` numbers them on). Like the rest of the document, the
text is English unless the caller hands in translations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from governance.bylaws import Bylaws
from governance.coop_rules import SurplusMeasure
from governance.kinds import Kind

if TYPE_CHECKING:
    from governance.render import Words

__all__ = ["coop_sections"]


def _kinds(words: Words) -> dict[Kind, str]:
    _ = words.gettext
    return {
        Kind.DECISION: _("decisions"),
        Kind.DISBURSEMENT: _("disbursements"),
        Kind.BYLAWS_CHANGE: _("changes of these bylaws"),
        Kind.ADMISSION: _("admissions"),
        Kind.EXPULSION: _("expulsions"),
        Kind.JOIN_FLOOD: _("joining a flood"),
        Kind.LEAVE_FLOOD: _("leaving a flood"),
        Kind.ROLE_CHANGE: _("role changes"),
        Kind.SURPLUS: _("surplus distributions"),
    }


def _classes(bylaws: Bylaws, words: Words) -> str:
    _ = words.gettext
    text = _("Every member belongs to exactly one member class: %(classes)s. A class says what "
             "kind of member someone is and never weighs a vote: every member still has exactly "
             "one vote.") % {"classes": ", ".join(bylaws.member_classes)}
    if bylaws.class_majority:
        names = _kinds(words)
        kinds = ", ".join(names.get(kind, kind.value) for kind in Kind
                          if kind in bylaws.class_majority)
        text += " " + _(
            "These proposals pass only when the threshold they need is met both by all votes cast "
            "and by the votes cast within each member class that has members: %(kinds)s. A class "
            "whose members cast no vote gives no majority, and the proposal does not pass."
        ) % {"kinds": kinds}
    return text


def _shares(bylaws: Bylaws, words: Words, money: Callable[[int, str], str]) -> str:
    _ = words.gettext
    lines = []
    for share_type in bylaws.share_types:
        line = "- " + _("%(name)s: nominal value %(value)s; minimum holding %(num)d.") % {
            "name": share_type.name, "value": money(share_type.nominal, bylaws.currency),
            "num": share_type.minimum}
        for name in bylaws.member_classes:
            if name in dict(share_type.class_minimums):
                line += " " + _("Members of the class %(class)s: %(num)d.") % {
                    "class": name, "num": share_type.minimum_for(name)}
        lines.append(line)
    return (
        _("Members hold co-op shares of these types:") + "\n\n" + "\n".join(lines) + "\n\n"
        + _("Shares are issued on admission from the capital a member has paid in, at least the "
            "minimum holding of their class, and are redeemed at the value they were issued at "
            "when the member leaves, before their capital is refunded. Shares are never "
            "transferred and carry no vote.")
    )


def _surplus(bylaws: Bylaws, words: Words) -> str:
    _ = words.gettext
    measure = bylaws.surplus_measure
    split = _("exactly to the smallest unit of %(currency)s: each member receives their exact "
              "share rounded down, and the units left over go one each to the largest remainders "
              "(equal remainders to the member whose id comes first).") % {
        "currency": bylaws.currency}
    if measure is SurplusMeasure.EQUAL:
        divided = _("What goes to the members is divided in equal shares, %(split)s")
    elif measure is SurplusMeasure.CONTRIBUTIONS:
        divided = _("What goes to the members is divided in proportion to the capital each member "
                    "contributed during the period, %(split)s")
    else:
        divided = _("What goes to the members is divided in proportion to the patronage a "
                    "treasurer recorded for each member during the period, %(split)s")
    return (
        _("A surplus of the fund is shared out only by a surplus proposal the members pass, which "
          "may also put part or all of it into a reserve.")
        + " " + divided % {"split": split} + " "
        + _("Each member's share is committed to them in the ledger and paid by a treasurer.")
    )


def _assets(bylaws: Bylaws, words: Words) -> str:
    _ = words.gettext
    limits = bylaws.booking_limits
    text = _("Members book the pool's assets for a time. A booking that overlaps another booking "
             "of the same asset is refused; one that ends when the next starts does not overlap.")
    if limits.hours_per_month:
        text += " " + words.ngettext(
            "A member may book each asset for at most %(num)d hour in a calendar month (UTC).",
            "A member may book each asset for at most %(num)d hours in a calendar month (UTC).",
            limits.hours_per_month) % {"num": limits.hours_per_month}
    if limits.equal_turns:
        text += " " + _("Equal turns: a member holds at most one booking of an asset that has "
                        "not ended, and books their next turn once it has.")
    return text


def coop_sections(bylaws: Bylaws, words: Words,
                  money: Callable[[int, str], str]) -> list[tuple[str, str]]:
    """(title, text) of each co-op section the bylaws set, in order; none when none is set."""
    _ = words.gettext
    sections = []
    if bylaws.member_classes:
        sections.append((_("Member classes"), _classes(bylaws, words)))
    if bylaws.share_types:
        sections.append((_("Shares"), _shares(bylaws, words, money)))
    if bylaws.surplus_measure is not None:
        sections.append((_("Surplus"), _surplus(bylaws, words)))
    if bylaws.booking_limits.any:
        sections.append((_("Shared assets"), _assets(bylaws, words)))
    return sections
