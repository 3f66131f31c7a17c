"""Bookings of the pool's assets: half-open intervals, no overlaps, the bylaws' limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import Conflict, NotPermitted, Roster, RuleViolation
from governance.assets import Asset, AssetRegister
from governance.bookings import Booking, BookingCalendar
from governance.coop_rules import BookingLimits

NOW = datetime(2025, 5, 31, 8, 0, tzinfo=UTC)
ROSTER = Roster.found(["ana", "ben", "cy"], NOW).apply("zoe", NOW)
ASSETS = (AssetRegister()
          .register(Asset("van", "Cargo van", 100, NOW, "ana"), ROSTER)
          .register(Asset("room", "Back room", 100, NOW, "ben"), ROSTER))
NONE = BookingLimits()


def _booking(id: str, start_h: float, hours: float, member: str = "ana", asset: str = "van",
             made: datetime = NOW) -> Booking:
    start = NOW + timedelta(minutes=round(start_h * 60))
    return Booking(id, asset, member, start, start + timedelta(minutes=round(hours * 60)), made)


def _book(calendar: BookingCalendar, booking: Booking, limits: BookingLimits = NONE) -> BookingCalendar:
    return calendar.book(booking, assets=ASSETS, roster=ROSTER, limits=limits)


def test_bookings_are_half_open_and_overlaps_are_refused_with_the_times() -> None:
    calendar = _book(BookingCalendar(), _booking("b1", 2, 3))
    calendar = _book(calendar, _booking("b2", 5, 1, "ben"))     # starts as b1 ends
    calendar = _book(calendar, _booking("b3", 2, 3, "cy", "room"))  # another asset
    with pytest.raises(Conflict) as info:
        _book(calendar, _booking("b4", 4.5, 1, "cy"))
    assert info.value.code == "booking_overlap"
    assert info.value.reason == "Cargo van is booked from 2025-05-31T10:00:00Z to 2025-05-31T13:00:00Z"
    assert [b.id for b in calendar.of_asset("van")] == ["b1", "b2"]
    assert _book(calendar, _booking("b1", 2, 3)) is calendar
    with pytest.raises(Conflict):
        _book(calendar, _booking("b1", 20, 3))


@pytest.mark.parametrize(("booking", "code"), [
    (lambda: _booking("x", 1, 1, "zoe"), "not_a_member"),
    (lambda: _booking("x", 1, 1, asset="bike"), "unknown_asset"),
    (lambda: _booking("x", -1, 2), "invalid_booking"),
    (lambda: _booking("x", 24 * 367, 1), "invalid_booking"),
])
def test_bookings_are_checked(booking: object, code: str) -> None:
    with pytest.raises((RuleViolation, NotPermitted)) as info:
        _book(BookingCalendar(), booking())  # type: ignore[operator]
    assert info.value.code == code


@pytest.mark.parametrize(("start", "end", "reason"), [
    (NOW + timedelta(seconds=30), NOW + timedelta(hours=1), "the start is a whole minute"),
    (NOW + timedelta(hours=2), NOW + timedelta(hours=1), "a booking ends after it starts"),
    (NOW, NOW + timedelta(days=32), "a booking lasts at most 31 days"),
])
def test_a_booking_is_whole_minutes_forwards_and_bounded(start: datetime, end: datetime,
                                                         reason: str) -> None:
    with pytest.raises(RuleViolation) as info:
        Booking("x", "van", "ana", start, end, NOW)
    assert info.value.reason == reason


def test_equal_turns_allow_one_booking_that_has_not_ended() -> None:
    turns = BookingLimits(equal_turns=True)
    calendar = _book(BookingCalendar(), _booking("b1", 2, 3), turns)
    with pytest.raises(RuleViolation) as info:
        _book(calendar, _booking("b2", 10, 1), turns)
    assert info.value.code == "turn_taken"
    later = NOW + timedelta(hours=5)
    calendar = _book(calendar, _booking("b2", 10, 1, made=later), turns)
    assert _book(calendar, _booking("b3", 12, 1, "ben"), turns).get("b3") is not None


def test_monthly_hours_count_each_calendar_month_apart() -> None:
    limit = BookingLimits(hours_per_month=10)
    # 2025-05-31 08:00 + 40 h runs 16 h in May and 24 h in June: too long for either.
    with pytest.raises(RuleViolation) as info:
        _book(BookingCalendar(), _booking("b1", 0, 40), limit)
    assert info.value.reason == ("a member books Cargo van for at most 10 h a month; in 2025-05 "
                                 "you hold 0 h and this booking is 16 h")
    calendar = _book(BookingCalendar(), _booking("b1", 6, 10), limit)       # 14:00 to 24:00, May 31
    calendar = _book(calendar, _booking("b2", 16, 9.5), limit)              # June 1st, 00:00
    with pytest.raises(RuleViolation) as info:
        _book(calendar, _booking("b3", 30, 1), limit)
    assert info.value.code == "booking_limit" and "in 2025-06 you hold 9 h 30 min" in info.value.reason
    assert _book(calendar, _booking("b3", 30, 0.5), limit).get("b3") is not None
    assert _book(calendar, _booking("b4", 30, 5, "ben"), limit).get("b4") is not None


def test_cancelling_frees_the_time_and_only_the_booker_or_a_steward_may() -> None:
    calendar = _book(BookingCalendar(), _booking("b1", 2, 3, "ben"))
    helper = Roster.found(["ana"], NOW).apply("cy", NOW)  # cy is no steward here
    with pytest.raises(NotPermitted):
        calendar.cancel("b1", by="cy", at=NOW, roster=helper)
    cancelled = calendar.cancel("b1", by="ben", at=NOW, roster=ROSTER)
    assert cancelled.get("b1").cancelled_at == NOW  # type: ignore[union-attr]
    assert cancelled.cancel("b1", by="ben", at=NOW, roster=ROSTER) is cancelled
    assert _book(cancelled, _booking("b2", 2, 3, "cy")).get("b2") is not None
    with pytest.raises(Conflict):
        calendar.cancel("b1", by="ana", at=NOW + timedelta(hours=5), roster=ROSTER)


REQUESTS = st.lists(st.tuples(st.sampled_from(["van", "room"]), st.sampled_from(["ana", "ben", "cy"]),
                              st.integers(0, 48 * 4), st.integers(1, 16)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(REQUESTS)
def test_accepted_bookings_never_overlap_and_only_overlaps_are_refused(
        requests: list[tuple[str, str, int, int]]) -> None:
    calendar = BookingCalendar()
    for n, (asset, member, quarter, length) in enumerate(requests):
        start = NOW + timedelta(minutes=15 * quarter)
        booking = Booking(f"b{n}", asset, member, start, start + timedelta(minutes=15 * length), NOW)
        clashes = [b for b in calendar.of_asset(asset)
                   if b.start < booking.end and booking.start < b.end]
        try:
            calendar = _book(calendar, booking)
        except Conflict as exc:
            assert exc.code == "booking_overlap" and clashes
        else:
            assert not clashes
    for asset in ("van", "room"):
        held = calendar.of_asset(asset)
        for first, second in pairwise(held):
            assert first.end <= second.start
        for a in held:
            for b in held:
                assert a is b or not a.overlaps(b)
                assert a.overlaps(b) == b.overlaps(a)


@settings(max_examples=200, deadline=None)
@given(REQUESTS, st.integers(1, 6), st.booleans())
def test_the_limits_hold_whatever_is_asked(requests: list[tuple[str, str, int, int]], hours: int,
                                           turns: bool) -> None:
    limits = BookingLimits(hours_per_month=hours, equal_turns=turns)
    calendar = BookingCalendar()
    for n, (asset, member, quarter, length) in enumerate(requests):
        start = NOW + timedelta(minutes=15 * quarter)
        made = NOW + timedelta(minutes=15 * (quarter // 2))  # asked some time before it starts
        booking = Booking(f"b{n}", asset, member, start, start + timedelta(minutes=15 * length), made)
        try:
            calendar = _book(calendar, booking, limits)
        except (Conflict, RuleViolation) as exc:
            assert exc.code in {"booking_overlap", "booking_limit", "turn_taken"}
            continue
        if turns:  # nothing else of theirs on this asset was still running or ahead when asked
            assert all(b.end <= made for b in calendar.of_asset(asset)
                       if b.member == member and b.id != booking.id)
    months = {datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)}
    for asset in ("van", "room"):
        for member in ("ana", "ben", "cy"):
            mine = [b for b in calendar.of_asset(asset) if b.member == member]
            for month in months:
                assert sum(b.seconds_in(month) for b in mine) <= hours * 3600
