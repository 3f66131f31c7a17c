"""Members book the pool's assets; overlaps and the bylaws' limits are refused with the reason.

``book`` checks a booking with ``governance.bookings.BookingCalendar`` against the asset's
bookings under one lock per pool (so a member's hours and turns are counted over every booking
stored before), then stores it with ``BookingStore.add``, which refuses an overlap again inside
a transaction serialised on the asset: of two requests for one slot exactly one is stored,
whichever process takes them. The pool publishes Create(Event) for a booking and
Delete(Tombstone) for a cancelled one (docs/PROTOCOL.md, "Bookings").
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import MappingProxyType

from aiohttp import web

from governance import Conflict as RuleConflict
from governance import RuleViolation
from governance.assets import Asset, AssetRegister
from governance.bookings import Booking, BookingCalendar
from governance.codec import utc
from node.appkeys import ACTORS, DB
from node.assets.documents import event_document, tombstone
from node.assets.register import asset_of, assets
from node.errors import Conflict, InvalidRequest, NotFound
from node.pool_engine.common import iso, named_lock, publish, roster_of
from node.storage import ActorRecord, BookingStore, NewBooking, StoredAsset, StoredBooking
from node.wire import check_document

__all__ = ["MAX_HELD", "MAX_NOTE", "MAX_TIME_TEXT", "asset_by_uri", "book", "book_from_event", "bookings",
           "cancel", "parse_time"]

MAX_NOTE = 500
"""The longest note a member adds to a booking, in characters."""
MAX_TIME_TEXT = 40
"""The longest time text taken (ISO 8601 with an offset is 25 characters)."""
MAX_HELD = 100
"""The most bookings that have not ended one member holds in one pool, whatever the bylaws."""


def bookings(app: web.Application) -> BookingStore:
    """The bookings' queries over the app's database."""
    return BookingStore(app[DB])


async def asset_by_uri(app: web.Application, uri: str) -> StoredAsset | None:
    """A local pool's asset by its id, if any (a bounded look-up: ids are URLs)."""
    return await assets(app).by_uri(uri) if len(uri) <= 2000 else None


def parse_time(value: object, what: str) -> datetime:
    """An ISO 8601 time with its offset (e.g. ``2025-06-02T09:00:00Z``), as UTC; 400 otherwise."""
    if not isinstance(value, str) or not value or len(value) > MAX_TIME_TEXT:
        raise InvalidRequest(f"the {what} is an ISO 8601 time with its offset, e.g. "
                             "2025-06-02T09:00:00Z")
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest(f"the {what} is not an ISO 8601 time: {value[:MAX_TIME_TEXT]!r}") from None
    if moment.tzinfo is None:
        raise InvalidRequest(f"the {what} needs its offset from UTC (e.g. Z)")
    if not 1970 <= moment.year <= 9998:
        raise InvalidRequest(f"the {what} is out of range")
    return moment.astimezone(UTC)


def _core(row: StoredBooking) -> Booking:
    return Booking(row.uri, row.asset_uri, row.member_uri, _when(row.start_at),
                   _when(row.end_at), _when(row.made_at),
                   None if row.cancelled_at is None else _when(row.cancelled_at))


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _calendar(rows: list[StoredBooking]) -> BookingCalendar:
    held = tuple(_core(r) for r in rows)
    return BookingCalendar(held, MappingProxyType({b.id: i for i, b in enumerate(held)}))


def _overlap(clash: StoredBooking) -> Conflict:
    return Conflict(f"{clash.asset_name} is booked from {clash.start_at} to {clash.end_at} "
                    f"(booking {clash.uri})", code="booking_overlap")


async def book(app: web.Application, pool: ActorRecord, asset_uri: str, member: str,
               start: datetime, end: datetime, *, at: datetime, note: str = "",
               source: str | None = None) -> StoredBooking:
    """Book ``asset_uri`` for ``member`` over ``[start, end)``, asked at ``at``; refused with the
    reason (409 ``booking_overlap`` naming the booking in the way). Once per ``source``."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidRequest(f"a booking's note has at most {MAX_NOTE} characters")
    store = bookings(app)
    if source is not None and (known := await store.by_source(source)) is not None:
        return known
    stored_asset = await asset_of(app, pool, asset_uri)
    made = utc(at).replace(microsecond=0)
    booking = Booking(f"{pool.uri}/bookings/{uuid.uuid4()}", asset_uri, member, start, end, made)
    async with named_lock(app, f"bookings:{pool.id}"):
        roster, bylaws, _ = await roster_of(app, pool)
        month = made.replace(day=1, hour=0, minute=0, second=0)
        if await store.count_held(pool.id, member, iso(made)) >= MAX_HELD:
            raise RuleViolation("too_many_bookings", f"a member holds at most {MAX_HELD} bookings "
                                "that have not ended; cancel one or wait until one has ended")
        held = await store.of_asset(stored_asset.id, since=iso(month))
        register = AssetRegister(MappingProxyType({asset_uri: Asset.from_dict(stored_asset.asset)}))
        try:
            _calendar(held).book(booking, assets=register, roster=roster,
                                 limits=bylaws.booking_limits)
        except RuleConflict as refused:
            if refused.code != "booking_overlap":
                raise
            raise _overlap(next(r for r in held if _core(r).overlaps(booking))) from None
        saved, clash = await store.add(pool.id, stored_asset.id, NewBooking(
            booking.id, member, iso(booking.start), iso(booking.end), iso(made), note, source))
    if clash is not None:
        raise _overlap(clash)
    assert saved is not None
    await publish(app, pool, "Create", event_document(saved, pool.uri), [member])
    return saved


async def cancel(app: web.Application, pool: ActorRecord, booking_uri: str, *, by: str,
                 at: datetime) -> StoredBooking:
    """The member who booked (or a steward) cancels before the booking ends; the pool
    publishes Delete(Tombstone). Cancelling a cancelled booking changes nothing."""
    store = bookings(app)
    row = await store.by_uri(booking_uri)
    if row is None or row.pool_id != pool.id:
        raise NotFound("the pool has no such booking")
    when = utc(at).replace(microsecond=0)
    async with named_lock(app, f"bookings:{pool.id}"):
        roster, _, _ = await roster_of(app, pool)
        _calendar([row]).cancel(row.uri, by=by, at=when, roster=roster)
        changed = await store.cancel(row.id, iso(when))
    after = await store.by_uri(booking_uri)
    assert after is not None
    if changed:
        await publish(app, pool, "Delete", tombstone(after), [after.member_uri])
    return after


async def book_from_event(app: web.Application, member: str, event: dict[str, object],
                          at: datetime) -> ActorRecord | None:
    """A member's Create(Event) whose ``target`` is an asset of a local pool: booked (or refused
    with the reason, nothing stored); the pool, or None when the target is no local asset."""
    target = event.get("target")
    found = await asset_by_uri(app, target) if isinstance(target, str) else None
    if found is None:
        return None
    check_document("event", event)
    pool = await app[ACTORS].by_id(found.pool_id)
    if pool is None or not pool.is_pool:
        return None
    summary = event.get("summary")
    source = event.get("id")
    await book(app, pool, found.uri, member, parse_time(event.get("startTime"), "startTime"),
               parse_time(event.get("endTime"), "endTime"), at=at,
               note=summary if isinstance(summary, str) else "",
               source=source if isinstance(source, str) else None)
    return pool
