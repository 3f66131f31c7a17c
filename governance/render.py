"""Rendering the bylaws as the pool's readable co-op agreement (Markdown)."""

from __future__ import annotations

from fractions import Fraction

from governance.bylaws import (
    AdmissionPolicy,
    BucketProposers,
    Bylaws,
    Comparator,
    Threshold,
    Visibility,
)
from governance.money import format_money

__all__ = ["fraction_words", "render_bylaws", "threshold_words"]

_NAMED = {
    Fraction(1, 2): "half",
    Fraction(1, 3): "one third",
    Fraction(2, 3): "two thirds",
    Fraction(1, 4): "one quarter",
    Fraction(3, 4): "three quarters",
    Fraction(1, 5): "one fifth",
    Fraction(2, 5): "two fifths",
    Fraction(3, 5): "three fifths",
    Fraction(4, 5): "four fifths",
    Fraction(1, 10): "one tenth",
    Fraction(0): "none",
    Fraction(1): "all",
}


def fraction_words(value: Fraction) -> str:
    """A fraction in words and numbers, e.g. ``"two thirds (2/3)"``."""
    numbers = f"{value.numerator}/{value.denominator}"
    name = _NAMED.get(value)
    return f"{name} ({numbers})" if name else numbers


def threshold_words(threshold: Threshold) -> str:
    """E.g. ``"more than half (1/2)"``, ``"at least two thirds (2/3)"`` or unanimity."""
    if threshold.comparator is Comparator.AT_LEAST and threshold.fraction == 1:
        return "unanimity (1/1)"
    words = "more than" if threshold.comparator is Comparator.MORE_THAN else "at least"
    return f"{words} {fraction_words(threshold.fraction)}"


def _period(bylaws: Bylaws) -> str:
    return _duration(int(bylaws.voting_period.total_seconds()))


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


_ADMISSION = {
    AdmissionPolicy.OPEN: "Anyone who applies and pays the minimum share is admitted.",
    AdmissionPolicy.STEWARD: (
        "An applicant who has paid the minimum share is admitted by a steward."
    ),
    AdmissionPolicy.VOTE: (
        "An applicant who has paid the minimum share is admitted when the members pass an "
        "admission proposal."
    ),
}


_RECORD = (
    "The pool's record is its proposals with their electorates, tallies and ballots, its "
    "ledger of bookings with the balances, and its list of members."
)
_VISIBILITY = {
    Visibility.PUBLIC: (
        "The record is public: anyone may read it. Every booking and every ballot is signed "
        "and tamper-evident."
    ),
    Visibility.MEMBERS: (
        "The record is visible to members only: it is shown to a member who is signed in or "
        "sends a signed request, and to the pools this pool decides with in a flood, which "
        "must verify its results. Everyone else sees only the pool's name, purpose and these "
        "bylaws. Every booking and every ballot is signed and tamper-evident."
    ),
}


def _rounds(bylaws: Bylaws) -> str:
    """Section 10: budget rounds, with the pool's own settings."""
    who = ("Any member" if bylaws.bucket_proposers is BucketProposers.MEMBERS
           else "A steward")
    window = (f"during the first {_duration(int(bylaws.bucket_window.total_seconds()))} of the round"
              if bylaws.bucket_window else "until the round closes")
    count = bylaws.max_buckets_per_member
    seen = (
        "While a round is open every member sees how much each bucket has received and who "
        "allocated what."
        if bylaws.allocations_visible else
        "While a round is open members see how much each bucket has received, but not who "
        "allocated what; every allocation is published when the round closes."
    )
    return (
        "A budget round shares out an amount of the fund (the pot) among the members. Every "
        "member of the round gets the same allowance: the pot divided by the number of members "
        "when the round opens, rounded down. This equality is part of one member, one vote and "
        "cannot be amended.\n\n"
        f"{who} may propose buckets (a use of money with a minimum and a maximum) {window}, at "
        f"most {count} bucket{'' if count == 1 else 's'} each. Members spread their allowance over "
        "the buckets until the round closes and may change their allocation until then. "
        f"{seen}\n\n"
        "When the round closes, each bucket whose allocations reach its minimum is funded with "
        "what it received, up to its maximum, and that money is committed to it in the ledger; "
        "everything else stays in the fund. Voting time and the rules of a round are fixed "
        "when it opens."
    )


def render_bylaws(bylaws: Bylaws) -> str:
    """The bylaws as a Markdown co-op agreement, with the pool's own numbers."""
    share = format_money(bylaws.min_share, bylaws.currency)
    veto = (
        "A single block vetoes a consent proposal."
        if bylaws.block_vetoes
        else "A block counts as a vote against; it does not veto on its own."
    )
    sections = [
        f"# Bylaws of {bylaws.name}",
        "## 1. Purpose",
        bylaws.purpose.strip() or "(No purpose stated.)",
        "## 2. Membership and admission",
        f"Membership requires a minimum share of {share}. {_ADMISSION[bylaws.admission]} "
        "Members may be stewards (who admit and moderate) or treasurers (who confirm payments "
        "and record disbursements); these roles are duties and carry no extra vote.",
        "## 3. One member, one vote",
        "Every member has exactly one vote on every proposal opened while they are a member. "
        "No role, share or seniority gives anyone more than one vote. This clause cannot be "
        "amended.",
        "## 4. Decision rules",
        f"- A proposal passes with {threshold_words(bylaws.threshold)} of the votes cast "
        "(agree against disagree and block; abstentions do not count as votes cast).\n"
        f"- Quorum: {fraction_words(bylaws.quorum)} of the members who could vote must take "
        "part, abstentions included.\n"
        f"- Voting lasts {_period(bylaws)} unless a proposal sets its own closing time.\n"
        f"- {veto}\n"
        "- Who may vote and the rule that applies are fixed when a proposal opens.",
        "## 5. Finances and the fund",
        f"Members' shares and contributions go into the pool's fund, kept in {bylaws.currency}. "
        "Money leaves the fund only by a passed disbursement proposal or a budget round, and "
        "is paid out by a treasurer. Every booking is signed and tamper-evident; section 9 says "
        "who may read them.\n\n"
        "A passed disbursement the fund cannot cover yet waits for funds and is committed, "
        "oldest decision first, as soon as the fund covers it; if it is still not covered "
        f"{_duration(int(bylaws.funding_wait.total_seconds()))} after the vote closed, it lapses. "
        + (
            "Money committed to a disbursement and not paid out within "
            f"{_duration(int(bylaws.commitment_lapse.total_seconds()))} returns to the fund. "
            if bylaws.commitment_lapse
            else "Money committed and not paid out stays committed until a treasurer releases it. "
        )
        + "A treasurer may release the unspent rest of a commitment to the fund at any time.",
        "## 6. Withdrawal of capital",
        "A member who leaves is refunded the capital they paid in. When the fund's free money "
        "does not cover it, the refund is booked as owed to them and paid, whole, as soon as "
        "the fund allows, in turn with disbursements waiting for funds (oldest first). An "
        "expelled member is refunded in the same way.",
        "## 7. Amendments",
        f"These bylaws change only by a bylaws proposal passed with "
        f"{threshold_words(bylaws.amendment_threshold)} of the votes cast, under the same quorum.",
        "## 8. Dissolution",
        "The pool is dissolved by a decision passed under the amendment rule. The fund then "
        "repays members' capital first; anything left goes to a purpose the members decide.",
        "## 9. Who may read the record",
        f"{_RECORD} {_VISIBILITY[bylaws.visibility]}",
        "## 10. Budget rounds",
        _rounds(bylaws),
    ]
    return "\n\n".join(sections) + "\n"
