"""A pool's discussions and the comments in its threads, their mentions and moderation (schema 18).

A thread is a proposal's or a discussion's, named by its id (``thread_uri``). Comments are
listed in conversation order: each top-level comment, then its replies (one level), oldest
first, paged on ``(top, id)`` where ``top`` is the top-level comment's row id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from node.storage.database import INTEGRITY_ERRORS, Database, Row

__all__ = ["DiscussionStore", "ModerationEntry", "NewComment", "StoredComment", "StoredDiscussion"]


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class StoredDiscussion:
    """A discussion the pool opened: its Page document and where it came from."""

    id: int
    pool_id: int
    uri: str
    source_uri: str
    author_uri: str
    title: str
    content: str
    document: dict[str, Any]
    created_at: str
    updated_at: str | None
    deleted_at: str | None


@dataclass(frozen=True, slots=True)
class NewComment:
    """A comment to store, with the actors it mentions."""

    pool_id: int
    thread_uri: str
    uri: str
    parent_id: int | None
    author_uri: str
    kind: str
    standing: str
    content: str
    document: dict[str, Any]
    created_at: str
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredComment:
    """A comment as stored; ``content`` is the sanitised HTML a page shows."""

    id: int
    pool_id: int
    thread_uri: str
    uri: str
    parent_id: int | None
    author_uri: str
    kind: str
    standing: str
    content: str
    document: dict[str, Any]
    created_at: str
    updated_at: str | None
    deleted_at: str | None
    hidden_at: str | None
    hidden_by: str | None
    hidden_reason: str | None

    @property
    def top(self) -> int:
        """The row id of the top-level comment this one belongs under (itself if top-level)."""
        return self.parent_id if self.parent_id is not None else self.id


@dataclass(frozen=True, slots=True)
class ModerationEntry:
    """One steward's action on a comment, as logged."""

    id: int
    comment_uri: str
    steward_uri: str
    action: str
    reason: str
    at: str


def _discussion(r: Row) -> StoredDiscussion:
    return StoredDiscussion(int(r["id"]), int(r["pool_id"]), r["uri"], r["source_uri"],
                            r["author_uri"], r["title"], r["content"], json.loads(r["document"]),
                            r["created_at"], r["updated_at"], r["deleted_at"])


def _comment(r: Row) -> StoredComment:
    return StoredComment(
        int(r["id"]), int(r["pool_id"]), r["thread_uri"], r["uri"],
        int(r["parent_id"]) if r["parent_id"] is not None else None, r["author_uri"], r["kind"],
        r["standing"], r["content"], json.loads(r["document"]), r["created_at"], r["updated_at"],
        r["deleted_at"], r["hidden_at"], r["hidden_by"], r["hidden_reason"])


