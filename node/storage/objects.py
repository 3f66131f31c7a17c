"""ActivityPub objects and activities, and the ordered collections that list them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from node.storage.database import INTEGRITY_ERRORS, Connection, Database, Row

__all__ = ["CollectionPage", "ObjectStore", "StoredObject"]


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object or activity as stored, its document as parsed JSON."""

    id: int
    uri: str
    type: str
    actor_uri: str | None
    local: bool
    document: dict[str, Any]
    created_at: str


@dataclass(frozen=True, slots=True)
class CollectionPage:
    """One page of an ordered collection, newest first; ``next_before`` pages on."""

    items: list[str]
    next_before: int | None


def _object(row: Row) -> StoredObject:
    return StoredObject(
        id=row["id"],
        uri=row["uri"],
        type=row["type"],
        actor_uri=row["actor_uri"],
        local=bool(row["local"]),
        document=json.loads(row["document"]),
        created_at=row["created_at"],
    )


_PUBLIC_ADDRESSES = (
    "'https://www.w3.org/ns/activitystreams#Public'", "'as:Public'", "'Public'",
)
# An item whose stored document is addressed to as:Public in to, cc or audience (a lone
# string or a list; a Link object counts by its id), as node/access.py:is_public decides.
_PUBLIC_ITEM = (
    " AND EXISTS (SELECT 1 FROM objects AS o,"
    " (SELECT 'to' AS name UNION ALL SELECT 'cc' UNION ALL SELECT 'audience') AS f,"
    " json_each(o.document, '$.' || f.name) AS a"
    " WHERE o.uri = c.item_uri AND json_valid(o.document)"
    " AND (CASE WHEN a.type = 'object' THEN json_extract(a.value, '$.id') ELSE a.value END)"
    f" IN ({', '.join(_PUBLIC_ADDRESSES)}))"
)
# The same test on PostgreSQL: a lone value (string or Link) becomes a one-element array.
_PUBLIC_ITEM_PG = (
    " AND EXISTS (SELECT 1 FROM objects AS o"
    " CROSS JOIN (VALUES ('to'), ('cc'), ('audience')) AS f (name)"
    " CROSS JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof(o.document::jsonb -> f.name)"
    " WHEN 'array' THEN o.document::jsonb -> f.name"
    " WHEN 'string' THEN jsonb_build_array(o.document::jsonb -> f.name)"
    " WHEN 'object' THEN jsonb_build_array(o.document::jsonb -> f.name)"
    " ELSE '[]'::jsonb END) AS a (value)"
    " WHERE o.uri = c.item_uri"
    " AND (CASE WHEN jsonb_typeof(a.value) = 'object' THEN a.value ->> 'id'"
    " ELSE a.value #>> '{}' END)"
    f" IN ({', '.join(_PUBLIC_ADDRESSES)}))"
)


