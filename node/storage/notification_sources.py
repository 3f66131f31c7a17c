"""What the notifier reads: the events of other areas, after a cursor or not yet marked (schema 21).

Append-only sources (proposals opened, comments, mentions, ledger entries, flood proposals, the
pools' answers among the objects) are read by row id after the notifier's cursor, up to a bound
the notifier chooses (node/notifications/notifier.py: on PostgreSQL, ids a few seconds old, so
a row whose transaction has not committed yet is not passed over). Results and closing reminders are not in id order
(a proposal closes when its time comes): they are read as "not yet marked done" in
``notified_subjects``, within a window so the scan stays bounded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from node.storage.database import Database

__all__ = ["EventRow", "NotificationSources"]


@dataclass(frozen=True, slots=True)
class EventRow:
    """One source row: its id, the pool it happened in, what it is about and its data."""

    id: int
    pool_id: int
    uri: str
    data: dict[str, Any]


def _in_reply_to(document: str) -> str | None:
    """The id a stored comment's document answers (``inReplyTo``, an id or an embedded object)."""
    found = json.loads(document).get("inReplyTo")
    if isinstance(found, dict):
        found = found.get("id")
    return found if isinstance(found, str) else None


class NotificationSources:
    """Queries over proposals, comments, mentions, the ledger and flood proposals."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def last_id(self, table: str) -> int:
        """The highest row id of a source table (where a fresh cursor starts)."""
        if table not in ("proposals", "comments", "mentions", "ledger_entries", "flood_proposals",
                         "objects"):
            raise ValueError(table)
        row = await self.db.fetchone(f"SELECT MAX(id) AS n FROM {table}")
        return int(row["n"]) if row is not None and row["n"] is not None else 0

    async def proposals_after(self, position: int, limit: int, upto: int) -> list[EventRow]:
        rows = await self.db.fetchall(
            "SELECT id, pool_id, uri, author_uri, proposal_json, closes_at FROM proposals"
            " WHERE id > ? AND id <= ? ORDER BY id LIMIT ?", (position, upto, limit))
        return [EventRow(int(r["id"]), int(r["pool_id"]), r["uri"],
                         {"author": r["author_uri"], "proposal": json.loads(r["proposal_json"]),
                          "closes_at": r["closes_at"]}) for r in rows]

    async def results_unmarked(self, since: str, limit: int) -> list[EventRow]:
        """Proposals closed at or after ``since`` whose result was not yet told."""
        rows = await self.db.fetchall(
            "SELECT p.id, p.pool_id, p.uri, p.outcome, p.proposal_json FROM proposals p"
            " WHERE p.state = 'closed' AND p.closed_at >= ? AND NOT EXISTS (SELECT 1 FROM"
            " notified_subjects s WHERE s.source = 'result' AND s.subject_uri = p.uri)"
            " ORDER BY p.id LIMIT ?", (since, limit))
        return [EventRow(int(r["id"]), int(r["pool_id"]), r["uri"],
                         {"outcome": r["outcome"], "proposal": json.loads(r["proposal_json"])})
                for r in rows]

    async def closing_unmarked(self, now: str, horizon: str, limit: int) -> list[EventRow]:
        """Open proposals closing after ``now`` and by ``horizon`` not yet reminded of, with
        the voters so far."""
        rows = await self.db.fetchall(
            "SELECT p.id, p.pool_id, p.uri, p.proposal_json, p.closes_at FROM proposals p"
            " WHERE p.state = 'open' AND p.closes_at > ? AND p.closes_at <= ? AND NOT EXISTS"
            " (SELECT 1 FROM notified_subjects s WHERE s.source = 'closing_soon'"
            " AND s.subject_uri = p.uri) ORDER BY p.closes_at, p.id LIMIT ?", (now, horizon, limit))
        found = []
        for r in rows:
            voters = await self.db.fetchall(
                "SELECT DISTINCT voter_uri FROM ballots WHERE proposal_id = ?", (r["id"],))
            found.append(EventRow(int(r["id"]), int(r["pool_id"]), r["uri"], {
                "proposal": json.loads(r["proposal_json"]), "closes_at": r["closes_at"],
                "voters": sorted(v["voter_uri"] for v in voters)}))
        return found

    async def comments_after(self, position: int, limit: int, upto: int) -> list[EventRow]:
        """Comments with the author of the comment they answer (``replied_author``: the one
        its ``inReplyTo`` names, which for a reply to a reply is not the top-level comment it
        is filed under; None for a top-level comment)."""
        rows = await self.db.fetchall(
            "SELECT c.id, c.pool_id, c.uri, c.thread_uri, c.author_uri, c.kind,"
            " parent.author_uri AS parent_author,"
            " CASE WHEN c.parent_id IS NULL THEN NULL ELSE c.document END AS document"
            " FROM comments c LEFT JOIN comments parent ON parent.id = c.parent_id"
            " WHERE c.id > ? AND c.id <= ? ORDER BY c.id LIMIT ?", (position, upto, limit))
        answered = {r["id"]: _in_reply_to(r["document"]) for r in rows if r["document"] is not None}
        authors = await self._comment_authors([uri for uri in answered.values() if uri])
        return [EventRow(int(r["id"]), int(r["pool_id"]), r["uri"], {
            "thread": r["thread_uri"], "author": r["author_uri"], "kind": r["kind"],
            "replied_author": authors.get(answered.get(r["id"]) or "", r["parent_author"]),
        }) for r in rows]

    async def _comment_authors(self, uris: list[str]) -> dict[str, str]:
        if not uris:
            return {}
        unique = list(dict.fromkeys(uris))
        marks = ",".join("?" for _ in unique)
        rows = await self.db.fetchall(
            f"SELECT uri, author_uri FROM comments WHERE uri IN ({marks})", unique)
        return {r["uri"]: r["author_uri"] for r in rows}

    async def mentions_after(self, position: int, limit: int, upto: int) -> list[EventRow]:
        rows = await self.db.fetchall(
            "SELECT m.id, m.pool_id, m.object_uri, m.thread_uri, m.actor_uri,"
            " c.author_uri AS comment_author, d.author_uri AS discussion_author FROM mentions m"
            " LEFT JOIN comments c ON c.uri = m.object_uri"
            " LEFT JOIN discussions d ON d.uri = m.object_uri"
            " WHERE m.id > ? AND m.id <= ? ORDER BY m.id LIMIT ?", (position, upto, limit))
        return [EventRow(int(r["id"]), int(r["pool_id"]), r["object_uri"],
                         {"thread": r["thread_uri"], "mentioned": r["actor_uri"],
                          "author": r["comment_author"] or r["discussion_author"]}) for r in rows]

    async def entries_after(self, position: int, limit: int, upto: int) -> list[EventRow]:
        rows = await self.db.fetchall(
            "SELECT id, pool_id, uri, entry_json FROM ledger_entries WHERE id > ? AND id <= ?"
            " ORDER BY id LIMIT ?", (position, upto, limit))
        return [EventRow(int(r["id"]), int(r["pool_id"]), r["uri"], json.loads(r["entry_json"]))
                for r in rows]

    async def answers_after(self, position: int, limit: int, upto: int) -> list[EventRow]:
        """Accepts and Rejects local pools sent (of Joins among them), by ``objects`` row id,
        up to ``upto`` (the caller moves its cursor there when fewer than ``limit`` came)."""
        rows = await self.db.fetchall(
            "SELECT o.id, o.uri, o.document, a.id AS pool_id FROM objects o"
            " JOIN actors a ON a.uri = o.actor_uri AND a.kind = 'pool'"
            " WHERE o.id > ? AND o.id <= ? AND o.local = 1 AND o.type IN ('Accept', 'Reject')"
            " ORDER BY o.id LIMIT ?", (position, upto, limit))
        return [EventRow(int(r["id"]), int(r["pool_id"]), r["uri"], json.loads(r["document"]))
                for r in rows]

    async def floods_after(self, position: int, limit: int, upto: int) -> list[EventRow]:
        rows = await self.db.fetchall(
            "SELECT id, uri, flood_uri, origin_pool, pools_json, document FROM flood_proposals"
            " WHERE id > ? AND id <= ? ORDER BY id LIMIT ?", (position, upto, limit))
        return [EventRow(int(r["id"]), 0, r["uri"],
                         {"flood": r["flood_uri"], "pools": json.loads(r["pools_json"]),
                          "document": json.loads(r["document"])}) for r in rows]
