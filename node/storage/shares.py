"""The share register and patronage records of local pools, and the writes that must land with
a membership change or a proposal's effect in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.storage.database import INTEGRITY_ERRORS, Connection, Database
from node.storage.governance import write_entry, write_membership

__all__ = ["EntryRow", "MembershipRow", "ShareEventRow", "ShareStore", "StoredPatronage",
           "write_share_booking"]


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A signed ledger entry ready to append (its sequence is the next of the pool's ledger)."""

    sequence: int
    uri: str
    source_uri: str | None
    kind: str
    entry: dict[str, Any]
    document: dict[str, Any]
    created_at: str


@dataclass(frozen=True, slots=True)
class MembershipRow:
    """The membership state a person moves to."""

    person_uri: str
    state: str
    roles: tuple[str, ...]
    at: str
    join_activity: str | None = None
    member_class: str | None = None


@dataclass(frozen=True, slots=True)
class ShareEventRow:
    """One share event of the register: ``uri`` is the ledger entry's id that booked it plus
    ``#<share type>`` when one booking carries several types."""

    uri: str
    person_uri: str
    action: str
    share_type: str
    count: int
    value: int
    at: str
    entry_uri: str


@dataclass(frozen=True, slots=True)
class StoredPatronage:
    """A treasurer's patronage record for a member."""

    uri: str
    person_uri: str
    amount: int
    at: str
    recorded_by: str
    note: str


async def write_share_booking(conn: Connection, pool_id: int, entries: Sequence[EntryRow],
                              events: Sequence[ShareEventRow]) -> None:
    """Append ``entries`` and the share ``events`` they book inside the caller's transaction."""
    for e in entries:
        await write_entry(conn, pool_id, sequence=e.sequence, uri=e.uri, source_uri=e.source_uri,
                          kind=e.kind, entry=e.entry, document=e.document,
                          created_at=e.created_at)
    for ev in events:
        await conn.execute(
            "INSERT INTO share_events (pool_id, uri, person_uri, action, share_type, count,"
            " value, at, entry_uri) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (pool_id, ev.uri, ev.person_uri, ev.action, ev.share_type, ev.count, ev.value,
             ev.at, ev.entry_uri))


class ShareStore:
    """The ``share_events`` and ``patronage`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def events(self, pool_id: int) -> list[ShareEventRow]:
        """The pool's share events in the order they were booked."""
        rows = await self.db.fetchall(
            "SELECT * FROM share_events WHERE pool_id = ? ORDER BY id", (pool_id,))
        return [ShareEventRow(r["uri"], r["person_uri"], r["action"], r["share_type"], r["count"],
                              r["value"], r["at"], r["entry_uri"]) for r in rows]

    async def book(self, pool_id: int, *, entries: Sequence[EntryRow],
                   events: Sequence[ShareEventRow] = (),
                   membership: MembershipRow | None = None) -> None:
        """Append ``entries`` and ``events`` and move ``membership``, all in one transaction:
        a share is never issued or redeemed without the membership change or the contribution
        it belongs to."""
        async with self.db.transaction() as conn:
            if membership is not None:
                await write_membership(conn, pool_id, membership.person_uri,
                                       state=membership.state, roles=membership.roles,
                                       at=membership.at,
                                       join_activity=membership.join_activity,
                                       member_class=membership.member_class)
            await write_share_booking(conn, pool_id, entries, events)

    async def add_patronage(self, pool_id: int, record: StoredPatronage,
                            source_uri: str | None) -> bool:
        """Keep a patronage record; False (nothing written) if its source was recorded before."""
        try:
            await self.db.execute(
                "INSERT INTO patronage (pool_id, uri, source_uri, person_uri, amount, at,"
                " recorded_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (pool_id, record.uri, source_uri, record.person_uri, record.amount, record.at,
                 record.recorded_by, record.note))
        except INTEGRITY_ERRORS:
            return False
        return True

    async def patronage(self, pool_id: int) -> list[StoredPatronage]:
        """Every patronage record of the pool, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM patronage WHERE pool_id = ? ORDER BY id", (pool_id,))
        return [StoredPatronage(r["uri"], r["person_uri"], r["amount"], r["at"],
                                r["recorded_by"], r["note"]) for r in rows]