class ObjectStore:
    """Queries on stored objects and collection items."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._public_item = _PUBLIC_ITEM_PG if db.dialect == "postgresql" else _PUBLIC_ITEM

    async def get(self, uri: str) -> StoredObject | None:
        """An object by its ActivityPub id."""
        row = await self.db.fetchone("SELECT * FROM objects WHERE uri = ?", (uri,))
        return _object(row) if row else None

    async def put_local_activity(
        self,
        owner_id: int,
        activity: dict[str, Any],
        embedded: dict[str, Any] | None,
        created_at: str,
        collections: tuple[str, ...] = ("outbox",),
        private_recipients: tuple[str, ...] = (),
    ) -> None:
        """Store a local activity (and the object it created) and list it in collections.

        ``private_recipients`` (its bto/bcc, taken out before delivery) are kept as the stored
        documents' ``bcc``: they decide who may read it, and are never served.
        """
        if private_recipients:
            activity = {**activity, "bcc": list(private_recipients)}
            if embedded is not None:
                embedded = {**embedded, "bcc": list(private_recipients)}
        async with self.db.transaction() as conn:
            if embedded is not None:
                await _insert_object(conn, embedded, local=True, created_at=created_at)
            await _insert_object(conn, activity, local=True, created_at=created_at)
            for collection in collections:
                await conn.execute(
                    "INSERT INTO collection_items (owner_id, collection, item_uri, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (owner_id, collection, activity["id"], created_at),
                )

    async def replace_local(self, uri: str, document: dict[str, Any]) -> bool:
        """Replace a local object's document (its owner's Update, or a Tombstone for its Delete)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE objects SET document = ?, type = ? WHERE uri = ? AND local = 1",
                (json.dumps(document, separators=(",", ":"), ensure_ascii=False),
                 str(document.get("type", "Object")), uri),
            )
            return cursor.rowcount > 0

    async def add_to_collection(
        self, owner_id: int, collection: str, item_uri: str, created_at: str
    ) -> bool:
        """List an item in a collection; False if it was already there."""
        try:
            await self.db.execute(
                "INSERT INTO collection_items (owner_id, collection, item_uri, created_at)"
                " VALUES (?, ?, ?, ?)",
                (owner_id, collection, item_uri, created_at),
            )
        except INTEGRITY_ERRORS:
            return False
        return True

    async def remove_from_collection(self, owner_id: int, collection: str, item_uri: str) -> bool:
        """Remove an item from a collection; False if it was not there."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM collection_items"
                " WHERE owner_id = ? AND collection = ? AND item_uri = ?",
                (owner_id, collection, item_uri),
            )
            return cursor.rowcount > 0

    async def collection_size(self, owner_id: int, collection: str, *, public_only: bool = False) -> int:
        """How many items a collection holds (``public_only``: addressed to as:Public)."""
        sql = "SELECT COUNT(*) AS n FROM collection_items AS c WHERE owner_id = ? AND collection = ?"
        row = await self.db.fetchone(
            sql + (self._public_item if public_only else ""), (owner_id, collection)
        )
        return int(row["n"]) if row else 0

    async def collection_page(
        self, owner_id: int, collection: str, *, before: int | None, limit: int,
        public_only: bool = False,
    ) -> CollectionPage:
        """A page of item ids, newest first, keyset-paged so cost does not grow with history."""
        sql = "SELECT id, item_uri FROM collection_items AS c WHERE owner_id = ? AND collection = ?"
        if public_only:
            sql += self._public_item
        params: list[object] = [owner_id, collection]
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit + 1)
        rows = list(await self.db.fetchall(sql, params))
        more = len(rows) > limit
        rows = rows[:limit]
        return CollectionPage(
            items=[r["item_uri"] for r in rows],
            next_before=rows[-1]["id"] if more and rows else None,
        )

    async def documents(self, uris: list[str]) -> dict[str, dict[str, Any]]:
        """Documents of the given ids that are stored, by id."""
        if not uris:
            return {}
        marks = ",".join("?" for _ in uris)
        rows = await self.db.fetchall(
            f"SELECT uri, document FROM objects WHERE uri IN ({marks})", uris
        )
        return {r["uri"]: json.loads(r["document"]) for r in rows}

    async def count_local(self, types: tuple[str, ...]) -> int:
        """How many local objects of the given types exist (NodeInfo's localPosts)."""
        marks = ",".join("?" for _ in types)
        row = await self.db.fetchone(
            f"SELECT COUNT(*) AS n FROM objects WHERE local = 1 AND type IN ({marks})", types
        )
        return int(row["n"]) if row else 0


async def _insert_object(
    conn: Connection, document: dict[str, Any], *, local: bool, created_at: str
) -> None:
    actor = document.get("actor") or document.get("attributedTo")
    await conn.execute(
        "INSERT INTO objects (uri, type, actor_uri, local, document, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            document["id"],
            str(document.get("type", "Object")),
            actor if isinstance(actor, str) else None,
            int(local),
            json.dumps(document, separators=(",", ":"), ensure_ascii=False),
            created_at,
        ),
    )
