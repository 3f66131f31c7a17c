"""Use-value bookings: members book the pool's assets for a time; overlaps are refused.

A booking holds its asset over the half-open interval ``[start, end)``: one ending at 12:00 and
the next starting at 12:00 do not overlap. Times are whole minutes, passed in (``made_at`` is
when the member asked). The bylaws may limit bookings (``BookingLimits``): the hours one member
books one asset in a calendar month (UTC), and equal turns (a member holds at most one booking
of an asset that has not ended yet). A cancelled booking is kept, marked, and holds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from governance.assets import AssetRegister
from governance.codec import datetime_to_str, utc
from governance.coop_rules import BookingLimits
from governance.errors import Conflict, NotPermitted, RuleViolation
from governance.membership import Role, Roster

__all__ = ["MAX_AHEAD", "MAX_BOOKING", "MAX_BOOKINGS", "Booking", "BookingCalendar"]

MAX_BOOKING = timedelta(days=31)
"""The longest single booking."""
MAX_AHEAD = timedelta(days=366)
"""How far ahead a booking may start."""
MAX_BOOKINGS = 100_000
"""The most bookings one calendar holds (cancelled ones included)."""


def _minute(moment: datetime, what: str) -> datetime:
    moment = utc(moment, what)
    if moment.second or moment.microsecond:
        raise RuleViolation("invalid_booking", f"the {what} is a whole minute")
    return moment


@dataclass(frozen=True, slots=True)
class Booking:
    """``member`` holds ``asset`` over ``[start, end)``; asked for at ``made_at``."""

    id: str
    asset: str
    member: str
    start: datetime
    end: datetime
    made_at: datetime
    cancelled_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise RuleViolation("invalid_booking", "a booking needs an id")
        if not isinstance(self.asset, str) or not self.asset:
            raise RuleViolation("invalid_booking", "a booking names its asset")
        if not isinstance(self.member, str) or not self.member or "\n" in self.member:
            raise RuleViolation("invalid_person", "person ids must be non-empty single-line text")
        object.__setattr__(self, "start", _minute(self.start, "start"))
        object.__setattr__(self, "end", _minute(self.end, "end"))
        object.__setattr__(self, "made_at", utc(self.made_at, "booking time"))
        if self.cancelled_at is not None:
            object.__setattr__(self, "cancelled_at", utc(self.cancelled_at, "cancellation time"))
        if self.end <= self.start:
            raise RuleViolation("invalid_booking", "a booking ends after it starts")
        if self.end - self.start > MAX_BOOKING:
            raise RuleViolation("invalid_booking", f"a booking lasts at most {MAX_BOOKING.days} days")

    @property
    def active(self) -> bool:
        """Whether the booking still holds its asset (it was not cancelled)."""
        return self.cancelled_at is None

    def overlaps(self, other: Booking) -> bool:
        """Whether the two bookings hold the same asset at some moment (half-open intervals)."""
        return self.asset == other.asset and self.start < other.end and other.start < self.end

    def seconds_in(self, month: datetime) -> int:
        """Seconds of the booking within the calendar month (UTC) that starts at ``month``."""
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        overlap = min(self.end, following) - max(self.start, month)
        return max(0, int(overlap.total_seconds()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"id": self.id, "asset": self.asset, "member": self.member,
                "start": datetime_to_str(self.start), "end": datetime_to_str(self.end),
                "made_at": datetime_to_str(self.made_at),
                "cancelled_at": None if self.cancelled_at is None
                else datetime_to_str(self.cancelled_at)}


def _months(start: datetime, end: datetime) -> list[datetime]:
    """The first moments (UTC) of the calendar months ``[start, end)`` touches."""
    month = datetime(start.year, start.month, 1, tzinfo=UTC)
    months = []
    while month < end:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def _hours(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60:02d} min" if rest else f"{hours} h"


@dataclass(frozen=True, slots=True)
class BookingCalendar:
    """Every booking of the pool's assets; ``book`` and ``cancel`` return a new calendar."""

    bookings: tuple[Booking, ...] = ()
    _index: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), repr=False)

    def get(self, booking_id: str) -> Booking | None:
        """The booking with this id, if any."""
        index = self._index.get(booking_id)
        return None if index is None else self.bookings[index]

    def of_asset(self, asset: str) -> tuple[Booking, ...]:
        """The active bookings of ``asset``, by start."""
        return tuple(sorted((b for b in self.bookings if b.active and b.asset == asset),
                            key=lambda b: (b.start, b.id)))

    def conflict(self, booking: Booking) -> Booking | None:
        """The first active booking (by start) that ``booking`` would overlap, if any."""
        return next((b for b in self.of_asset(booking.asset)
                     if b.id != booking.id and b.overlaps(booking)), None)

    def book(self, booking: Booking, *, assets: AssetRegister, roster: Roster,
             limits: BookingLimits) -> BookingCalendar:
        """Accept ``booking`` or refuse it with the reason; the same booking again is a no-op."""
        known = self.get(booking.id)
        if known is not None:
            if known != booking:
                raise Conflict("booking_id_conflict", "another booking has this id")
            return self
        if booking.cancelled_at is not None:
            raise RuleViolation("invalid_booking", "a new booking is not cancelled")
        asset = assets.get(booking.asset)
        if not roster.is_member(booking.member):
            raise NotPermitted("not_a_member", "only members book the pool's assets")
        if booking.start < booking.made_at:
            raise RuleViolation("invalid_booking", "a booking cannot start in the past")
        if booking.start - booking.made_at > MAX_AHEAD:
            raise RuleViolation("invalid_booking", f"a booking starts at most {MAX_AHEAD.days} "
                                "days ahead")
        if len(self.bookings) >= MAX_BOOKINGS:
            raise RuleViolation("too_many_bookings", "the calendar is full")
        clash = self.conflict(booking)
        if clash is not None:
            raise Conflict("booking_overlap", f"{asset.name} is booked from "
                           f"{datetime_to_str(clash.start)} to {datetime_to_str(clash.end)}")
        mine = [b for b in self.of_asset(booking.asset) if b.member == booking.member]
        if limits.equal_turns and any(b.end > booking.made_at for b in mine):
            raise RuleViolation("turn_taken", f"equal turns: you hold a booking of {asset.name} "
                                "that has not ended; book your next turn once it has")
        if limits.hours_per_month:
            allowed = limits.hours_per_month * 3600
            for month in _months(booking.start, booking.end):
                used = sum(b.seconds_in(month) for b in mine)
                if used + booking.seconds_in(month) > allowed:
                    raise RuleViolation(
                        "booking_limit", f"a member books {asset.name} for at most "
                        f"{limits.hours_per_month} h a month; in {month:%Y-%m} you hold "
                        f"{_hours(used)} and this booking is {_hours(booking.seconds_in(month))}")
        index = dict(self._index)
        index[booking.id] = len(self.bookings)
        return BookingCalendar((*self.bookings, booking), MappingProxyType(index))

    def cancel(self, booking_id: str, *, by: str, at: datetime, roster: Roster) -> BookingCalendar:
        """The member who booked (or a steward) cancels a booking before it ends."""
        booking = self.get(booking_id)
        if booking is None:
            raise RuleViolation("unknown_booking", "there is no such booking")
        steward = roster.get(by)
        if by != booking.member and (steward is None or not steward.has(Role.STEWARD)):
            raise NotPermitted("not_permitted", "only the member who booked or a steward cancels")
        if not booking.active:
            return self
        when = utc(at, "cancellation time")
        if when >= booking.end:
            raise Conflict("booking_over", "the booking is over")
        bookings = list(self.bookings)
        bookings[self._index[booking_id]] = replace(booking, cancelled_at=when)
        return BookingCalendar(tuple(bookings), self._index)
