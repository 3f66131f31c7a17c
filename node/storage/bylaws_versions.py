"""The bylaws archive: every version of a local pool's bylaws that was in force, numbered from 1.

Version 1 is the founding bylaws (written with the pool, or replaced by the wizard's before
anyone joined); each bylaws change that takes effect writes the next version and the pool's
current bylaws in one transaction, so a crash never leaves one without the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.storage.database import Connection, Database
from node.storage.shares import EntryRow, ShareEventRow, write_share_booking

__all__ = ["BylawsVersion", "BylawsVersionStore"]


@dataclass(frozen=True, slots=True)
class BylawsVersion:
    """One version of a pool's bylaws: its number, the bylaws, the proposal that brought it
    into force (None for the founding version) and when."""

    number: int
    bylaws_json: str
    proposal_uri: str | None
    adopted_at: str


def _version(row: Any) -> BylawsVersion:
    return BylawsVersion(int(row["number"]), str(row["bylaws_json"]), row["proposal_uri"],
                         str(row["adopted_at"]))


class BylawsVersionStore:
    """The ``bylaws_versions`` table, beside ``pools.bylaws_json`` (the version in force)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def found(self, pool_id: int, bylaws_json: str, at: str) -> None:
        """Set a new pool's founding bylaws: the current ones and version 1, together."""
        async with self.db.transaction(lock=f"bylaws:{pool_id}") as conn:
            await conn.execute("UPDATE pools SET bylaws_json = ? WHERE actor_id = ?",
                               (bylaws_json, pool_id))
            await conn.execute("DELETE FROM bylaws_versions WHERE pool_id = ?", (pool_id,))
            await conn.execute(
                "INSERT INTO bylaws_versions (pool_id, number, bylaws_json, proposal_uri,"
                " adopted_at) VALUES (?, 1, ?, NULL, ?)", (pool_id, bylaws_json, at))

    async def adopted(self, pool_id: int, proposal_uri: str) -> int | None:
        """The number of the version ``proposal_uri`` brought into force, or None."""
        row = await self.db.fetchone(
            "SELECT number FROM bylaws_versions WHERE pool_id = ? AND proposal_uri = ?",
            (pool_id, proposal_uri))
        return int(row["number"]) if row is not None else None

    async def amend(self, pool_id: int, bylaws_json: str, proposal_uri: str, at: str, *,
                    entries: Sequence[EntryRow] = (),
                    events: Sequence[ShareEventRow] = ()) -> int:
        """Bring a passed bylaws change into force: the pool's bylaws, the next version and
        the shares it has issued (``entries`` and their ``events``), in one transaction; the
        version's number. Once per proposal: carrying the same change out again (after a
        crash before its effect was marked done) writes nothing new."""
        async with self.db.transaction(lock=f"bylaws:{pool_id}") as conn:
            cursor = await conn.execute(
                "SELECT number FROM bylaws_versions WHERE pool_id = ? AND proposal_uri = ?",
                (pool_id, proposal_uri))
            done = await cursor.fetchone()
            if done is not None:
                return int(done[0])
            await _seed(conn, pool_id)
            await conn.execute("UPDATE pools SET bylaws_json = ? WHERE actor_id = ?",
                               (bylaws_json, pool_id))
            await write_share_booking(conn, pool_id, entries, events)
            return await _archive(conn, pool_id, bylaws_json, proposal_uri, at)

    async def versions(self, pool_id: int) -> list[BylawsVersion]:
        """Every version, oldest first. A pool with none yet (its bylaws were written without
        the archive) gets its current bylaws as version 1 on this first read."""
        rows = await self.db.fetchall(
            "SELECT * FROM bylaws_versions WHERE pool_id = ? ORDER BY number", (pool_id,))
        if rows:
            return [_version(row) for row in rows]
        async with self.db.transaction(lock=f"bylaws:{pool_id}") as conn:
            await _seed(conn, pool_id)
        rows = await self.db.fetchall(
            "SELECT * FROM bylaws_versions WHERE pool_id = ? ORDER BY number", (pool_id,))
        return [_version(row) for row in rows]

    async def version(self, pool_id: int, number: int) -> BylawsVersion | None:
        """One version, or None."""
        for version in await self.versions(pool_id):
            if version.number == number:
                return version
        return None


async def _archive(conn: Connection, pool_id: int, bylaws_json: str, proposal_uri: str,
                   at: str) -> int:
    """Write the next version; its number."""
    cursor = await conn.execute(
        "SELECT MAX(number) FROM bylaws_versions WHERE pool_id = ?", (pool_id,))
    number = int((await cursor.fetchone())[0]) + 1
    await conn.execute(
        "INSERT INTO bylaws_versions (pool_id, number, bylaws_json, proposal_uri, adopted_at)"
        " VALUES (?, ?, ?, ?, ?)", (pool_id, number, bylaws_json, proposal_uri, at))
    return number


async def _seed(conn: Connection, pool_id: int) -> None:
    """Version 1 from the pool's current bylaws, unless the pool has a version already."""
    await conn.execute(
        "INSERT INTO bylaws_versions (pool_id, number, bylaws_json, proposal_uri, adopted_at)"
        " SELECT pools.actor_id, 1, pools.bylaws_json, NULL, actors.created_at FROM pools"
        " JOIN actors ON actors.id = pools.actor_id WHERE pools.actor_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM bylaws_versions WHERE pool_id = ?)"
        " ON CONFLICT (pool_id, number) DO NOTHING", (pool_id, pool_id))
