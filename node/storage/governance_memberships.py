"""Membership rows of local pools (the memberships table of schema 1, extended by schema 4)."""

from __future__ import annotations

import json
from typing import Any

from node.storage.actors import Membership
from node.storage.database import Connection, Database
from node.storage.governance_rows import dumps, membership_from_row

__all__ = ["MembershipQueries", "write_membership"]


async def write_membership(
    conn: Connection, pool_id: int, person_uri: str, *, state: str, roles: tuple[str, ...],
    at: str, join_activity: str | None = None, member_class: str | None = None,
) -> None:
    """Create or update a person's membership row inside the caller's transaction."""
    cursor = await conn.execute(
        "UPDATE memberships SET state = ?, roles = ?, updated_at = ?,"
        " join_activity = COALESCE(?, join_activity),"
        " member_class = COALESCE(?, member_class),"
        " joined_at = CASE WHEN ? = 'member' AND state != 'member' THEN ? ELSE joined_at END"
        " WHERE pool_id = ? AND person_uri = ?",
        (state, ",".join(roles), at, join_activity, member_class, state, at, pool_id,
         person_uri),
    )
    if cursor.rowcount == 0:
        await conn.execute(
            "INSERT INTO memberships (pool_id, person_uri, roles, state, joined_at,"
            " join_activity, updated_at, member_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (pool_id, person_uri, ",".join(roles), state, at, join_activity, at, member_class),
        )


class MembershipQueries:
    """The memberships part of ``GovernanceStore``."""

    db: Database

    async def memberships(self, pool_id: int) -> list[Membership]:
        """Every person who ever applied to the pool, any state, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM memberships WHERE pool_id = ? ORDER BY id", (pool_id,)
        )
        return [membership_from_row(r) for r in rows]

    async def membership(self, pool_id: int, person_uri: str) -> Membership | None:
        """One person's membership row."""
        row = await self.db.fetchone(
            "SELECT * FROM memberships WHERE pool_id = ? AND person_uri = ?", (pool_id, person_uri)
        )
        return membership_from_row(row) if row else None

    async def join_activity(self, pool_id: int, person_uri: str) -> str | None:
        """The Join that made the person an applicant, if any."""
        row = await self.db.fetchone(
            "SELECT join_activity FROM memberships WHERE pool_id = ? AND person_uri = ?",
            (pool_id, person_uri),
        )
        return row["join_activity"] if row else None

    async def person_of_join(self, pool_id: int, join_id: str) -> str | None:
        """Who sent the Join with this id to the pool."""
        row = await self.db.fetchone(
            "SELECT person_uri FROM memberships WHERE pool_id = ? AND join_activity = ?",
            (pool_id, join_id),
        )
        return row["person_uri"] if row else None

    async def set_share_claim(self, pool_id: int, person_uri: str, claim: dict[str, Any] | None) -> None:
        """Keep (or clear) the share payment an applicant says they made."""
        await self.db.execute(
            "UPDATE memberships SET share_claim = ? WHERE pool_id = ? AND person_uri = ?",
            (None if claim is None else dumps(claim), pool_id, person_uri),
        )

    async def applications(self, pool_id: int) -> list[tuple[Membership, str | None, dict[str, Any] | None]]:
        """Pending applicants, oldest first: membership, their Join's id and their share claim."""
        rows = await self.db.fetchall(
            "SELECT * FROM memberships WHERE pool_id = ? AND state = 'applicant' ORDER BY id",
            (pool_id,),
        )
        return [(membership_from_row(r), r["join_activity"],
                 json.loads(r["share_claim"]) if r["share_claim"] else None) for r in rows]

    async def set_membership(
        self, pool_id: int, person_uri: str, *, state: str, roles: tuple[str, ...], at: str,
        join_activity: str | None = None, member_class: str | None = None,
    ) -> None:
        """Create or update a person's membership row (``member_class``: the class they chose
        when applying; None keeps the one recorded)."""
        async with self.db.transaction() as conn:
            await write_membership(conn, pool_id, person_uri, state=state, roles=roles, at=at,
                                   join_activity=join_activity, member_class=member_class)
