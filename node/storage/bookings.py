"""Members' bookings of a local pool's assets: one row per booking, cancelled ones kept.

Two bookings of one asset never overlap: ``add`` checks for an active booking over the same
time and inserts in one transaction that serialises on the asset (SQLite: every write
transaction is serialised; PostgreSQL: an advisory lock on the asset inside the transaction).
"""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.database import INTEGRITY_ERRORS, Database, Row

__all__ = ["BookingStore", "NewBooking", "StoredBooking"]

_COLUMNS = ("b.id, b.pool_id, b.asset_id, a.uri AS asset_uri, a.name AS asset_name, b.uri,"
            " b.source_uri, b.member_uri, b.start_at, b.end_at, b.made_at, b.cancelled_at, b.note")
_FROM = " FROM bookings b JOIN assets a ON a.id = b.asset_id"


@dataclass(frozen=True, slots=True)
class NewBooking:
    """A booking to store: times are ISO 8601 UTC with Z, whole minutes."""

    uri: str
    member_uri: str
    start_at: str
    end_at: str
    made_at: str
    note: str = ""
    source_uri: str | None = None


@dataclass(frozen=True, slots=True)
class StoredBooking:
    """A stored booking with its asset's id and name."""

    id: int
    pool_id: int
    asset_id: int
    asset_uri: str
    asset_name: str
    uri: str
    source_uri: str | None
    member_uri: str
    start_at: str
    end_at: str
    made_at: str
    cancelled_at: str | None
    note: str

    @property
    def active(self) -> bool:
        """Whether it still holds its asset."""
        return self.cancelled_at is None


def _booking(row: Row) -> StoredBooking:
    return StoredBooking(
        int(row["id"]), int(row["pool_id"]), int(row["asset_id"]), row["asset_uri"],
        row["asset_name"], row["uri"], row["source_uri"], row["member_uri"], row["start_at"],
        row["end_at"], row["made_at"], row["cancelled_at"], row["note"])


class BookingStore:
    """The ``bookings`` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, pool_id: int, asset_id: int,
                  booking: NewBooking) -> tuple[StoredBooking | None, StoredBooking | None]:
        """Store ``booking`` unless an active booking of the asset overlaps it: (the stored
        booking, None), or (None, the first overlapping booking by start). A booking whose id
        or source was stored before gives (that booking, None), nothing written."""
        for known in (await self.by_uri(booking.uri),
                      await self.by_source(booking.source_uri) if booking.source_uri else None):
            if known is not None:
                return known, None
        try:
            async with self.db.transaction(lock=f"asset-bookings:{asset_id}") as conn:
                cursor = await conn.execute(
                    "SELECT b.uri" + _FROM + " WHERE b.asset_id = ? AND b.cancelled_at IS NULL"
                    " AND b.start_at < ? AND b.end_at > ? ORDER BY b.start_at, b.id LIMIT 1",
                    (asset_id, booking.end_at, booking.start_at))
                clash = await cursor.fetchone()
                if clash is None:
                    await conn.execute(
                        "INSERT INTO bookings (pool_id, asset_id, uri, source_uri, member_uri,"
                        " start_at, end_at, made_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (pool_id, asset_id, booking.uri, booking.source_uri, booking.member_uri,
                         booking.start_at, booking.end_at, booking.made_at, booking.note))
        except INTEGRITY_ERRORS:  # the same booking, stored by a concurrent request
            return await self.by_uri(booking.uri) or await self.by_source(booking.source_uri or ""), None
        if clash is not None:
            return None, await self.by_uri(clash[0])
        return await self.by_uri(booking.uri), None

    async def cancel(self, booking_id: int, at: str) -> bool:
        """Mark an active booking cancelled; False if it was cancelled already."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE bookings SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL",
                (at, booking_id))
            return bool(cursor.rowcount)

    async def by_uri(self, uri: str) -> StoredBooking | None:
        """A booking by its id (its Event's URL)."""
        row = await self.db.fetchone("SELECT " + _COLUMNS + _FROM + " WHERE b.uri = ?", (uri,))
        return _booking(row) if row else None

    async def by_source(self, source_uri: str) -> StoredBooking | None:
        """The booking made from a member's Create(Event), by that Event's id."""
        row = await self.db.fetchone(
            "SELECT " + _COLUMNS + _FROM + " WHERE b.source_uri = ?", (source_uri,))
        return _booking(row) if row else None

    async def of_asset(self, asset_id: int, *, since: str = "", limit: int = 10_000,
                       cancelled: bool = False) -> list[StoredBooking]:
        """An asset's bookings ending after ``since``, by start (active ones only unless
        ``cancelled``)."""
        rows = await self.db.fetchall(
            "SELECT " + _COLUMNS + _FROM + " WHERE b.asset_id = ? AND b.end_at > ?"
            + ("" if cancelled else " AND b.cancelled_at IS NULL")
            + " ORDER BY b.start_at, b.id LIMIT ?", (asset_id, since, limit))
        return [_booking(r) for r in rows]

    async def of_pool(self, pool_id: int, *, since: str = "", limit: int = 10_000,
                      cancelled: bool = False) -> list[StoredBooking]:
        """A pool's bookings of every asset ending after ``since``, by start."""
        rows = await self.db.fetchall(
            "SELECT " + _COLUMNS + _FROM + " WHERE b.pool_id = ? AND b.end_at > ?"
            + ("" if cancelled else " AND b.cancelled_at IS NULL")
            + " ORDER BY b.start_at, b.id LIMIT ?", (pool_id, since, limit))
        return [_booking(r) for r in rows]

    async def count_held(self, pool_id: int, member_uri: str, since: str) -> int:
        """How many active bookings of the pool's assets a member holds that end after ``since``."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM bookings WHERE pool_id = ? AND member_uri = ?"
            " AND cancelled_at IS NULL AND end_at > ?", (pool_id, member_uri, since))
        return int(row["n"]) if row else 0

    async def count_of_pool(self, pool_id: int) -> int:
        """How many bookings a pool holds, cancelled ones included."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM bookings WHERE pool_id = ?", (pool_id,))
        return int(row["n"]) if row else 0
