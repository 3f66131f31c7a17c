"""The pool's bylaws: a small fixed set of variables, validated, with a stable dict form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any

from governance.codec import fraction_from_str, fraction_to_str, get_field
from governance.coop_rules import BookingLimits, ShareType, SurplusMeasure, check_coop_settings
from governance.errors import RuleViolation
from governance.kinds import Kind
from governance.legal import LegalSettings
from governance.money import check_currency

__all__ = [
    "AdmissionPolicy",
    "BucketProposers",
    "Bylaws",
    "Comparator",
    "OutsideReplies",
    "Threshold",
    "Visibility",
]


class Comparator(StrEnum):
    """How the share of votes is compared with the threshold fraction."""

    MORE_THAN = "more_than"
    AT_LEAST = "at_least"


class AdmissionPolicy(StrEnum):
    """Who admits an applicant."""

    OPEN = "open"
    STEWARD = "steward"
    VOTE = "vote"


class Visibility(StrEnum):
    """Who may read the pool's record (proposals, electorates, tallies, ballots, ledger, members)."""

    PUBLIC = "public"
    MEMBERS = "members"


class OutsideReplies(StrEnum):
    """What becomes of a reply in a pool's discussion from someone who is not a member.

    Members always take part; the setting decides only about everyone else.
    """

    COLLAPSED = "collapsed"
    """Kept and shown, folded away under a note that the author is not a member."""
    REFUSED = "refused"
    """Refused, and the sender told why."""
    SHOWN = "shown"
    """Kept and shown like a member's (no Announce to the pool's followers, though)."""


class BucketProposers(StrEnum):
    """Who may propose buckets in a budget round (every elector allocates, whatever this says)."""

    MEMBERS = "members"
    STEWARDS = "stewards"


MAX_BUCKETS_PER_MEMBER = 50
"""The most buckets the bylaws may let one member propose in a round."""


