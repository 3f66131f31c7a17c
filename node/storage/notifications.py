"""Members' notifications, their email choices and address, and the notifier's cursors (schema 21).

A notification is one line of a local member's list, unique per (member, kind, subject): the
notifier may find the same event again after a restart and nothing is added twice. Adding one
queues its mail in the same transaction (node/storage/mail.py holds the mail queue itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node.storage.database import Connection, Database, Row

__all__ = ["NewNotification", "NotificationStore", "RemoteNotice", "StoredNotification"]

MODES = ("none", "immediately", "daily")


@dataclass(frozen=True, slots=True)
class NewNotification:
    """A notification to add, and how its mail goes: ``mail`` is 'immediately' (a job due at
    ``due_ms``), 'daily' (the member's digest of the day, due at ``due_ms``) or None."""

    actor_id: int
    kind: str
    subject_uri: str
    pool_uri: str
    link: str
    title: str
    detail: str
    created_at: str
    mail: str | None = None
    due_ms: int = 0
    digest_day: str = ""


@dataclass(frozen=True, slots=True)
class RemoteNotice:
    """A direct message to a member whose account is on another server."""

    pool_id: int
    person_uri: str
    kind: str
    subject_uri: str
    note_uri: str
    title: str
    detail: str
    link: str
    created_at: str
    id: int = 0


@dataclass(frozen=True, slots=True)
class StoredNotification:
    id: int
    actor_id: int
    kind: str
    subject_uri: str
    pool_uri: str
    link: str
    title: str
    detail: str
    created_at: str
    read_at: str | None
    mailed_at: str | None


def _notification(r: Row) -> StoredNotification:
    return StoredNotification(int(r["id"]), int(r["actor_id"]), r["kind"], r["subject_uri"],
                              r["pool_uri"], r["link"], r["title"], r["detail"], r["created_at"],
                              r["read_at"], r["mailed_at"])


def _marks(items: Sequence[object]) -> str:
    return ",".join("?" for _ in items)


class NotificationStore:
    """Queries of the notification list, email choices and the notifier's cursors."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ adding

    async def add(self, items: Sequence[NewNotification], remote: Sequence[RemoteNotice] = (), *,
                  cursor: tuple[str, int] | None = None, marker: tuple[str, str, str] | None = None
                  ) -> list[int]:
        """Add what is new among ``items`` (queuing its mail) and ``remote`` (direct messages
        to send), and move the ``cursor`` (source, position) or set the ``marker`` (source,
        subject, at), all in one transaction; the ids of the notifications added."""
        added: list[int] = []
        async with self.db.transaction() as conn:
            for item in items:
                row_id = await self._add_one(conn, item)
                if row_id is not None:
                    added.append(row_id)
            for notice in remote:
                await conn.execute(
                    "INSERT INTO remote_notices (pool_id, person_uri, kind, subject_uri, note_uri,"
                    " title, detail, link, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (person_uri, kind, subject_uri) DO NOTHING",
                    (notice.pool_id, notice.person_uri, notice.kind, notice.subject_uri,
                     notice.note_uri, notice.title[:300], notice.detail[:1000], notice.link,
                     notice.created_at),
                )
            if cursor is not None:
                await _set_cursor(conn, *cursor)
            if marker is not None:
                await conn.execute(
                    "INSERT INTO notified_subjects (source, subject_uri, at) VALUES (?, ?, ?)"
                    " ON CONFLICT (source, subject_uri) DO NOTHING", marker)
        return added

    async def _add_one(self, conn: Connection, n: NewNotification) -> int | None:
        cursor = await conn.execute(
            "INSERT INTO notifications (actor_id, kind, subject_uri, pool_uri, link, title, detail,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (actor_id, kind, subject_uri) DO NOTHING RETURNING id",
            (n.actor_id, n.kind, n.subject_uri, n.pool_uri, n.link, n.title[:300],
             n.detail[:1000], n.created_at),
        )
        row = await cursor.fetchone()
        if row is None:
            return None
        row_id = int(row["id"])
        if n.mail == "immediately":
            await conn.execute(
                "INSERT INTO mail_jobs (actor_id, kind, dedupe, notification_id, due_at, created_at)"
                " VALUES (?, 'notification', ?, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING",
                (n.actor_id, f"notification:{row_id}", row_id, n.due_ms, n.created_at),
            )
        elif n.mail == "daily":
            await conn.execute(
                "INSERT INTO mail_jobs (actor_id, kind, dedupe, due_at, created_at)"
                " VALUES (?, 'digest', ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING",
                (n.actor_id, f"digest:{n.actor_id}:{n.digest_day}", n.due_ms, n.created_at),
            )
        return row_id

    # ------------------------------------------------------------------ the list

    async def page(self, actor_id: int, *, before: int | None, limit: int
                   ) -> list[StoredNotification]:
        """Newest first; ``before`` a row id for the next page."""
        bound = " AND id < ?" if before is not None else ""
        params: tuple[object, ...] = (actor_id, before, limit) if before is not None else (
            actor_id, limit)
        rows = await self.db.fetchall(
            f"SELECT * FROM notifications WHERE actor_id = ?{bound} ORDER BY id DESC LIMIT ?",
            params,
        )
        return [_notification(r) for r in rows]

    async def get(self, notification_id: int) -> StoredNotification | None:
        row = await self.db.fetchone("SELECT * FROM notifications WHERE id = ?", (notification_id,))
        return _notification(row) if row is not None else None

    async def unread_count(self, actor_id: int, *, most: int = 100) -> int:
        """Unread notifications, counted up to ``most`` (the header shows "99+" past it)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM (SELECT id FROM notifications WHERE actor_id = ?"
            " AND read_at IS NULL LIMIT ?) AS unread",
            (actor_id, most),
        )
        return int(row["n"])

    async def mark_read(self, actor_id: int, at: str, ids: Sequence[int] | None = None) -> int:
        """Mark the member's notifications read (``ids`` only, or all); how many changed."""
        if ids is not None and not ids:
            return 0
        only = f" AND id IN ({_marks(ids)})" if ids is not None else ""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE notifications SET read_at = ? WHERE actor_id = ? AND read_at IS NULL{only}",
                (at, actor_id, *(ids or ())),
            )
            return cursor.rowcount

    async def unmailed(self, actor_id: int, kinds: Sequence[str], *, limit: int
                       ) -> list[StoredNotification]:
        """The member's notifications of ``kinds`` no mail has carried yet, oldest first."""
        if not kinds:
            return []
        rows = await self.db.fetchall(
            f"SELECT * FROM notifications WHERE actor_id = ? AND mailed_at IS NULL"
            f" AND kind IN ({_marks(kinds)}) ORDER BY id LIMIT ?",
            (actor_id, *kinds, limit),
        )
        return [_notification(r) for r in rows]

    async def delete_before(self, cutoff: str, limit: int) -> int:
        """Retention: delete up to ``limit`` notifications created before ``cutoff``, and as
        many sent direct messages' records and markers of events told; how many went."""
        async with self.db.transaction() as conn:
            total = 0
            for sql in (
                "DELETE FROM notifications WHERE id IN (SELECT id FROM notifications"
                " WHERE created_at < ? ORDER BY id LIMIT ?)",
                "DELETE FROM remote_notices WHERE id IN (SELECT id FROM remote_notices"
                " WHERE queued_at IS NOT NULL AND created_at < ? ORDER BY id LIMIT ?)",
                "DELETE FROM notified_subjects WHERE (source, subject_uri) IN (SELECT source,"
                " subject_uri FROM notified_subjects WHERE at < ? ORDER BY at LIMIT ?)",
            ):
                cursor = await conn.execute(sql, (cutoff, limit))
                total += cursor.rowcount
            return total

    # ------------------------------------------------------------------ choices

    async def modes(self, actor_id: int) -> dict[str, str]:
        rows = await self.db.fetchall(
            "SELECT kind, mode FROM notification_modes WHERE actor_id = ?", (actor_id,))
        return {r["kind"]: r["mode"] for r in rows}

    async def set_modes(self, actor_id: int, modes: dict[str, str], at: str) -> None:
        async with self.db.transaction() as conn:
            for kind, mode in modes.items():
                await conn.execute(
                    "INSERT INTO notification_modes (actor_id, kind, mode, updated_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (actor_id, kind)"
                    " DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at",
                    (actor_id, kind, mode, at),
                )

    async def email(self, actor_id: int) -> str | None:
        row = await self.db.fetchone(
            "SELECT address FROM member_emails WHERE actor_id = ?", (actor_id,))
        return row["address"] if row is not None else None

    async def set_email(self, actor_id: int, address: str | None, at: str) -> None:
        if address is None:
            await self.db.execute("DELETE FROM member_emails WHERE actor_id = ?", (actor_id,))
            return
        await self.db.execute(
            "INSERT INTO member_emails (actor_id, address, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (actor_id) DO UPDATE SET address = excluded.address,"
            " updated_at = excluded.updated_at",
            (actor_id, address, at),
        )

    async def actor_by_email(self, address: str) -> int | None:
        row = await self.db.fetchone(
            "SELECT actor_id FROM member_emails WHERE lower(address) = lower(?) ORDER BY actor_id",
            (address,))
        return int(row["actor_id"]) if row is not None else None

    # ------------------------------------------------------------------ cursors

    async def cursor(self, source: str) -> int | None:
        row = await self.db.fetchone(
            "SELECT position FROM notification_cursors WHERE source = ?", (source,))
        return int(row["position"]) if row is not None else None

    async def set_cursor(self, source: str, position: int) -> None:
        async with self.db.transaction() as conn:
            await _set_cursor(conn, source, position)

    # ------------------------------------------------------------------ remote members

    async def unqueued_remote(self, limit: int) -> list[RemoteNotice]:
        """Direct messages recorded but not yet handed to the delivery queue, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM remote_notices WHERE queued_at IS NULL ORDER BY id LIMIT ?", (limit,))
        return [RemoteNotice(int(r["pool_id"]), r["person_uri"], r["kind"], r["subject_uri"],
                             r["note_uri"], r["title"], r["detail"], r["link"], r["created_at"],
                             int(r["id"]))
                for r in rows]

    async def mark_remote_queued(self, notice_id: int, at: str) -> None:
        await self.db.execute(
            "UPDATE remote_notices SET queued_at = ? WHERE id = ?", (at, notice_id))


async def _set_cursor(conn: Connection, source: str, position: int) -> None:
    await conn.execute(
        "INSERT INTO notification_cursors (source, position) VALUES (?, ?)"
        " ON CONFLICT (source) DO UPDATE SET position = excluded.position",
        (source, position),
    )
