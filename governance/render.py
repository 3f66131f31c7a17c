"""Rendering the bylaws as the pool's readable co-op agreement (Markdown).

The text is written in English, the language that governs. A caller that shows the bylaws in
another language hands in its translations (anything with gettext's ``gettext`` and
``ngettext``, such as ``gettext.NullTranslations`` or Babel's ``Translations``) and its way of
writing money; the core stays pure: the catalog lookup is the caller's, not the core's.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Protocol

from governance.bylaws import (
    AdmissionPolicy,
    BucketProposers,
    Bylaws,
    Comparator,
    OutsideReplies,
    Threshold,
    Visibility,
)
from governance.money import format_money
from governance.render_coop import coop_sections

__all__ = [
    "ENGLISH",
    "Words",
    "amendment_text",
    "decision_rules",
    "duration_words",
    "finances_text",
    "fraction_words",
    "membership_text",
    "one_vote_text",
    "record_text",
    "render_bylaws",
    "threshold_words",
    "withdrawal_text",
]


class Words(Protocol):
    """Translations, as gettext defines them: a message in, the message in a language out."""

    def gettext(self, message: str, /) -> str:
        """The message in the language."""
        ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        """The singular or plural message for ``n``, in the language."""
        ...


class _English:
    """The source text itself (what gettext answers when nothing is translated)."""

    def gettext(self, message: str, /) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return singular if n == 1 else plural


ENGLISH: Words = _English()


def _named(words: Words) -> dict[Fraction, str]:
    _ = words.gettext
    return {
        Fraction(1, 2): _("half"),
        Fraction(1, 3): _("one third"),
        Fraction(2, 3): _("two thirds"),
        Fraction(1, 4): _("one quarter"),
        Fraction(3, 4): _("three quarters"),
        Fraction(1, 5): _("one fifth"),
        Fraction(2, 5): _("two fifths"),
        Fraction(3, 5): _("three fifths"),
        Fraction(4, 5): _("four fifths"),
        Fraction(1, 10): _("one tenth"),
        Fraction(0): _("none"),
        Fraction(1): _("all"),
    }


def fraction_words(value: Fraction, words: Words = ENGLISH) -> str:
    """A fraction in words and numbers, e.g. ``"two thirds (2/3)"``."""
    numbers = f"{value.numerator}/{value.denominator}"
    name = _named(words).get(value)
    return words.gettext("%(words)s (%(fraction)s)") % {"words": name, "fraction": numbers} \
        if name else numbers


def threshold_words(threshold: Threshold, words: Words = ENGLISH) -> str:
    """E.g. ``"more than half (1/2)"``, ``"at least two thirds (2/3)"`` or unanimity."""
    _ = words.gettext
    if threshold.comparator is Comparator.AT_LEAST and threshold.fraction == 1:
        return _("unanimity (1/1)")
    share = fraction_words(threshold.fraction, words)
    if threshold.comparator is Comparator.MORE_THAN:
        return _("more than %(share)s") % {"share": share}
    return _("at least %(share)s") % {"share": share}


def duration_words(seconds: int, words: Words) -> str:
    """E.g. ``"7 days"``, in the largest whole unit."""
    ngettext = words.ngettext
    if seconds % 86400 == 0:
        count = seconds // 86400
        return ngettext("%(num)d day", "%(num)d days", count) % {"num": count}
    if seconds % 3600 == 0:
        count = seconds // 3600
        return ngettext("%(num)d hour", "%(num)d hours", count) % {"num": count}
    if seconds % 60 == 0:
        count = seconds // 60
        return ngettext("%(num)d minute", "%(num)d minutes", count) % {"num": count}
    return ngettext("%(num)d second", "%(num)d seconds", seconds) % {"num": seconds}


def _admission(policy: AdmissionPolicy, words: Words) -> str:
    _ = words.gettext
    return {
        AdmissionPolicy.OPEN: _("Anyone who applies and pays the minimum share is admitted."),
        AdmissionPolicy.STEWARD: _(
            "An applicant who has paid the minimum share is admitted by a steward."
        ),
        AdmissionPolicy.VOTE: _(
            "An applicant who has paid the minimum share is admitted when the members pass an "
            "admission proposal."
        ),
    }[policy]


def _visibility(visibility: Visibility, words: Words) -> str:
    _ = words.gettext
    record = _(
        "The pool's record is its proposals with their electorates, tallies and ballots, its "
        "ledger of bookings with the balances, and its list of members."
    )
    rule = {
        Visibility.PUBLIC: _(
            "The record is public: anyone may read it. Every booking and every ballot is signed "
            "and tamper-evident."
        ),
        Visibility.MEMBERS: _(
            "The record is visible to members only: it is shown to a member who is signed in or "
            "sends a signed request, and to the pools this pool decides with in a flood, which "
            "must verify its results. Everyone else sees only the pool's name, purpose and these "
            "bylaws. Every booking and every ballot is signed and tamper-evident."
        ),
    }[visibility]
    return f"{record} {rule}"


def _finances(bylaws: Bylaws, words: Words, record_section: int = 9) -> str:
    _ = words.gettext
    wait = duration_words(int(bylaws.funding_wait.total_seconds()), words)
    if bylaws.commitment_lapse:
        lapse = _(
            "Money committed to a disbursement and not paid out within %(lapse)s returns to the "
            "fund."
        ) % {"lapse": duration_words(int(bylaws.commitment_lapse.total_seconds()), words)}
    else:
        lapse = _("Money committed and not paid out stays committed until a treasurer releases it.")
    return (
        _(
            "Members' shares and contributions go into the pool's fund, kept in %(currency)s. "
            "Money leaves the fund only by a passed disbursement proposal or a budget round, and "
            "is paid out by a treasurer. Every booking is signed and tamper-evident; section "
            "%(number)d says who may read them."
        ) % {"currency": bylaws.currency, "number": record_section}
        + "\n\n"
        + _(
            "A passed disbursement the fund cannot cover yet waits for funds and is committed, "
            "oldest decision first, as soon as the fund covers it; if it is still not covered "
            "%(wait)s after the vote closed, it lapses."
        ) % {"wait": wait}
        + f" {lapse} "
        + _("A treasurer may release the unspent rest of a commitment to the fund at any time.")
    )


def _outside_replies(setting: OutsideReplies, words: Words) -> str:
    _ = words.gettext
    return {
        OutsideReplies.COLLAPSED: _(
            "Replies from people who are not members are kept, and shown folded away under a "
            "note saying so."
        ),
        OutsideReplies.REFUSED: _(
            "Replies from people who are not members are refused, and the sender is told why."
        ),
        OutsideReplies.SHOWN: _("Replies from people who are not members are shown like members'."),
    }[setting]


def _rounds(bylaws: Bylaws, words: Words) -> str:
    """Section 11: budget rounds, with the pool's own settings."""
    _ = words.gettext
    ngettext = words.ngettext
    count = bylaws.max_buckets_per_member
    stewards = bylaws.bucket_proposers is BucketProposers.STEWARDS
    if bylaws.bucket_window:
        window = duration_words(int(bylaws.bucket_window.total_seconds()), words)
        who = ngettext(
            "A steward may propose buckets (a use of money with a minimum and a maximum) during "
            "the first %(window)s of the round, at most %(num)d bucket each.",
            "A steward may propose buckets (a use of money with a minimum and a maximum) during "
            "the first %(window)s of the round, at most %(num)d buckets each.", count,
        ) if stewards else ngettext(
            "Any member may propose buckets (a use of money with a minimum and a maximum) during "
            "the first %(window)s of the round, at most %(num)d bucket each.",
            "Any member may propose buckets (a use of money with a minimum and a maximum) during "
            "the first %(window)s of the round, at most %(num)d buckets each.", count,
        )
        who = who % {"window": window, "num": count}
    else:
        who = ngettext(
            "A steward may propose buckets (a use of money with a minimum and a maximum) until "
            "the round closes, at most %(num)d bucket each.",
            "A steward may propose buckets (a use of money with a minimum and a maximum) until "
            "the round closes, at most %(num)d buckets each.", count,
        ) if stewards else ngettext(
            "Any member may propose buckets (a use of money with a minimum and a maximum) until "
            "the round closes, at most %(num)d bucket each.",
            "Any member may propose buckets (a use of money with a minimum and a maximum) until "
            "the round closes, at most %(num)d buckets each.", count,
        )
        who = who % {"num": count}
    seen = _(
        "While a round is open every member sees how much each bucket has received and who "
        "allocated what."
    ) if bylaws.allocations_visible else _(
        "While a round is open members see how much each bucket has received, but not who "
        "allocated what; every allocation is published when the round closes."
    )
    return (
        _("A budget round shares out an amount of the fund (the pot) among the members. Every "
          "member of the round gets the same allowance: the pot divided by the number of members "
          "when the round opens, rounded down. This equality is part of one member, one vote and "
          "cannot be amended.")
        + "\n\n" + who + " "
        + _("Members spread their allowance over the buckets until the round closes and may "
            "change their allocation until then.")
        + " " + seen + "\n\n"
        + _("When the round closes, each bucket whose allocations reach its minimum is funded "
            "with what it received, up to its maximum, and that money is committed to it in the "
            "ledger; everything else stays in the fund. Voting time and the rules of a round are "
            "fixed when it opens.")
    )