def _invalid(reason: str) -> RuleViolation:
    return RuleViolation("invalid_bylaws", reason)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A pass threshold such as "more than 1/2" or "at least 2/3"; unanimity is "at least 1/1"."""

    comparator: Comparator
    fraction: Fraction

    def __post_init__(self) -> None:
        if not isinstance(self.comparator, Comparator):
            raise _invalid("threshold comparator must be more_than or at_least")
        if not isinstance(self.fraction, Fraction):
            raise _invalid("threshold must be an exact fraction")
        if not 0 <= self.fraction <= 1:
            raise _invalid("threshold must be between 0 and 1")
        if self.comparator is Comparator.MORE_THAN and self.fraction == 1:
            raise _invalid("'more than 1/1' can never be met; use 'at least 1/1' for unanimity")
        if self.comparator is Comparator.AT_LEAST and self.fraction == 0:
            raise _invalid("'at least 0' would pass with no support; use 'more than 0'")

    @classmethod
    def more_than(cls, fraction: Fraction) -> Threshold:
        """Threshold met when the share is strictly greater than ``fraction``."""
        return cls(Comparator.MORE_THAN, fraction)

    @classmethod
    def at_least(cls, fraction: Fraction) -> Threshold:
        """Threshold met when the share is at least ``fraction``."""
        return cls(Comparator.AT_LEAST, fraction)

    @classmethod
    def unanimity(cls) -> Threshold:
        """Everyone who votes must agree."""
        return cls(Comparator.AT_LEAST, Fraction(1))

    def met(self, yes: int, total: int) -> bool:
        """Whether ``yes`` out of ``total`` meets the threshold (never with ``total == 0``)."""
        if total <= 0:
            return False
        # Integer cross-multiplication: exact, and no Fraction built on the hot path.
        lhs = yes * self.fraction.denominator
        rhs = self.fraction.numerator * total
        return lhs > rhs if self.comparator is Comparator.MORE_THAN else lhs >= rhs

    def strictness(self) -> tuple[Fraction, int]:
        """Sort key: a larger key passes fewer outcomes."""
        return (self.fraction, 1 if self.comparator is Comparator.MORE_THAN else 0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"comparator": self.comparator.value, "fraction": fraction_to_str(self.fraction)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Threshold:
        """Inverse of ``to_dict``."""
        comparator = get_field(data, "comparator", str)
        if comparator not in Comparator.__members__.values():
            raise RuleViolation("invalid_document", f"unknown comparator {comparator!r}")
        return cls(Comparator(comparator), fraction_from_str(get_field(data, "fraction", str)))


_FUNDING_WAIT = timedelta(days=90)
_LONGEST = timedelta(days=10 * 366)


@dataclass(frozen=True, slots=True)
class Bylaws:
    """Everything a pool may set; one person one vote is deliberately not among them."""

    name: str
    purpose: str
    currency: str
    min_share: int = 0
    threshold: Threshold = field(default_factory=lambda: Threshold.more_than(Fraction(1, 2)))
    quorum: Fraction = Fraction(1, 2)
    voting_period: timedelta = timedelta(days=7)
    admission: AdmissionPolicy = AdmissionPolicy.STEWARD
    block_vetoes: bool = False
    amendment_threshold: Threshold = field(
        default_factory=lambda: Threshold.at_least(Fraction(2, 3))
    )
    visibility: Visibility = Visibility.PUBLIC
    funding_wait: timedelta = _FUNDING_WAIT
    """How long a passed disbursement the fund cannot cover waits for funds before it lapses."""
    commitment_lapse: timedelta = timedelta(0)
    """How long committed money stays earmarked before its unspent rest returns to the fund
    (zero: it stays until a treasurer releases it)."""
    outside_replies: OutsideReplies = OutsideReplies.COLLAPSED
    """Replies to the pool's threads from people who are not members."""
    bucket_proposers: BucketProposers = BucketProposers.MEMBERS
    """Who may propose buckets in a budget round."""
    bucket_window: timedelta = timedelta(0)
    """How long after a budget round opens buckets may be proposed (zero: until it closes)."""
    max_buckets_per_member: int = 3
    """How many buckets one member may propose in a budget round."""
    allocations_visible: bool = True
    """Whether members see who allocated what while a budget round is open (the totals of each
    bucket are always shown; every allocation is readable once the round closed)."""
    member_classes: tuple[str, ...] = ()
    """The member classes, in the pool's order (none: one kind of member). Each member belongs
    to one; a class is never a weight."""
    class_majority: frozenset[Kind] = frozenset()
    """Kinds of proposal that pass only with the threshold met overall and in each class."""
    share_types: tuple[ShareType, ...] = ()
    """The co-op shares members hold, with their nominal values and minimum holdings."""
    surplus_measure: SurplusMeasure | None = None
    """What a surplus is shared out in proportion to (none: the bylaws name no measure)."""
    booking_limits: BookingLimits = field(default_factory=BookingLimits)
    """Limits on members' bookings of the pool's assets."""
    legal: LegalSettings = field(default_factory=LegalSettings)
    """The legal form the text is written for and the particulars it needs."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise _invalid("the pool needs a name")
        if not isinstance(self.purpose, str):
            raise _invalid("purpose must be text")
        try:
            check_currency(self.currency)
        except RuleViolation as exc:
            raise _invalid(exc.reason) from None
        if isinstance(self.min_share, bool) or not isinstance(self.min_share, int):
            raise _invalid("minimum share must be an integer number of minor units")
        if self.min_share < 0:
            raise _invalid("minimum share cannot be negative")
        if not isinstance(self.threshold, Threshold):
            raise _invalid("threshold must be a Threshold")
        if not isinstance(self.amendment_threshold, Threshold):
            raise _invalid("amendment threshold must be a Threshold")
        if not isinstance(self.quorum, Fraction) or not 0 <= self.quorum <= 1:
            raise _invalid("quorum must be a fraction between 0 and 1")
        if not isinstance(self.voting_period, timedelta) or self.voting_period <= timedelta(0):
            raise _invalid("voting period must be positive")
        if self.voting_period.microseconds:
            raise _invalid("voting period must be a whole number of seconds")
        if not isinstance(self.admission, AdmissionPolicy):
            raise _invalid("admission must be open, steward or vote")
        if not isinstance(self.block_vetoes, bool):
            raise _invalid("block_vetoes must be true or false")
        if not isinstance(self.funding_wait, timedelta) or self.funding_wait <= timedelta(0):
            raise _invalid("the wait for funds must be positive")
        if not isinstance(self.commitment_lapse, timedelta) or self.commitment_lapse < timedelta(0):
            raise _invalid("the commitment lapse cannot be negative")
        if self.funding_wait.microseconds or self.commitment_lapse.microseconds:
            raise _invalid("the wait for funds and the commitment lapse are whole seconds")
        if self.amendment_threshold.strictness() < self.threshold.strictness():
            raise _invalid("bylaws changes need a threshold at least as strict as decisions")
        if not isinstance(self.visibility, Visibility):
            raise _invalid("visibility must be public or members")
        if not isinstance(self.outside_replies, OutsideReplies):
            raise _invalid("replies from outside the pool must be collapsed, refused or shown")
        self._check_rounds()
        if not isinstance(self.legal, LegalSettings):
            raise _invalid("the legal settings must be LegalSettings")
        check_coop_settings(self.member_classes, self.class_majority, self.share_types,
                            self.surplus_measure, self.booking_limits)
        object.__setattr__(self, "member_classes", tuple(self.member_classes))
        object.__setattr__(self, "class_majority", frozenset(self.class_majority))
        object.__setattr__(self, "share_types", tuple(self.share_types))

    def _check_rounds(self) -> None:
        if not isinstance(self.bucket_proposers, BucketProposers):
            raise _invalid("buckets are proposed by members or by stewards")
        if not isinstance(self.bucket_window, timedelta) or self.bucket_window < timedelta(0):
            raise _invalid("the bucket window cannot be negative")
        if self.bucket_window.microseconds or self.bucket_window > _LONGEST:
            raise _invalid("the bucket window is whole seconds, at most ten years")
        count = self.max_buckets_per_member
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BUCKETS_PER_MEMBER:
            raise _invalid(f"a member may propose 1 to {MAX_BUCKETS_PER_MEMBER} buckets per round")
        if not isinstance(self.allocations_visible, bool):
            raise _invalid("allocations_visible must be true or false")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form; ``visibility``, ``funding_wait_seconds``, ``commitment_lapse_seconds``
        and ``outside_replies`` only when not the default (documents signed before these settings
        existed keep their bytes, and an absent value reads as the default)."""
        data: dict[str, Any] = {
            "name": self.name,
            "purpose": self.purpose,
            "currency": self.currency,
            "min_share": self.min_share,
            "threshold": self.threshold.to_dict(),
            "quorum": fraction_to_str(self.quorum),
            "voting_period_seconds": int(self.voting_period.total_seconds()),
            "admission": self.admission.value,
            "block_vetoes": self.block_vetoes,
            "amendment_threshold": self.amendment_threshold.to_dict(),
        }
        if self.funding_wait != _FUNDING_WAIT:
            data["funding_wait_seconds"] = int(self.funding_wait.total_seconds())
        if self.commitment_lapse:
            data["commitment_lapse_seconds"] = int(self.commitment_lapse.total_seconds())
        if self.visibility is not Visibility.PUBLIC:
            data["visibility"] = self.visibility.value
        if self.outside_replies is not OutsideReplies.COLLAPSED:
            data["outside_replies"] = self.outside_replies.value
        # Budget round settings, likewise only when not the default.
        if self.bucket_proposers is not BucketProposers.MEMBERS:
            data["bucket_proposers"] = self.bucket_proposers.value
        if self.bucket_window:
            data["bucket_window_seconds"] = int(self.bucket_window.total_seconds())
        if self.max_buckets_per_member != 3:
            data["max_buckets_per_member"] = self.max_buckets_per_member
        if not self.allocations_visible:
            data["allocations_visible"] = False
        # The co-op settings, likewise only when set.
        if self.member_classes:
            data["member_classes"] = list(self.member_classes)
        if self.class_majority:
            data["class_majority"] = sorted(kind.value for kind in self.class_majority)
        if self.share_types:
            data["share_types"] = [share_type.to_dict() for share_type in self.share_types]
        if self.surplus_measure is not None:
            data["surplus_measure"] = self.surplus_measure.value
        if self.booking_limits.hours_per_month:
            data["booking_hours_per_month"] = self.booking_limits.hours_per_month
        if self.booking_limits.equal_turns:
            data["booking_equal_turns"] = True
        # The legal particulars, only when not the defaults (older bylaws keep their bytes).
        if self.legal != LegalSettings():
            data["legal"] = self.legal.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Bylaws:
        """Inverse of ``to_dict``."""
        admission = get_field(data, "admission", str)
        if admission not in AdmissionPolicy.__members__.values():
            raise RuleViolation("invalid_document", f"unknown admission policy {admission!r}")
        visibility = get_field(data, "visibility", str) if "visibility" in data else "public"
        if visibility not in Visibility.__members__.values():
            raise RuleViolation("invalid_document", f"unknown visibility {visibility!r}")
        outside = get_field(data, "outside_replies", str) if "outside_replies" in data else "collapsed"
        if outside not in OutsideReplies.__members__.values():
            raise RuleViolation("invalid_document", f"unknown outside_replies {outside!r}")
        proposers = get_field(data, "bucket_proposers", str) if "bucket_proposers" in data else "members"
        if proposers not in BucketProposers.__members__.values():
            raise RuleViolation("invalid_document", f"unknown bucket proposers {proposers!r}")
        return cls(
            name=get_field(data, "name", str),
            purpose=get_field(data, "purpose", str),
            currency=get_field(data, "currency", str),
            min_share=get_field(data, "min_share", int),
            threshold=Threshold.from_dict(get_field(data, "threshold", dict)),
            quorum=fraction_from_str(get_field(data, "quorum", str)),
            voting_period=timedelta(seconds=get_field(data, "voting_period_seconds", int)),
            admission=AdmissionPolicy(admission),
            block_vetoes=get_field(data, "block_vetoes", bool),
            amendment_threshold=Threshold.from_dict(get_field(data, "amendment_threshold", dict)),
            visibility=Visibility(visibility),
            # Bylaws written before these two settings existed take the defaults.
            funding_wait=timedelta(seconds=_seconds(data, "funding_wait_seconds", int(_FUNDING_WAIT.total_seconds()))),
            commitment_lapse=timedelta(seconds=_seconds(data, "commitment_lapse_seconds", 0)),
            outside_replies=OutsideReplies(outside),
            bucket_proposers=BucketProposers(proposers),
            bucket_window=timedelta(seconds=_seconds(data, "bucket_window_seconds", 0)),
            max_buckets_per_member=(get_field(data, "max_buckets_per_member", int)
                                    if "max_buckets_per_member" in data else 3),
            allocations_visible=(get_field(data, "allocations_visible", bool)
                                 if "allocations_visible" in data else True),
            **_coop_from_dict(data),
            legal=(LegalSettings.from_dict(get_field(data, "legal", dict))
                   if "legal" in data else LegalSettings()),
        )


