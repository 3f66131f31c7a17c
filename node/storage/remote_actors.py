"""Remote actors as last fetched: inboxes and public keys, cached with their fetch time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from node.storage.database import Database, Row
from node.storage.dialect import json_text

__all__ = ["RemoteActor", "RemoteActorStore"]


@dataclass(frozen=True, slots=True)
class RemoteActor:
    """What the node needs of another actor: where to deliver and how to verify it.

    ``ed25519_keys`` maps FEP-521a Multikey ids to their ``publicKeyMultibase``.
    ``fetched_at`` is in epoch milliseconds.
    """

    uri: str
    type: str
    inbox: str
    shared_inbox: str | None
    key_id: str | None
    public_key_pem: str | None
    ed25519_keys: dict[str, str] = field(default_factory=dict)
    document: dict[str, Any] = field(default_factory=dict)
    fetched_at: int = 0


def _remote(row: Row) -> RemoteActor:
    return RemoteActor(
        uri=row["uri"],
        type=row["type"],
        inbox=row["inbox"],
        shared_inbox=row["shared_inbox"],
        key_id=row["key_id"],
        public_key_pem=row["public_key_pem"],
        ed25519_keys=json.loads(row["ed25519_keys"]),
        document=json.loads(row["document"]),
        fetched_at=row["fetched_at"],
    )


class RemoteActorStore:
    """Queries on cached remote actors."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, uri: str) -> RemoteActor | None:
        """A cached actor by id, however old."""
        row = await self.db.lookup("SELECT * FROM remote_actors WHERE uri = ?", (uri,))
        return _remote(row) if row else None

    async def get_many(self, uris: Sequence[str]) -> dict[str, RemoteActor]:
        """The cached actors among these ids, however old, by id."""
        found: dict[str, RemoteActor] = {}
        wanted = list(dict.fromkeys(uris))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.lookup_all(
                f"SELECT * FROM remote_actors WHERE uri IN ({marks})", chunk
            )
            for row in rows:
                found[row["uri"]] = _remote(row)
        return found

    async def followers_collections(self, uris: Sequence[str]) -> dict[str, str]:
        """The ``followers`` collection each cached actor's document names (without decoding
        the documents in Python), for the actors that name one."""
        found: dict[str, str] = {}
        wanted = list(dict.fromkeys(uris))
        followers = json_text(self.db.dialect, "document", "followers")
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = await self.db.lookup_all(
                f"SELECT uri, {followers} AS followers FROM remote_actors"
                f" WHERE uri IN ({','.join('?' * len(chunk))})", chunk,
            )
            found.update((r["uri"], r["followers"]) for r in rows if isinstance(r["followers"], str))
        return found

    async def inboxes(self, uris: list[str], fetched_after: int) -> dict[str, str]:
        """Delivery inboxes (shared when there is one) of cached actors fetched after a time."""
        found: dict[str, str] = {}
        for start in range(0, len(uris), 500):
            chunk = uris[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            rows = await self.db.fetchall(
                f"SELECT uri, inbox, shared_inbox FROM remote_actors WHERE uri IN ({marks})"
                " AND fetched_at > ?",
                (*chunk, fetched_after),
            )
            for row in rows:
                found[row["uri"]] = row["shared_inbox"] or row["inbox"]
        return found

    async def put(self, actor: RemoteActor) -> None:
        """Insert or replace the cached copy of an actor."""
        await self.db.execute(
            "INSERT INTO remote_actors (uri, type, inbox, shared_inbox, key_id, public_key_pem,"
            " ed25519_keys, document, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (uri) DO UPDATE SET type = excluded.type, inbox = excluded.inbox,"
            " shared_inbox = excluded.shared_inbox, key_id = excluded.key_id,"
            " public_key_pem = excluded.public_key_pem, ed25519_keys = excluded.ed25519_keys,"
            " document = excluded.document, fetched_at = excluded.fetched_at",
            (
                actor.uri, actor.type, actor.inbox, actor.shared_inbox, actor.key_id,
                actor.public_key_pem, json.dumps(actor.ed25519_keys),
                json.dumps(actor.document, separators=(",", ":"), ensure_ascii=False),
                actor.fetched_at,
            ),
        )

    async def delete(self, uri: str) -> bool:
        """Forget an actor (after its Delete); False if it was not cached."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM remote_actors WHERE uri = ?", (uri,))
            return cursor.rowcount > 0
