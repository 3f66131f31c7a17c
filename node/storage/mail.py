"""The mail queue and password resets (schema 21).

A mail is a job row with a state, a due time and a lease, claimed like the delivery and inbox
queues: on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` and a lease owner whose death frees the
row; on SQLite by one process. ``dedupe`` names the mail, so queuing it again is a no-op.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node.storage.database import Database, Row
from node.storage.dialect import LIVE_SESSIONS

__all__ = ["MailJob", "MailStore"]

_MAX_ERROR = 500


@dataclass(frozen=True, slots=True)
class MailJob:
    id: int
    actor_id: int
    kind: str
    dedupe: str
    notification_id: int | None
    payload: str
    attempts: int
    due_at: int


def _job(r: Row) -> MailJob:
    return MailJob(int(r["id"]), int(r["actor_id"]), r["kind"], r["dedupe"],
                   int(r["notification_id"]) if r["notification_id"] is not None else None,
                   r["payload"], int(r["attempts"]), int(r["due_at"]))


class MailStore:
    """Queries of the mail queue and of password reset tokens."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(self, actor_id: int, kind: str, dedupe: str, due_ms: int, at: str,
                      payload: str = "") -> bool:
        """Queue a mail unless one with this ``dedupe`` exists; whether it was queued."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO mail_jobs (actor_id, kind, dedupe, payload, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING RETURNING id",
                (actor_id, kind, dedupe, payload, due_ms, at),
            )
            return await cursor.fetchone() is not None

    async def claim(self, now_ms: int, lease_ms: int, limit: int) -> list[MailJob]:
        """Lease up to ``limit`` due jobs (attempts counted at the claim)."""
        if self.db.dialect == "postgresql":
            async with self.db.transaction() as conn:
                cursor = await conn.execute(
                    "WITH due AS (SELECT id FROM mail_jobs WHERE state = 'queued'"
                    " AND due_at <= ? AND (locked_until IS NULL OR locked_until < ?"
                    f" OR leased_by NOT IN ({LIVE_SESSIONS})) ORDER BY due_at, id LIMIT ?"
                    " FOR UPDATE SKIP LOCKED)"
                    " UPDATE mail_jobs SET locked_until = ?, leased_by = ?,"
                    " attempts = mail_jobs.attempts + 1 FROM due WHERE mail_jobs.id = due.id"
                    " RETURNING mail_jobs.*",
                    (now_ms, now_ms, limit, now_ms + lease_ms, self.db.lease_owner),
                )
                rows = await cursor.fetchall()
            return sorted((_job(r) for r in rows), key=lambda j: (j.due_at, j.id))
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT id FROM mail_jobs WHERE state = 'queued' AND due_at <= ?"
                " AND (locked_until IS NULL OR locked_until < ?) ORDER BY due_at, id LIMIT ?",
                (now_ms, now_ms, limit),
            )
            ids = [int(r["id"]) for r in await cursor.fetchall()]
            if not ids:
                return []
            marks = ",".join("?" for _ in ids)
            await conn.execute(
                f"UPDATE mail_jobs SET locked_until = ?, attempts = attempts + 1"
                f" WHERE id IN ({marks})", (now_ms + lease_ms, *ids))
            cursor = await conn.execute(
                f"SELECT * FROM mail_jobs WHERE id IN ({marks}) ORDER BY due_at, id", ids)
            return [_job(r) for r in await cursor.fetchall()]

    async def mark_sent(self, job_id: int, at: str, notification_ids: Sequence[int] = (), *,
                        next_digest: tuple[int, str, int] | None = None) -> None:
        """The mail went; the notifications it carried are mailed, and ``next_digest`` (member,
        dedupe, due ms) queues a digest's next part: one transaction."""
        async with self.db.transaction() as conn:
            if next_digest is not None:
                await conn.execute(
                    "INSERT INTO mail_jobs (actor_id, kind, dedupe, due_at, created_at)"
                    " VALUES (?, 'digest', ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING",
                    (*next_digest, at))
            await conn.execute(
                "UPDATE mail_jobs SET state = 'sent', sent_at = ?, locked_until = NULL,"
                " payload = '' WHERE id = ?", (at, job_id))
            if notification_ids:
                marks = ",".join("?" for _ in notification_ids)
                await conn.execute(
                    f"UPDATE notifications SET mailed_at = ? WHERE id IN ({marks})"
                    " AND mailed_at IS NULL", (at, *notification_ids))

    async def mark_dropped(self, job_id: int, reason: str) -> None:
        """Nothing to send (no address any more, the member chose none, an empty digest)."""
        await self.db.execute(
            "UPDATE mail_jobs SET state = 'dropped', locked_until = NULL, payload = '',"
            " last_error = ? WHERE id = ?", (reason[:_MAX_ERROR], job_id))

    async def mark_retry(self, job_id: int, due_ms: int, error: str) -> None:
        await self.db.execute(
            "UPDATE mail_jobs SET locked_until = NULL, due_at = ?, last_error = ? WHERE id = ?",
            (due_ms, error[:_MAX_ERROR], job_id))

    async def mark_failed(self, job_id: int, error: str) -> None:
        await self.db.execute(
            "UPDATE mail_jobs SET state = 'failed', locked_until = NULL, payload = '',"
            " last_error = ? WHERE id = ?", (error[:_MAX_ERROR], job_id))

    async def release_locks(self) -> int:
        """At start-up of a lone SQLite process no job is in flight: free their leases."""
        if self.db.shared:
            return 0
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE mail_jobs SET locked_until = NULL"
                " WHERE state = 'queued' AND locked_until IS NOT NULL")
            return cursor.rowcount

    async def counts(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT state, COUNT(*) AS n FROM mail_jobs GROUP BY state")
        return {r["state"]: int(r["n"]) for r in rows}

    async def delete_done_before(self, cutoff: str, limit: int, *, now: str) -> int:
        """Retention: forget up to ``limit`` finished jobs created before ``cutoff``, and as
        many reset tokens expired before ``now``; how many went."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM mail_jobs WHERE id IN (SELECT id FROM mail_jobs"
                " WHERE state <> 'queued' AND created_at < ? ORDER BY id LIMIT ?)",
                (cutoff, limit))
            done = cursor.rowcount
            cursor = await conn.execute(
                "DELETE FROM password_resets WHERE token_hash IN (SELECT token_hash FROM"
                " password_resets WHERE expires_at < ? ORDER BY expires_at LIMIT ?)",
                (now, limit))
            return done + cursor.rowcount

    # ------------------------------------------------------------------ password resets

    async def add_reset(self, token_hash: str, actor_id: int, at: str, expires_at: str) -> None:
        await self.db.execute(
            "INSERT INTO password_resets (token_hash, actor_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)", (token_hash, actor_id, at, expires_at))

    async def resets_since(self, actor_id: int, since: str) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM password_resets WHERE actor_id = ? AND created_at >= ?",
            (actor_id, since))
        return int(row["n"])

    async def reset_actor(self, token_hash: str, now: str) -> int | None:
        """The account a live, unused token resets, without using it up."""
        row = await self.db.fetchone(
            "SELECT actor_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL"
            " AND expires_at > ?", (token_hash, now))
        return int(row["actor_id"]) if row is not None else None

    async def use_reset(self, token_hash: str, now: str) -> int | None:
        """Spend a live token (once: a second use finds it used); the account it resets."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
                " AND expires_at > ? RETURNING actor_id", (now, token_hash, now))
            row = await cursor.fetchone()
        return int(row["actor_id"]) if row is not None else None
