"""Member classes of a pool's members, and the log of every change a steward made to one."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.database import Database

__all__ = ["ClassChange", "MemberClassStore"]


@dataclass(frozen=True, slots=True)
class ClassChange:
    """A steward moved a member to another class: who, from and to what, by whom, when, why."""

    person_uri: str
    old_class: str | None
    new_class: str
    steward_uri: str
    reason: str
    at: str


class MemberClassStore:
    """The ``member_class`` column of memberships and the ``member_class_log`` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def classes(self, pool_id: int) -> dict[str, str]:
        """Each member's class (members with none are left out)."""
        rows = await self.db.fetchall(
            "SELECT person_uri, member_class FROM memberships WHERE pool_id = ? AND state = 'member'"
            " AND member_class IS NOT NULL ORDER BY person_uri", (pool_id,))
        return {row["person_uri"]: row["member_class"] for row in rows}

    async def change(self, pool_id: int, person_uri: str, new_class: str, *, steward_uri: str,
                     reason: str, at: str) -> bool:
        """Move a member to ``new_class`` and log it, in one transaction; False (nothing
        written) if they are not a member of the pool or are in that class already."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT member_class FROM memberships WHERE pool_id = ? AND person_uri = ?"
                " AND state = 'member'", (pool_id, person_uri))
            row = await cursor.fetchone()
            if row is None or row[0] == new_class:
                return False
            await conn.execute(
                "UPDATE memberships SET member_class = ?, updated_at = ? WHERE pool_id = ?"
                " AND person_uri = ?", (new_class, at, pool_id, person_uri))
            await conn.execute(
                "INSERT INTO member_class_log (pool_id, person_uri, old_class, new_class,"
                " steward_uri, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (pool_id, person_uri, row[0], new_class, steward_uri, reason, at))
        return True

    async def log(self, pool_id: int, limit: int = 200) -> list[ClassChange]:
        """The pool's class changes, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM member_class_log WHERE pool_id = ? ORDER BY id DESC LIMIT ?",
            (pool_id, limit))
        return [ClassChange(r["person_uri"], r["old_class"], r["new_class"], r["steward_uri"],
                            r["reason"], r["at"]) for r in rows]