def membership_text(bylaws: Bylaws, words: Words, money: Callable[[int, str], str]) -> str:
    """Who may join, how they are admitted, and what the roles are."""
    _ = words.gettext
    share = money(bylaws.min_share, bylaws.currency)
    return (_("Membership requires a minimum share of %(share)s.") % {"share": share}
            + f" {_admission(bylaws.admission, words)} "
            + _("Members may be stewards (who admit and moderate) or treasurers (who confirm "
                "payments and record disbursements); these roles are duties and carry no extra "
                "vote."))


def one_vote_text(words: Words) -> str:
    """The clause that cannot be amended."""
    return words.gettext(
        "Every member has exactly one vote on every proposal opened while they are a member. "
        "No role, share or seniority gives anyone more than one vote. This clause cannot be "
        "amended.")


def decision_rules(bylaws: Bylaws, words: Words) -> str:
    """The threshold, quorum, voting period and blocks, as a Markdown list."""
    _ = words.gettext
    veto = (
        _("A single block vetoes a consent proposal.")
        if bylaws.block_vetoes
        else _("A block counts as a vote against; it does not veto on its own.")
    )
    return (
        "- " + _("A proposal passes with %(threshold)s of the votes cast (agree against disagree "
                 "and block; abstentions do not count as votes cast).")
        % {"threshold": threshold_words(bylaws.threshold, words)} + "\n"
        "- " + _("Quorum: %(share)s of the members who could vote must take part, abstentions "
                 "included.") % {"share": fraction_words(bylaws.quorum, words)} + "\n"
        "- " + _("Voting lasts %(period)s unless a proposal sets its own closing time.")
        % {"period": duration_words(int(bylaws.voting_period.total_seconds()), words)} + "\n"
        f"- {veto}\n"
        "- " + _("Who may vote and the rule that applies are fixed when a proposal opens.")
    )