class DiscussionStore:
    """Queries of discussions, comments, mentions and the moderation log."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ discussions

    async def add_discussion(self, pool_id: int, uri: str, source_uri: str, author_uri: str,
                             title: str, content: str, document: dict[str, Any], created_at: str,
                             mentions: tuple[str, ...] = ()) -> StoredDiscussion:
        """Store a new discussion; the one already opened from the same draft if there is one."""
        try:
            async with self.db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO discussions (pool_id, uri, source_uri, author_uri, title, content,"
                    " document, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (pool_id, uri, source_uri, author_uri, title, content, _json(document), created_at))
                for actor in mentions:
                    await conn.execute(
                        "INSERT INTO mentions (pool_id, object_uri, thread_uri, actor_uri, created_at)"
                        " VALUES (?, ?, ?, ?, ?)", (pool_id, uri, uri, actor, created_at))
        except INTEGRITY_ERRORS:
            pass
        found = await self.discussion_by_source(source_uri)
        assert found is not None
        return found

    async def discussion(self, uri: str) -> StoredDiscussion | None:
        """A discussion by its id (deleted ones too)."""
        row = await self.db.fetchone("SELECT * FROM discussions WHERE uri = ?", (uri,))
        return _discussion(row) if row else None

    async def discussion_by_source(self, source_uri: str) -> StoredDiscussion | None:
        """The discussion opened from a member's draft."""
        row = await self.db.fetchone("SELECT * FROM discussions WHERE source_uri = ?", (source_uri,))
        return _discussion(row) if row else None

    async def discussions_of_pool(self, pool_id: int, *, limit: int,
                                  before: int | None = None) -> list[StoredDiscussion]:
        """A pool's discussions that are not deleted, newest first, keyset-paged on the row id."""
        sql = "SELECT * FROM discussions WHERE pool_id = ? AND deleted_at IS NULL"
        params: list[Any] = [pool_id]
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        rows = await self.db.fetchall(sql + " ORDER BY id DESC LIMIT ?", [*params, limit])
        return [_discussion(r) for r in rows]

    async def count_discussions(self, pool_id: int) -> int:
        """How many discussions a pool has (deleted ones not counted)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM discussions WHERE pool_id = ? AND deleted_at IS NULL", (pool_id,))
        return int(row["n"]) if row else 0

    async def change_discussion(self, uri: str, title: str, content: str, document: dict[str, Any],
                                at: str, *, deleted: bool = False) -> None:
        """Replace a discussion's title, opening post and document (its author edited or deleted it)."""
        column = "deleted_at" if deleted else "updated_at"
        await self.db.execute(
            f"UPDATE discussions SET title = ?, content = ?, document = ?, {column} = ? WHERE uri = ?",
            (title, content, _json(document), at, uri))

    async def link_proposal(self, discussion_id: int, proposal_uri: str, at: str) -> None:
        """Record that a proposal was started from a discussion."""
        await self.db.execute(
            "INSERT INTO discussion_proposals (proposal_uri, discussion_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (proposal_uri) DO NOTHING", (proposal_uri, discussion_id, at))

    async def proposals_of(self, discussion_id: int) -> list[str]:
        """Ids of the proposals started from a discussion, oldest first."""
        rows = await self.db.fetchall(
            "SELECT proposal_uri FROM discussion_proposals WHERE discussion_id = ? ORDER BY created_at,"
            " proposal_uri", (discussion_id,))
        return [r["proposal_uri"] for r in rows]

    async def discussion_of_proposal(self, proposal_uri: str) -> StoredDiscussion | None:
        """The discussion a proposal was started from, if any."""
        row = await self.db.fetchone(
            "SELECT d.* FROM discussions AS d JOIN discussion_proposals AS p ON p.discussion_id = d.id"
            " WHERE p.proposal_uri = ?", (proposal_uri,))
        return _discussion(row) if row else None

    # ------------------------------------------------------------------ comments

    async def add_comment(self, new: NewComment) -> StoredComment | None:
        """Store a comment and its mentions; None if its id is stored already (a duplicate)."""
        try:
            async with self.db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO comments (pool_id, thread_uri, uri, parent_id, author_uri, kind,"
                    " standing, content, document, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (new.pool_id, new.thread_uri, new.uri, new.parent_id, new.author_uri, new.kind,
                     new.standing, new.content, _json(new.document), new.created_at))
                for actor in new.mentions:
                    await conn.execute(
                        "INSERT INTO mentions (pool_id, object_uri, thread_uri, actor_uri, created_at)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (new.pool_id, new.uri, new.thread_uri, actor, new.created_at))
        except INTEGRITY_ERRORS:
            return None
        return await self.comment(new.uri)

    async def comment(self, uri: str) -> StoredComment | None:
        """A comment by its id (the Note's)."""
        row = await self.db.fetchone("SELECT * FROM comments WHERE uri = ?", (uri,))
        return _comment(row) if row else None

    async def comment_by_row(self, row_id: int) -> StoredComment | None:
        """A comment by its row id (the web's forms name comments so)."""
        row = await self.db.fetchone("SELECT * FROM comments WHERE id = ?", (row_id,))
        return _comment(row) if row else None

    async def thread(self, thread_uri: str, *, limit: int,
                     after: tuple[int, int] | None = None) -> list[StoredComment]:
        """Comments (outcome statements not included) in conversation order, from after ``after``
        (a ``(top, id)`` cursor)."""
        sql = ("SELECT * FROM comments WHERE thread_uri = ? AND kind = 'comment'")
        params: list[Any] = [thread_uri]
        if after is not None:
            sql += " AND (COALESCE(parent_id, id) > ? OR (COALESCE(parent_id, id) = ? AND id > ?))"
            params += [after[0], after[0], after[1]]
        sql += " ORDER BY COALESCE(parent_id, id), id LIMIT ?"
        return [_comment(r) for r in await self.db.fetchall(sql, [*params, limit])]

    async def replies_page(self, thread_uri: str, *, limit: int,
                           before: int | None = None) -> list[StoredComment]:
        """A thread's comments and outcome statement, newest first (the ``replies`` collection)."""
        sql = "SELECT * FROM comments WHERE thread_uri = ?"
        params: list[Any] = [thread_uri]
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        rows = await self.db.fetchall(sql + " ORDER BY id DESC LIMIT ?", [*params, limit])
        return [_comment(r) for r in rows]

    async def count_thread(self, thread_uri: str) -> int:
        """How many comments a thread holds (an outcome statement included)."""
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM comments WHERE thread_uri = ?",
                                     (thread_uri,))
        return int(row["n"]) if row else 0

    async def outcome_of(self, thread_uri: str) -> StoredComment | None:
        """A proposal's outcome statement that is not deleted."""
        row = await self.db.fetchone(
            "SELECT * FROM comments WHERE thread_uri = ? AND kind = 'outcome' AND deleted_at IS NULL",
            (thread_uri,))
        return _comment(row) if row else None

    async def change_comment(self, uri: str, content: str, document: dict[str, Any], at: str,
                             *, deleted: bool = False) -> None:
        """Replace a comment's content and document (its author edited it, or deleted it)."""
        column = "deleted_at" if deleted else "updated_at"
        await self.db.execute(
            f"UPDATE comments SET content = ?, document = ?, {column} = ? WHERE uri = ?",
            (content, _json(document), at, uri))

    async def recent_posts(self, author_uri: str, since: str) -> int:
        """How many comments and discussions an actor posted from ``since`` on (its rate)."""
        row = await self.db.fetchone(
            "SELECT (SELECT COUNT(*) FROM comments WHERE author_uri = ? AND created_at >= ?)"
            " + (SELECT COUNT(*) FROM discussions WHERE author_uri = ? AND created_at >= ?) AS n",
            (author_uri, since, author_uri, since))
        return int(row["n"]) if row else 0

    # ------------------------------------------------------------------ moderation

    async def moderate(self, comment: StoredComment, steward_uri: str, reason: str, at: str,
                       *, hide: bool) -> None:
        """Hide a comment (with the reason shown in its place) or show it again; logged."""
        async with self.db.transaction() as conn:
            if hide:
                await conn.execute(
                    "UPDATE comments SET hidden_at = ?, hidden_by = ?, hidden_reason = ? WHERE id = ?",
                    (at, steward_uri, reason, comment.id))
            else:
                await conn.execute(
                    "UPDATE comments SET hidden_at = NULL, hidden_by = NULL, hidden_reason = NULL"
                    " WHERE id = ?", (comment.id,))
            await conn.execute(
                "INSERT INTO moderation_log (pool_id, comment_uri, steward_uri, action, reason, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (comment.pool_id, comment.uri, steward_uri, "hide" if hide else "show", reason, at))

    async def moderation_log(self, pool_id: int, limit: int = 100) -> list[ModerationEntry]:
        """A pool's moderation log, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM moderation_log WHERE pool_id = ? ORDER BY id DESC LIMIT ?", (pool_id, limit))
        return [ModerationEntry(int(r["id"]), r["comment_uri"], r["steward_uri"], r["action"],
                                r["reason"], r["at"]) for r in rows]

    # ------------------------------------------------------------------ mentions

    async def mentions_of(self, actor_uri: str, *, after: int = 0,
                          limit: int = 100) -> list[tuple[int, str, str]]:
        """(id, object_uri, thread_uri) of the posts that mention an actor, oldest first from
        ``after`` (the cursor a notifications reader keeps)."""
        rows = await self.db.fetchall(
            "SELECT id, object_uri, thread_uri FROM mentions WHERE actor_uri = ? AND id > ?"
            " ORDER BY id LIMIT ?", (actor_uri, after, limit))
        return [(int(r["id"]), r["object_uri"], r["thread_uri"]) for r in rows]

    async def mentioned(self, object_uri: str) -> list[str]:
        """Who a comment or an opening post mentions."""
        rows = await self.db.fetchall(
            "SELECT actor_uri FROM mentions WHERE object_uri = ? ORDER BY actor_uri", (object_uri,))
        return [r["actor_uri"] for r in rows]