def _seconds(data: Mapping[str, Any], key: str, default: int) -> int:
    if key not in data:
        return default
    value = get_field(data, key, int)
    if value > 10 * 366 * 86400:
        raise _invalid(f"{key} is at most ten years")
    return value


def _coop_from_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    """The co-op settings of a bylaws dict (absent ones take the defaults)."""
    classes = get_field(data, "member_classes", list) if "member_classes" in data else []
    kinds = get_field(data, "class_majority", list) if "class_majority" in data else []
    types = get_field(data, "share_types", list) if "share_types" in data else []
    measure = get_field(data, "surplus_measure", str) if "surplus_measure" in data else None
    if not all(isinstance(name, str) for name in classes):
        raise RuleViolation("invalid_document", "member classes are names")
    if not all(isinstance(kind, str) and kind in Kind.__members__.values() for kind in kinds):
        raise RuleViolation("invalid_document", "class_majority lists kinds of proposal")
    if not all(isinstance(share_type, dict) for share_type in types):
        raise RuleViolation("invalid_document", "share types are objects")
    if measure is not None and measure not in SurplusMeasure.__members__.values():
        raise RuleViolation("invalid_document", f"unknown surplus measure {measure!r}")
    hours = (get_field(data, "booking_hours_per_month", int)
             if "booking_hours_per_month" in data else 0)
    turns = get_field(data, "booking_equal_turns", bool) if "booking_equal_turns" in data else False
    return {
        "member_classes": tuple(classes),
        "class_majority": frozenset(Kind(kind) for kind in kinds),
        "share_types": tuple(ShareType.from_dict(share_type) for share_type in types),
        "surplus_measure": None if measure is None else SurplusMeasure(measure),
        "booking_limits": BookingLimits(hours, turns),
    }
