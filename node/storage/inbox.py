"""The durable inbox queue: received activities, deduplicated by id, leased to a worker."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.storage.database import Database, Row
from node.storage.dialect import LIVE_SESSIONS

__all__ = ["MAX_BATCH_ROWS", "InboxItem", "InboxRow", "InboxStore", "ReceivedObjectStore"]

# Rows per group commit (one multi-row INSERT): 512 x 7 parameters.
MAX_BATCH_ROWS = 512

_MAX_ERROR = 500


@dataclass(frozen=True, slots=True)
class InboxRow:
    """A verified activity ready to persist; ``document`` is its JSON text."""

    activity_id: str
    activity_type: str
    actor_uri: str
    recipient_id: int | None
    document: str
    received_at: int


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A persisted inbox row as the worker sees it."""

    id: int
    activity_id: str
    activity_type: str
    actor_uri: str
    recipient_id: int | None
    document: dict[str, Any]
    state: str
    attempts: int
    last_error: str | None


def _item(row: Row) -> InboxItem:
    return InboxItem(
        id=row["id"],
        activity_id=row["activity_id"],
        activity_type=row["activity_type"],
        actor_uri=row["actor_uri"],
        recipient_id=row["recipient_id"],
        document=json.loads(row["document"]),
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
    )


def _insert_rows(rows: Sequence[InboxRow]) -> tuple[str, list[Any]]:
    params: list[Any] = []
    for r in rows:
        params += (r.activity_id, r.activity_type, r.actor_uri, r.recipient_id, r.document,
                   r.received_at, r.received_at)
    return (
        "INSERT INTO inbox_items (activity_id, activity_type, actor_uri, recipient_id,"
        " document, next_attempt_at, received_at) VALUES "
        + ",".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(rows))
        + " ON CONFLICT (activity_id) DO NOTHING",
        params,
    )


class InboxStore:
    """Queries on the inbox queue."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert_batch(self, rows: Sequence[InboxRow]) -> None:
        """Persist many rows in ONE transaction (group commit); known activity ids are skipped.

        Up to ``MAX_BATCH_ROWS`` rows (the inbox writer's batches) are one multi-row INSERT,
        atomic on its own, so the commit costs one hop to the database thread; larger sets
        (bulk imports) are several such statements in one transaction.
        """
        chunks = [rows[i:i + MAX_BATCH_ROWS] for i in range(0, len(rows), MAX_BATCH_ROWS)]
        if len(chunks) == 1:
            await self.db.execute(*_insert_rows(chunks[0]))
        elif chunks:
            async with self.db.transaction() as conn:
                for chunk in chunks:
                    await conn.execute(*_insert_rows(chunk))

    async def release_leases(self) -> None:
        """Forget every lease: at start-up no worker of this node holds a row.

        Not on a shared database, where other live processes hold leases: there a row leased
        by a dead process is claimable as soon as its session is gone (``claim_due``)."""
        if self.db.shared:
            return
        await self.db.execute(
            "UPDATE inbox_items SET locked_until = NULL WHERE state = 'queued'"
        )

    async def claim_due(self, now_ms: int, lease_ms: int, limit: int) -> list[InboxItem]:
        """Lease up to ``limit`` due rows, oldest first, counting the attempt.

        On PostgreSQL many processes claim at once: rows another claim holds are skipped
        (``FOR UPDATE SKIP LOCKED``), and a row whose lease holder died is due again."""
        if self.db.dialect == "postgresql":
            rows = await self.db.write_returning(
                "WITH due AS (SELECT id FROM inbox_items WHERE state = 'queued'"
                " AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?"
                f" OR leased_by NOT IN ({LIVE_SESSIONS})) ORDER BY id LIMIT ?"
                " FOR UPDATE SKIP LOCKED)"
                " UPDATE inbox_items SET locked_until = ?, leased_by = ?,"
                " attempts = inbox_items.attempts + 1 FROM due WHERE inbox_items.id = due.id"
                " RETURNING inbox_items.*",
                (now_ms, now_ms, limit, now_ms + lease_ms, self.db.lease_owner),
            )
        else:
            # One statement, atomic by itself: the lease and the rows in one hop.
            rows = await self.db.write_returning(
                "UPDATE inbox_items SET locked_until = ?, attempts = attempts + 1 WHERE id IN"
                " (SELECT id FROM inbox_items WHERE state = 'queued' AND next_attempt_at <= ?"
                " AND (locked_until IS NULL OR locked_until < ?) ORDER BY id LIMIT ?)"
                " RETURNING *",
                (now_ms + lease_ms, now_ms, now_ms, limit),
            )
        # RETURNING gives no order: the queue's order is the rows' ids.
        return sorted((_item(row) for row in rows), key=lambda item: item.id)

    async def mark_done(self, item_id: int, now_ms: int) -> None:
        """The item's side effects are applied."""
        await self.db.execute(
            "UPDATE inbox_items SET state = 'done', locked_until = NULL, processed_at = ?"
            " WHERE id = ?",
            (now_ms, item_id),
        )

    async def mark_done_many(self, item_ids: Sequence[int], now_ms: int) -> None:
        """Many items' side effects are applied: one statement."""
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start:start + 500])
            await self.db.execute(
                "UPDATE inbox_items SET state = 'done', locked_until = NULL, processed_at = ?"
                f" WHERE id IN ({','.join('?' * len(chunk))})",
                (now_ms, *chunk),
            )

    async def mark_retry(self, item_id: int, next_attempt_at: int, error: str) -> None:
        """Processing failed for now: try again at ``next_attempt_at``."""
        await self.db.execute(
            "UPDATE inbox_items SET locked_until = NULL, next_attempt_at = ?, last_error = ?"
            " WHERE id = ?",
            (next_attempt_at, error[:_MAX_ERROR], item_id),
        )

    async def mark_failed(self, item_id: int, now_ms: int, error: str) -> None:
        """Processing gave up; the row stays for inspection."""
        await self.db.execute(
            "UPDATE inbox_items SET state = 'failed', locked_until = NULL, processed_at = ?,"
            " last_error = ? WHERE id = ?",
            (now_ms, error[:_MAX_ERROR], item_id),
        )

    async def delete_processed_before(self, cutoff_ms: int, limit: int) -> int:
        """Delete up to ``limit`` done or failed rows processed before ``cutoff_ms``; how many.

        Only this queue's own rows go: what processing produced (objects, ballots, ledger
        entries, tallies, flood records) lives in other tables and is never touched. Rows
        are visited in id order, so the oldest are found first without an extra index.
        """
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM inbox_items WHERE id IN (SELECT id FROM inbox_items"
                " WHERE state IN ('done', 'failed') AND processed_at < ? ORDER BY id LIMIT ?)",
                (cutoff_ms, limit),
            )
            return cursor.rowcount

    async def by_activity_id(self, activity_id: str) -> InboxItem | None:
        """The row for an activity id, if it was received."""
        row = await self.db.fetchone(
            "SELECT * FROM inbox_items WHERE activity_id = ?", (activity_id,)
        )
        return _item(row) if row else None

    async def count(self, state: str | None = None) -> int:
        """How many rows the queue holds (in one state)."""
        if state is None:
            row = await self.db.fetchone("SELECT COUNT(*) AS n FROM inbox_items")
        else:
            row = await self.db.fetchone(
                "SELECT COUNT(*) AS n FROM inbox_items WHERE state = ?", (state,)
            )
        return int(row["n"]) if row else 0


