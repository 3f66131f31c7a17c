"""Proposals: what is being decided (the motion) and the rule and electorate frozen at opening."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, ClassVar

from governance.bylaws import Bylaws, Threshold
from governance.codec import (
    datetime_from_str,
    datetime_to_str,
    fraction_from_str,
    fraction_to_str,
    get_field,
    utc,
)
from governance.electorate import Electorate
from governance.errors import Conflict, NotPermitted, RuleViolation
from governance.investment import Investment
from governance.kinds import BallotType, Kind
from governance.money import check_currency
from governance.rounds import BudgetRound
from governance.surplus import SurplusDistribution

__all__ = [
    "Admission",
    "BallotType",
    "BudgetRound",
    "BylawsChange",
    "Decision",
    "Disbursement",
    "Expulsion",
    "FrozenRule",
    "Investment",
    "JoinFlood",
    "Kind",
    "LeaveFlood",
    "Motion",
    "Proposal",
    "RoleChange",
    "SurplusDistribution",
    "motion_from_dict",
    "open_proposal",
]


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise RuleViolation("invalid_motion", f"{what} must be non-empty text")
    return value


@dataclass(frozen=True, slots=True)
class Decision:
    """A free-text decision."""

    text: str
    kind = Kind.DECISION

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"kind": self.kind.value, "text": self.text}


@dataclass(frozen=True, slots=True)
class Disbursement:
    """Pay ``amount`` minor units of ``currency`` from the fund to ``payee`` for ``purpose``."""

    amount: int
    currency: str
    payee: str
    purpose: str
    kind = Kind.DISBURSEMENT

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise RuleViolation("invalid_amount", "a disbursement needs a positive integer amount")
        check_currency(self.currency)
        _text(self.payee, "payee")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "kind": self.kind.value,
            "amount": self.amount,
            "currency": self.currency,
            "payee": self.payee,
            "purpose": self.purpose,
        }


@dataclass(frozen=True, slots=True)
class BylawsChange:
    """Replace the bylaws with ``bylaws``."""

    bylaws: Bylaws
    kind = Kind.BYLAWS_CHANGE

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"kind": self.kind.value, "bylaws": self.bylaws.to_dict()}


@dataclass(frozen=True, slots=True)
class Admission:
    """Admit ``person`` (under the member-vote admission policy)."""

    person: str
    kind = Kind.ADMISSION

    def __post_init__(self) -> None:
        _text(self.person, "person")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"kind": self.kind.value, "person": self.person}


@dataclass(frozen=True, slots=True)
class Expulsion:
    """Expel ``person``."""

    person: str
    kind = Kind.EXPULSION

    def __post_init__(self) -> None:
        _text(self.person, "person")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"kind": self.kind.value, "person": self.person}


ASSIGNABLE_ROLES = ("steward", "treasurer")


@dataclass(frozen=True, slots=True)
class RoleChange:
    """Give ``person`` the duty ``role`` (``grant``) or take it away; never an extra vote."""

    person: str
    role: str
    grant: bool
    kind = Kind.ROLE_CHANGE

    def __post_init__(self) -> None:
        _text(self.person, "person")
        if self.role not in ASSIGNABLE_ROLES:
            raise RuleViolation("invalid_role", f"a role is one of {', '.join(ASSIGNABLE_ROLES)}")
        if not isinstance(self.grant, bool):
            raise RuleViolation("invalid_motion", "a role change grants or revokes")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"kind": self.kind.value, "person": self.person, "role": self.role,
                "grant": self.grant}


@dataclass(frozen=True, slots=True)
class _FloodMotion:
    """A pool ``pool`` and a flood ``flood``: what joining and leaving a flood name."""

    flood: str
    pool: str
    kind: ClassVar[Kind]

    def __post_init__(self) -> None:
        _text(self.flood, "flood")
        _text(self.pool, "pool")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"kind": self.kind.value, "flood": self.flood, "pool": self.pool}


@dataclass(frozen=True, slots=True)
class JoinFlood(_FloodMotion):
    """Pool ``pool`` joins flood ``flood``."""

    kind = Kind.JOIN_FLOOD


@dataclass(frozen=True, slots=True)
class LeaveFlood(_FloodMotion):
    """Pool ``pool`` leaves flood ``flood``."""

    kind = Kind.LEAVE_FLOOD


Motion = (
    Decision | Disbursement | BylawsChange | Admission | Expulsion | JoinFlood | LeaveFlood
    | BudgetRound | RoleChange | SurplusDistribution | Investment
)


def motion_from_dict(data: Mapping[str, Any]) -> Motion:
    """Inverse of each motion's ``to_dict``."""
    kind = get_field(data, "kind", str)
    if kind == Kind.DECISION:
        return Decision(get_field(data, "text", str))
    if kind == Kind.DISBURSEMENT:
        return Disbursement(
            get_field(data, "amount", int),
            get_field(data, "currency", str),
            get_field(data, "payee", str),
            get_field(data, "purpose", str),
        )
    if kind == Kind.BYLAWS_CHANGE:
        return BylawsChange(Bylaws.from_dict(get_field(data, "bylaws", dict)))
    if kind == Kind.ADMISSION:
        return Admission(get_field(data, "person", str))
    if kind == Kind.EXPULSION:
        return Expulsion(get_field(data, "person", str))
    if kind == Kind.JOIN_FLOOD:
        return JoinFlood(get_field(data, "flood", str), get_field(data, "pool", str))
    if kind == Kind.LEAVE_FLOOD:
        return LeaveFlood(get_field(data, "flood", str), get_field(data, "pool", str))
    if kind == Kind.BUDGET_ROUND:
        return BudgetRound.from_dict(data)
    if kind == Kind.ROLE_CHANGE:
        return RoleChange(get_field(data, "person", str), get_field(data, "role", str),
                          get_field(data, "grant", bool))
    if kind == Kind.SURPLUS:
        return SurplusDistribution.from_dict(data)
    if kind == Kind.INVESTMENT:
        return Investment.from_dict(data)
    raise RuleViolation("invalid_document", f"unknown proposal kind {kind!r}")


