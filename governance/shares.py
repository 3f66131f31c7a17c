"""The share register: who holds which co-op shares since when, as a fold over signed events.

Shares are issued from capital a member has paid in (a treasurer booked the contribution), on
admission at least the minimum their class must hold, and redeemed at the value they were
issued at: on leaving all of them, before the capital is refunded (the ledger refuses a refund
while shares are held). Each event books one ledger entry (``share_transaction``): an issue
moves the value from ``capital:<person>`` to ``shares:<person>``, a redemption moves it back;
the fund is untouched, since the money came in with the contribution and leaves with the
refund. Shares are never transferred between members: a share is membership capital, not a
tradeable stake, and it carries no vote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from governance.bylaws import Bylaws
from governance.codec import datetime_from_str, datetime_to_str, get_field, utc
from governance.coop_rules import ShareType
from governance.errors import Conflict, RuleViolation
from governance.ledger import Ledger, StatementLine
from governance.ledger_entries import (
    EntryKind,
    Posting,
    Transaction,
    capital_account,
    share_account,
)
from governance.money import MAX_AMOUNT, format_money

__all__ = [
    "MAX_SHARES_PER_EVENT",
    "CapitalStatement",
    "HoldingLine",
    "Lot",
    "ShareAction",
    "ShareDue",
    "ShareEvent",
    "ShareRegister",
    "admission_issue",
    "capital_statement",
    "covered_issue",
    "issue_shares",
    "leaving_redemption",
    "redeem_shares",
    "share_transaction",
    "shares_owed",
]

MAX_SHARES_PER_EVENT = 1_000_000


class ShareAction(StrEnum):
    """What a share event does."""

    ISSUE = "issue"
    REDEEM = "redeem"


@dataclass(frozen=True, slots=True)
class ShareEvent:
    """``count`` shares of ``share_type`` issued to or redeemed from ``person``, worth ``value``
    minor units in all (an issue: count times the nominal value; a redemption: what the shares
    taken back were issued at)."""

    id: str
    at: datetime
    action: ShareAction
    person: str
    share_type: str
    count: int
    value: int

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise RuleViolation("invalid_share_event", "a share event needs an id")
        object.__setattr__(self, "at", utc(self.at, "share event time"))
        if not isinstance(self.action, ShareAction):
            raise RuleViolation("invalid_share_event", "shares are issued or redeemed")
        if not isinstance(self.person, str) or not self.person or "\n" in self.person:
            raise RuleViolation("invalid_person", "person ids must be non-empty single-line text")
        if not isinstance(self.share_type, str) or not self.share_type:
            raise RuleViolation("invalid_share_event", "a share event names its share type")
        count, value = self.count, self.value
        if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= MAX_SHARES_PER_EVENT:
            raise RuleViolation("invalid_share_event",
                                f"an event issues or redeems 1 to {MAX_SHARES_PER_EVENT} shares")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_AMOUNT:
            raise RuleViolation("invalid_amount", "a share event's value is positive minor units")
        if self.action is ShareAction.ISSUE and value % count:
            raise RuleViolation("invalid_share_event", "shares are issued at one nominal value")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"id": self.id, "at": datetime_to_str(self.at), "action": self.action.value,
                "person": self.person, "share_type": self.share_type, "count": self.count,
                "value": self.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShareEvent:
        """Inverse of ``to_dict``."""
        action = get_field(data, "action", str)
        if action not in ShareAction.__members__.values():
            raise RuleViolation("invalid_document", f"unknown share action {action!r}")
        return cls(get_field(data, "id", str), datetime_from_str(get_field(data, "at", str)),
                   ShareAction(action), get_field(data, "person", str),
                   get_field(data, "share_type", str), get_field(data, "count", int),
                   get_field(data, "value", int))


@dataclass(frozen=True, slots=True)
class Lot:
    """Shares of one type issued to a member by one event and still held."""

    share_type: str
    count: int
    nominal: int
    since: datetime
    event: str


def _take(lots: tuple[Lot, ...], share_type: str, count: int) -> tuple[tuple[Lot, ...], int]:
    """Take ``count`` shares of ``share_type``, the most recently issued first: what stays, and
    the value taken (a member's oldest shares keep their date)."""
    kept: list[Lot] = []
    value = 0
    for lot in reversed(lots):
        if lot.share_type != share_type or not count:
            kept.append(lot)
            continue
        taken = min(count, lot.count)
        count -= taken
        value += taken * lot.nominal
        if taken < lot.count:
            kept.append(Lot(lot.share_type, lot.count - taken, lot.nominal, lot.since, lot.event))
    if count:
        raise RuleViolation("not_enough_shares", f"the member holds fewer {share_type!r} shares")
    return tuple(reversed(kept)), value


@dataclass(frozen=True, slots=True)
class ShareRegister:
    """Every share event and the lots they leave each person; ``apply`` returns a new register."""

    events: tuple[ShareEvent, ...] = ()
    lots: Mapping[str, tuple[Lot, ...]] = field(default_factory=lambda: MappingProxyType({}))
    _index: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), repr=False)

    @classmethod
    def replay(cls, events: Iterable[ShareEvent]) -> ShareRegister:
        """The register after ``events``, in their order."""
        register = cls()
        for event in events:
            register = register.apply(event)
        return register

    def apply(self, event: ShareEvent) -> ShareRegister:
        """Record ``event``; the same one again changes nothing, another with its id conflicts."""
        known = self._index.get(event.id)
        if known is not None:
            if self.events[known] != event:
                raise Conflict("share_event_conflict", "another share event has this id")
            return self
        held = self.lots.get(event.person, ())
        if event.action is ShareAction.ISSUE:
            lot = Lot(event.share_type, event.count, event.value // event.count, event.at, event.id)
            after = (*held, lot)
        else:
            after, value = _take(held, event.share_type, event.count)
            if value != event.value:
                raise RuleViolation("invalid_share_event", "a redemption is worth what the "
                                    f"shares were issued at: {value} minor units")
        lots = dict(self.lots)
        lots[event.person] = after
        index = dict(self._index)
        index[event.id] = len(self.events)
        return ShareRegister((*self.events, event), MappingProxyType(lots), MappingProxyType(index))

    def holdings(self, person: str) -> tuple[Lot, ...]:
        """The lots ``person`` holds, oldest first."""
        return self.lots.get(person, ())

    def held(self, person: str, share_type: str | None = None) -> int:
        """How many shares (of ``share_type``, or of any type) ``person`` holds."""
        return sum(lot.count for lot in self.holdings(person)
                   if share_type is None or lot.share_type == share_type)

    def value_of(self, person: str) -> int:
        """The value of everything ``person`` holds, at the nominal values it was issued at."""
        return sum(lot.count * lot.nominal for lot in self.holdings(person))

    def holders(self) -> tuple[str, ...]:
        """Everyone holding at least one share, sorted."""
        return tuple(sorted(p for p, lots in self.lots.items() if lots))


def _share_type(bylaws: Bylaws, name: str) -> ShareType:
    for share_type in bylaws.share_types:
        if share_type.name == name:
            return share_type
    raise RuleViolation("unknown_share_type", f"{name!r} is not a share type of these bylaws")


def _class(bylaws: Bylaws, member_class: str | None) -> str | None:
    if bylaws.member_classes and member_class not in bylaws.member_classes:
        raise RuleViolation("unknown_class", "a member belongs to one member class of the bylaws")
    if not bylaws.member_classes and member_class is not None:
        raise RuleViolation("unknown_class", "these bylaws declare no member classes")
    return member_class


def issue_shares(bylaws: Bylaws, person: str, share_type: str, count: int, at: datetime,
                 id: str) -> ShareEvent:
    """Issue ``count`` more shares of ``share_type`` to ``person`` at its nominal value."""
    nominal = _share_type(bylaws, share_type).nominal
    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        raise RuleViolation("invalid_share_event", "issue at least one share")
    if count * nominal > MAX_AMOUNT:
        raise RuleViolation("amount_too_large", "that many shares are worth too much to book")
    return ShareEvent(id, at, ShareAction.ISSUE, person, share_type, count, count * nominal)


def admission_issue(register: ShareRegister, bylaws: Bylaws, person: str,
                    member_class: str | None, at: datetime, id: str) -> tuple[ShareEvent, ...]:
    """The shares a new member of ``member_class`` must hold, issued on admission (event ids
    ``<id>#<share type>``); none for a type whose minimum they already hold."""
    _class(bylaws, member_class)
    events = []
    for share_type in bylaws.share_types:
        missing = share_type.minimum_for(member_class) - register.held(person, share_type.name)
        if missing > 0:
            events.append(issue_shares(bylaws, person, share_type.name, missing, at,
                                       f"{id}#{share_type.name}"))
    return tuple(events)


@dataclass(frozen=True, slots=True)
class ShareDue:
    """Shares of one type a member still owes: ``count`` short of their class's minimum under
    the bylaws in force, worth ``value`` at the type's nominal value."""

    person: str
    share_type: str
    count: int
    nominal: int

    @property
    def value(self) -> int:
        """What the shares still due are worth, in minor units."""
        return self.count * self.nominal


def shares_owed(register: ShareRegister, bylaws: Bylaws, person: str,
                member_class: str | None) -> tuple[ShareDue, ...]:
    """Per share type, in the bylaws' order, how many shares ``person`` holds below the minimum
    of their class (a class the bylaws do not name owes the general minimum)."""
    return tuple(ShareDue(person, t.name, missing, t.nominal) for t in bylaws.share_types
                 if (missing := t.minimum_for(member_class) - register.held(person, t.name)) > 0)


def covered_issue(register: ShareRegister, bylaws: Bylaws, person: str, member_class: str | None,
                  capital: int, at: datetime, id: str) -> tuple[ShareEvent, ...]:
    """The shares a member short of their minimum is issued from ``capital`` (paid in and not
    in shares yet): whole shares only, the types in the bylaws' order, never beyond a type's
    minimum (event ids ``<id>#<share type>``). Whatever the capital does not cover stays due."""
    events = []
    for due in shares_owed(register, bylaws, person, member_class):
        count = min(due.count, capital // due.nominal)
        if count > 0:
            events.append(issue_shares(bylaws, person, due.share_type, count, at,
                                       f"{id}#{due.share_type}"))
            capital -= count * due.nominal
    return tuple(events)


def redeem_shares(register: ShareRegister, bylaws: Bylaws, person: str, member_class: str | None,
                  share_type: str, count: int, at: datetime, id: str) -> ShareEvent:
    """A member redeems ``count`` shares above the minimum of their class (the newest first)."""
    minimum = _share_type(bylaws, share_type).minimum_for(_class(bylaws, member_class))
    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        raise RuleViolation("invalid_share_event", "redeem at least one share")
    held = register.held(person, share_type)
    if held - count < minimum:
        raise RuleViolation("below_minimum", f"a member of this class holds at least {minimum} "
                            f"{share_type!r} shares while a member; {held} are held")
    _, value = _take(register.holdings(person), share_type, count)
    return ShareEvent(id, at, ShareAction.REDEEM, person, share_type, count, value)


def leaving_redemption(register: ShareRegister, person: str, at: datetime,
                       id: str) -> tuple[ShareEvent, ...]:
    """Redeem everything ``person`` holds as they leave (ids ``<id>#<share type>``)."""
    events = []
    for name in sorted({lot.share_type for lot in register.holdings(person)}):
        count = register.held(person, name)
        _, value = _take(register.holdings(person), name, count)
        events.append(ShareEvent(f"{id}#{name}", at, ShareAction.REDEEM, person, name, count, value))
    return tuple(events)


def share_transaction(event: ShareEvent, ledger: Ledger, *, by: str | None = None) -> Transaction:
    """The ledger entry of ``event`` (same id): an issue needs the capital paid in already (an
    event booked already gives its entry again, which the ledger takes as a no-op)."""
    capital, shares = capital_account(event.person), share_account(event.person)
    memo = f"{event.count} x {event.share_type}"
    booked = ledger.get(event.id) is not None
    if event.action is ShareAction.ISSUE:
        paid = ledger.capital_of(event.person)
        if paid < event.value and not booked:
            raise RuleViolation("share_unpaid", f"{format_money(event.value, ledger.currency)} of "
                                f"shares need that much capital paid in; "
                                f"{format_money(paid, ledger.currency)} is")
        postings = (Posting(capital, event.value), Posting(shares, -event.value))
        kind = EntryKind.SHARE_ISSUE
    else:
        if ledger.shares_of(event.person) < event.value and not booked:
            raise RuleViolation("not_enough_shares", "the ledger holds less share capital")
        postings = (Posting(shares, event.value), Posting(capital, -event.value))
        kind = EntryKind.SHARE_REDEMPTION
    return Transaction(event.id, event.at, kind, ledger.currency, postings, memo=memo,
                       reference=event.person, recorded_by=by)


@dataclass(frozen=True, slots=True)
class HoldingLine:
    """One lot on a capital statement."""

    share_type: str
    count: int
    nominal: int
    value: int
    since: datetime


@dataclass(frozen=True, slots=True)
class CapitalStatement:
    """What a member has in the pool: shares by lot, other paid-in capital, refunds owed, and
    every movement of their capital."""

    person: str
    currency: str
    holdings: tuple[HoldingLine, ...]
    share_capital: int
    other_capital: int
    owed: int
    movements: tuple[StatementLine, ...]

    @property
    def total(self) -> int:
        """Everything the pool holds for or owes the member."""
        return self.share_capital + self.other_capital + self.owed


def capital_statement(register: ShareRegister, ledger: Ledger, person: str) -> CapitalStatement:
    """The member's capital statement; the register and the ledger must agree on their shares."""
    share_capital = register.value_of(person)
    if share_capital != ledger.shares_of(person):
        raise Conflict("share_register_mismatch", "the share register and the ledger disagree "
                       "on this member's shares")
    holdings = tuple(HoldingLine(lot.share_type, lot.count, lot.nominal, lot.count * lot.nominal,
                                 lot.since) for lot in register.holdings(person))
    return CapitalStatement(person, ledger.currency, holdings, share_capital,
                            ledger.capital_of(person), ledger.owed_to(person),
                            ledger.statement(person))
