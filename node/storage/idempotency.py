"""Idempotency keys of C2S requests: the first request's fingerprint and its response."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.database import Database

__all__ = ["IdempotencyRecord", "IdempotencyStore"]


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What the first request with a key left: ``status`` is None while it is in progress."""

    fingerprint: str
    created_at: int
    status: int | None
    location: str | None
    content_type: str | None
    body: str | None


class IdempotencyStore:
    """Queries on ``idempotency_keys``; times are milliseconds since the epoch."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(
        self, actor_id: int, key: str, fingerprint: str, now: int, expired_before: int
    ) -> IdempotencyRecord | None:
        """Claim ``key`` for a new request (None), or return what an earlier one left.

        One transaction: keys older than ``expired_before`` are forgotten first, so an
        expired key is claimed afresh.
        """
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (expired_before,))
            cursor = await conn.execute(
                "SELECT fingerprint, created_at, status, location, content_type, body"
                " FROM idempotency_keys WHERE actor_id = ? AND idempotency_key = ?",
                (actor_id, key),
            )
            row = await cursor.fetchone()
            if row is not None:
                return IdempotencyRecord(row["fingerprint"], row["created_at"], row["status"],
                                         row["location"], row["content_type"], row["body"])
            # Two requests with one key at once (in two processes on a shared database): the
            # second insert does nothing and that request is answered as in progress.
            cursor = await conn.execute(
                "INSERT INTO idempotency_keys (actor_id, idempotency_key, fingerprint, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (actor_id, key, fingerprint, now),
            )
            if cursor.rowcount == 0:
                return IdempotencyRecord(fingerprint, now, None, None, None, None)
            return None

    async def complete(self, actor_id: int, key: str, status: int, location: str | None,
                       content_type: str, body: str) -> None:
        """Keep the response of the request that claimed ``key``, to replay it."""
        await self.db.execute(
            "UPDATE idempotency_keys SET status = ?, location = ?, content_type = ?, body = ?"
            " WHERE actor_id = ? AND idempotency_key = ?",
            (status, location, content_type, body, actor_id, key),
        )

    async def release(self, actor_id: int, key: str) -> None:
        """Forget a key whose request failed: nothing was done, the client may retry with it."""
        await self.db.execute(
            "DELETE FROM idempotency_keys WHERE actor_id = ? AND idempotency_key = ?", (actor_id, key)
        )