class ReceivedObjectStore:
    """Received activities and objects in the objects table, and local inbox listings."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(
        self, document: dict[str, Any], inbox_owner_ids: Sequence[int], created_at: str
    ) -> None:
        """Store a received document (kept if already there) and list it in local inboxes."""
        actor = document.get("actor") or document.get("attributedTo")
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO objects (uri, type, actor_uri, local, document, created_at)"
                " VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (uri) DO NOTHING",
                (
                    document["id"],
                    str(document.get("type", "Object")),
                    actor if isinstance(actor, str) else None,
                    json.dumps(document, separators=(",", ":"), ensure_ascii=False),
                    created_at,
                ),
            )
            for owner_id in inbox_owner_ids:
                await conn.execute(
                    "INSERT INTO collection_items (owner_id, collection, item_uri, created_at)"
                    " VALUES (?, 'inbox', ?, ?)"
                    " ON CONFLICT (owner_id, collection, item_uri) DO NOTHING",
                    (owner_id, document["id"], created_at),
                )

    async def owner_of(self, uri: str) -> tuple[str | None, bool] | None:
        """(actor_uri, local) of a stored object, or None if not stored."""
        row = await self.db.lookup(
            "SELECT actor_uri, local FROM objects WHERE uri = ?", (uri,)
        )
        return (row["actor_uri"], bool(row["local"])) if row else None

    async def type_of(self, uri: str) -> str | None:
        """The type of a stored object or activity."""
        row = await self.db.lookup("SELECT type FROM objects WHERE uri = ?", (uri,))
        return str(row["type"]) if row else None

    async def types_of(self, uris: Sequence[str]) -> dict[str, str]:
        """The types of the stored objects or activities among these ids."""
        found: dict[str, str] = {}
        wanted = list(dict.fromkeys(uris))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.lookup_all(
                f"SELECT uri, type FROM objects WHERE uri IN ({marks})", chunk
            )
            found.update((row["uri"], str(row["type"])) for row in rows)
        return found

    async def replace_remote(self, document: dict[str, Any]) -> bool:
        """Replace a stored remote object's document (Update); False if not stored."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE objects SET document = ?, type = ? WHERE uri = ? AND local = 0",
                (
                    json.dumps(document, separators=(",", ":"), ensure_ascii=False),
                    str(document.get("type", "Object")),
                    document["id"],
                ),
            )
            return cursor.rowcount > 0

    async def delete_remote(self, uri: str) -> bool:
        """Delete a stored remote object; False if not stored."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM objects WHERE uri = ? AND local = 0", (uri,)
            )
            return cursor.rowcount > 0
