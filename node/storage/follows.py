"""Follow relations between any two actors, mirrored into local followers/following lists.

A row per (follower, followee) pair: a repeated Follow updates it, never duplicates it.
When a relation is accepted, the followee (if local) lists the follower in its
'followers' collection and the follower (if local) lists the followee in 'following';
leaving the accepted state removes both, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.database import Connection, Database, Row

__all__ = ["Follow", "FollowStore"]

STATES = ("pending", "accepted", "rejected")


@dataclass(frozen=True, slots=True)
class Follow:
    """One follow relation; ``follow_id`` is the id of the latest Follow activity."""

    id: int
    follower_uri: str
    followee_uri: str
    follow_id: str
    state: str
    created_at: str
    updated_at: str


def _follow(row: Row) -> Follow:
    return Follow(
        id=row["id"],
        follower_uri=row["follower_uri"],
        followee_uri=row["followee_uri"],
        follow_id=row["follow_id"],
        state=row["state"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _mirror(
    conn: Connection,
    follow: Follow,
    accepted: bool,
    followee_local_id: int | None,
    follower_local_id: int | None,
    now: str,
) -> None:
    lists = []
    if followee_local_id is not None:
        lists.append((followee_local_id, "followers", follow.follower_uri))
    if follower_local_id is not None:
        lists.append((follower_local_id, "following", follow.followee_uri))
    for owner_id, collection, item in lists:
        if accepted:
            await conn.execute(
                "INSERT INTO collection_items (owner_id, collection, item_uri, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (owner_id, collection, item_uri) DO NOTHING",
                (owner_id, collection, item, now),
            )
        else:
            await conn.execute(
                "DELETE FROM collection_items"
                " WHERE owner_id = ? AND collection = ? AND item_uri = ?",
                (owner_id, collection, item),
            )


class FollowStore:
    """Queries on follow relations."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, follower_uri: str, followee_uri: str) -> Follow | None:
        """The relation between two actors, if any."""
        row = await self.db.fetchone(
            "SELECT * FROM follows WHERE follower_uri = ? AND followee_uri = ?",
            (follower_uri, followee_uri),
        )
        return _follow(row) if row else None

    async def by_follow_id(self, follow_id: str) -> Follow | None:
        """The relation created by a Follow activity id."""
        row = await self.db.lookup("SELECT * FROM follows WHERE follow_id = ?", (follow_id,))
        return _follow(row) if row else None

    async def put(
        self,
        follower_uri: str,
        followee_uri: str,
        follow_id: str,
        state: str,
        now: str,
        *,
        followee_local_id: int | None = None,
        follower_local_id: int | None = None,
    ) -> Follow:
        """Record a Follow in ``state`` (an accepted relation is never downgraded to pending)."""
        if state not in STATES:
            raise ValueError(f"unknown follow state {state!r}")
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO follows (follower_uri, followee_uri, follow_id, state, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (follower_uri, followee_uri) DO UPDATE SET"
                " follow_id = excluded.follow_id, updated_at = excluded.updated_at,"
                " state = CASE WHEN follows.state = 'accepted' AND excluded.state = 'pending'"
                " THEN follows.state ELSE excluded.state END",
                (follower_uri, followee_uri, follow_id, state, now, now),
            )
            cursor = await conn.execute(
                "SELECT * FROM follows WHERE follower_uri = ? AND followee_uri = ?",
                (follower_uri, followee_uri),
            )
            row = await cursor.fetchone()
            assert row is not None
            follow = _follow(row)
            await _mirror(
                conn, follow, follow.state == "accepted", followee_local_id, follower_local_id, now
            )
        return follow

    async def set_state(
        self,
        follow: Follow,
        state: str,
        now: str,
        *,
        followee_local_id: int | None = None,
        follower_local_id: int | None = None,
    ) -> None:
        """Move a relation to ``state`` and update the local collections to match."""
        if state not in STATES:
            raise ValueError(f"unknown follow state {state!r}")
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE follows SET state = ?, updated_at = ? WHERE id = ?",
                (state, now, follow.id),
            )
            await _mirror(
                conn, follow, state == "accepted", followee_local_id, follower_local_id, now
            )

    async def remove(
        self,
        follow: Follow,
        *,
        followee_local_id: int | None = None,
        follower_local_id: int | None = None,
    ) -> None:
        """End a relation (Undo, Reject, Delete of either actor) and unlist it."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM follows WHERE id = ?", (follow.id,))
            await _mirror(conn, follow, False, followee_local_id, follower_local_id, "")

    async def of_actor(self, actor_uri: str) -> list[Follow]:
        """Every relation an actor takes part in, either side."""
        rows = await self.db.fetchall(
            "SELECT * FROM follows WHERE follower_uri = ? OR followee_uri = ? ORDER BY id",
            (actor_uri, actor_uri),
        )
        return [_follow(r) for r in rows]

    async def followers_of(self, followee_uri: str, *, prefix: str = "") -> list[str]:
        """Accepted followers of an actor (those whose id starts with ``prefix``)."""
        rows = await self.db.fetchall(
            "SELECT follower_uri FROM follows WHERE followee_uri = ? AND state = 'accepted'"
            " AND follower_uri LIKE ? ORDER BY id",
            (followee_uri, prefix.replace("%", r"\%").replace("_", r"\_") + "%"),
        )
        return [r["follower_uri"] for r in rows]