def withdrawal_text(words: Words) -> str:
    """How a leaving member's capital is refunded."""
    return words.gettext(
        "A member who leaves is refunded the capital they paid in. When the fund's free money "
        "does not cover it, the refund is booked as owed to them and paid, whole, as soon as "
        "the fund allows, in turn with disbursements waiting for funds (oldest first). An "
        "expelled member is refunded in the same way.")


def amendment_text(bylaws: Bylaws, words: Words) -> str:
    """How the bylaws change."""
    return words.gettext(
        "These bylaws change only by a bylaws proposal passed with %(threshold)s of the votes "
        "cast, under the same quorum."
    ) % {"threshold": threshold_words(bylaws.amendment_threshold, words)}


def finances_text(bylaws: Bylaws, words: Words, record_section: int) -> str:
    """The fund: where money comes from and how it leaves (``record_section``: the number of
    the section on who may read the record)."""
    return _finances(bylaws, words, record_section)


def record_text(bylaws: Bylaws, words: Words) -> str:
    """Who may read the pool's record."""
    return _visibility(bylaws.visibility, words)


def render_bylaws(bylaws: Bylaws, words: Words = ENGLISH,
                  money: Callable[[int, str], str] = format_money) -> str:
    """The bylaws as a Markdown co-op agreement, with the pool's own numbers; in English unless
    ``words`` translates (and ``money`` writes amounts the reader's way)."""
    _ = words.gettext
    sections = [
        "# " + _("Bylaws of %(name)s") % {"name": bylaws.name},
        "## " + _("1. Purpose"),
        bylaws.purpose.strip() or _("(No purpose stated.)"),
        "## " + _("2. Membership and admission"),
        membership_text(bylaws, words, money),
        "## " + _("3. One member, one vote"),
        one_vote_text(words),
        "## " + _("4. Decision rules"),
        decision_rules(bylaws, words),
        "## " + _("5. Finances and the fund"),
        _finances(bylaws, words),
        "## " + _("6. Withdrawal of capital"),
        withdrawal_text(words),
        "## " + _("7. Amendments"),
        amendment_text(bylaws, words),
        "## " + _("8. Dissolution"),
        _("The pool is dissolved by a decision passed under the amendment rule. The fund then "
          "repays members' capital first; anything left goes to a purpose the members decide."),
        "## " + _("9. Who may read the record"),
        _visibility(bylaws.visibility, words),
        "## " + _("10. Discussion"),
        _("Members discuss every proposal in its thread and start discussions of their own; a "
          "proposal may grow out of a discussion.")
        + " " + _outside_replies(bylaws.outside_replies, words) + " "
        + _("Only its author edits or deletes a comment. A steward may hide a comment, giving a "
            "reason: the comment is kept, the reason is shown in its place, and the hiding is "
            "logged. When a proposal closes, its author or a steward publishes what was decided "
            "and what happens next."),
        "## " + _("11. Budget rounds"),
        _rounds(bylaws, words),
    ]
    for number, (title, text) in enumerate(coop_sections(bylaws, words, money), start=12):
        sections += ["## " + _("%(number)d. %(title)s") % {"number": number, "title": title}, text]
    return "\n\n".join(sections) + "\n"
