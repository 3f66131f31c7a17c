"""Actors a local account blocked (ActivityPub §6.9, schema 18)."""

from __future__ import annotations

from collections.abc import Sequence

from node.storage.database import Database

__all__ = ["BlockStore"]


class BlockStore:
    """Who blocked whom: rows written by a local actor's ``Block``, removed by its ``Undo``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, actor_id: int, blocked_uri: str, activity_uri: str, at: str) -> None:
        """Record a block (blocking an actor blocked already keeps the first Block)."""
        await self.db.execute(
            "INSERT INTO blocks (actor_id, blocked_uri, activity_uri, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (actor_id, blocked_uri) DO NOTHING",
            (actor_id, blocked_uri, activity_uri, at))

    async def remove(self, actor_id: int, *, activity_uri: str | None = None,
                     blocked_uri: str | None = None) -> bool:
        """Lift a block, named by its Block activity or by the blocked actor; False if none."""
        column, value = ("activity_uri", activity_uri) if activity_uri else ("blocked_uri", blocked_uri)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"DELETE FROM blocks WHERE actor_id = ? AND {column} = ?", (actor_id, value))
            return cursor.rowcount > 0

    async def blockers_of(self, blocked_uri: str) -> set[int]:
        """The local actors (row ids) that block ``blocked_uri``."""
        rows = await self.db.lookup_all("SELECT actor_id FROM blocks WHERE blocked_uri = ?", (blocked_uri,))
        return {int(r["actor_id"]) for r in rows}

    async def blockers_of_each(self, blocked_uris: Sequence[str]) -> dict[str, set[int]]:
        """For each of these actors that some local actor blocks: who blocks it (row ids)."""
        found: dict[str, set[int]] = {}
        wanted = list(dict.fromkeys(blocked_uris))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.lookup_all(
                f"SELECT blocked_uri, actor_id FROM blocks WHERE blocked_uri IN ({marks})", chunk
            )
            for row in rows:
                found.setdefault(row["blocked_uri"], set()).add(int(row["actor_id"]))
        return found

    async def blocked_by(self, actor_id: int) -> list[str]:
        """Who a local actor blocks, in the order it blocked them."""
        rows = await self.db.fetchall(
            "SELECT blocked_uri FROM blocks WHERE actor_id = ? ORDER BY id", (actor_id,))
        return [r["blocked_uri"] for r in rows]

    async def any_blocks(self, actor_ids: Sequence[int], blocked_uri: str) -> bool:
        """Whether any of these local actors blocks ``blocked_uri``."""
        if not actor_ids:
            return False
        marks = ",".join("?" for _ in actor_ids)
        row = await self.db.fetchone(
            f"SELECT 1 AS x FROM blocks WHERE blocked_uri = ? AND actor_id IN ({marks}) LIMIT 1",
            (blocked_uri, *actor_ids))
        return row is not None