@dataclass(frozen=True, slots=True)
class FrozenRule:
    """The rule a proposal is decided by, copied from the bylaws when it opened."""

    proposal_id: str
    ballot_type: BallotType
    options: tuple[str, ...]
    threshold: Threshold
    quorum: Fraction
    opens_at: datetime
    closes_at: datetime
    block_vetoes: bool
    class_majority: bool = False
    """Whether the threshold must also be met within each member class (governance.classes)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "opens_at", utc(self.opens_at, "opening time"))
        object.__setattr__(self, "closes_at", utc(self.closes_at, "closing time"))
        if self.closes_at <= self.opens_at:
            raise RuleViolation("invalid_period", "a proposal must close after it opens")
        if not isinstance(self.quorum, Fraction) or not 0 <= self.quorum <= 1:
            raise RuleViolation("invalid_rule", "quorum must be a fraction between 0 and 1")
        options = tuple(self.options)
        object.__setattr__(self, "options", options)
        if self.ballot_type in (BallotType.CONSENT, BallotType.ALLOCATION):
            if options:
                raise RuleViolation("invalid_options", f"{self.ballot_type} ballots take no options")
        else:
            if len(options) < 2:
                raise RuleViolation("invalid_options", "a choice needs at least two options")
            if len(set(options)) != len(options):
                raise RuleViolation("invalid_options", "options must be distinct")
            if not all(isinstance(o, str) and o for o in options):
                raise RuleViolation("invalid_options", "options must be non-empty text")
        if not isinstance(self.class_majority, bool) or (
                self.class_majority and self.ballot_type is not BallotType.CONSENT):
            raise RuleViolation("invalid_rule", "a majority in each class is for consent ballots")

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` falls in the voting window ``[opens_at, closes_at)``."""
        return self.opens_at <= utc(at) < self.closes_at

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form; ``class_majority`` only when true (older rules keep their bytes)."""
        data: dict[str, Any] = {
            "proposal": self.proposal_id,
            "ballot_type": self.ballot_type.value,
            "options": list(self.options),
            "threshold": self.threshold.to_dict(),
            "quorum": fraction_to_str(self.quorum),
            "opens_at": datetime_to_str(self.opens_at),
            "closes_at": datetime_to_str(self.closes_at),
            "block_vetoes": self.block_vetoes,
        }
        if self.class_majority:
            data["class_majority"] = True
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FrozenRule:
        """Inverse of ``to_dict``."""
        ballot_type = get_field(data, "ballot_type", str)
        if ballot_type not in BallotType.__members__.values():
            raise RuleViolation("invalid_document", f"unknown ballot type {ballot_type!r}")
        options = get_field(data, "options", list)
        if not all(isinstance(o, str) for o in options):
            raise RuleViolation("invalid_document", "options must be strings")
        return cls(
            proposal_id=get_field(data, "proposal", str),
            ballot_type=BallotType(ballot_type),
            options=tuple(options),
            threshold=Threshold.from_dict(get_field(data, "threshold", dict)),
            quorum=fraction_from_str(get_field(data, "quorum", str)),
            opens_at=datetime_from_str(get_field(data, "opens_at", str)),
            closes_at=datetime_from_str(get_field(data, "closes_at", str)),
            block_vetoes=get_field(data, "block_vetoes", bool),
            class_majority=("class_majority" in data and get_field(data, "class_majority", bool)),
        )


_CHOICE_TYPES = (BallotType.CONSENT, BallotType.SINGLE, BallotType.APPROVAL, BallotType.RANKED)
_ALLOWED: dict[Kind, tuple[BallotType, ...]] = {
    Kind.DECISION: _CHOICE_TYPES,
    Kind.BUDGET_ROUND: (BallotType.ALLOCATION,),
}


@dataclass(frozen=True, slots=True)
class Proposal:
    """An opened proposal: its motion, frozen rule and frozen electorate."""

    id: str
    author: str
    title: str
    motion: Motion
    rule: FrozenRule
    electorate: Electorate

    @property
    def kind(self) -> Kind:
        """The kind of the motion."""
        return self.motion.kind

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "id": self.id,
            "author": self.author,
            "title": self.title,
            "motion": self.motion.to_dict(),
            "rule": self.rule.to_dict(),
            "electorate": self.electorate.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Proposal:
        """Inverse of ``to_dict``."""
        rule = FrozenRule.from_dict(get_field(data, "rule", dict))
        proposal = cls(
            id=get_field(data, "id", str),
            author=get_field(data, "author", str),
            title=get_field(data, "title", str),
            motion=motion_from_dict(get_field(data, "motion", dict)),
            rule=rule,
            electorate=Electorate.from_dict(get_field(data, "electorate", dict)),
        )
        if rule.proposal_id != proposal.id:
            raise RuleViolation("invalid_document", "the rule belongs to another proposal")
        return proposal


def open_proposal(
    *,
    id: str,
    author: str,
    title: str,
    motion: Motion,
    bylaws: Bylaws,
    electorate: Electorate,
    opens_at: datetime,
    ballot_type: BallotType = BallotType.CONSENT,
    options: Sequence[str] = (),
    closes_at: datetime | None = None,
) -> Proposal:
    """Open a proposal, freezing the bylaws' rule and the given electorate (members now)."""
    if not isinstance(id, str) or not id:
        raise RuleViolation("invalid_proposal", "a proposal needs an id")
    if author not in electorate:
        raise NotPermitted("not_in_electorate", "only a member may open a proposal")
    allowed = _ALLOWED.get(motion.kind, (BallotType.CONSENT,))
    if ballot_type not in allowed:
        raise RuleViolation(
            "ballot_type_not_allowed", f"a {motion.kind} proposal cannot use {ballot_type} ballots"
        )
    if isinstance(motion, (Disbursement, BudgetRound)) and motion.currency != bylaws.currency:
        raise RuleViolation("currency_mismatch", f"the pool's currency is {bylaws.currency}")
    if isinstance(motion, BylawsChange) and motion.bylaws.currency != bylaws.currency:
        raise RuleViolation("currency_mismatch", "a bylaws change cannot change the currency")
    if isinstance(motion, Admission) and motion.person in electorate:
        raise Conflict("already_member", "that person is already a member")
    if isinstance(motion, Expulsion) and motion.person not in electorate:
        raise RuleViolation("not_a_member", "only a member can be expelled")
    if isinstance(motion, RoleChange) and motion.person not in electorate:
        raise RuleViolation("not_a_member", "only a member can hold a role")
    if isinstance(motion, SurplusDistribution):
        motion.check_opening(bylaws, electorate)
    if isinstance(motion, Investment):
        motion.check_opening(bylaws.currency, electorate)
    class_majority = motion.kind in bylaws.class_majority
    if class_majority and ballot_type is not BallotType.CONSENT:
        raise RuleViolation("ballot_type_not_allowed", f"a {motion.kind} proposal needs a "
                            "majority in each member class, which only consent ballots show")
    opens = utc(opens_at, "opening time")
    closes = opens + bylaws.voting_period if closes_at is None else closes_at
    if isinstance(motion, BudgetRound):
        # The round's own rules are frozen like the vote's: the bylaws now, not at the close.
        motion = motion.frozen(bylaws, opens, utc(closes, "closing time"))
    threshold = (
        bylaws.amendment_threshold if isinstance(motion, BylawsChange) else bylaws.threshold
    )
    rule = FrozenRule(
        proposal_id=id,
        ballot_type=ballot_type,
        options=tuple(options),
        threshold=threshold,
        quorum=bylaws.quorum,
        opens_at=opens,
        closes_at=closes,
        block_vetoes=bylaws.block_vetoes,
        class_majority=class_majority,
    )
    return Proposal(id, author, title, motion, rule, electorate)

