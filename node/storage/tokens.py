"""Bearer tokens: random, shown once, stored only as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from node.storage.database import Database, Row

__all__ = ["TokenRecord", "TokenStore", "hash_token"]


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so one SHA-256 is enough (no KDF needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A stored token: never its secret, only its hash."""

    id: int
    actor_id: int
    label: str
    created_at: str
    revoked_at: str | None


def _token(row: Row) -> TokenRecord:
    return TokenRecord(
        id=row["id"],
        actor_id=row["actor_id"],
        label=row["label"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


class TokenStore:
    """Queries on API tokens."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, actor_id: int, token: str, label: str, created_at: str) -> TokenRecord:
        """Store the hash of a freshly generated token."""
        token_id = await self.db.insert(
            "INSERT INTO tokens (actor_id, token_hash, label, created_at) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (actor_id, hash_token(token), label, created_at),
        )
        return TokenRecord(token_id, actor_id, label, created_at, None)

    async def actor_for(self, token: str) -> int | None:
        """The actor id a live token belongs to, or None."""
        row = await self.db.fetchone(
            "SELECT actor_id FROM tokens WHERE token_hash = ? AND revoked_at IS NULL",
            (hash_token(token),),
        )
        return int(row["actor_id"]) if row else None

    async def list_for(self, actor_id: int) -> list[TokenRecord]:
        """All tokens of an actor, revoked ones included."""
        rows = await self.db.fetchall(
            "SELECT * FROM tokens WHERE actor_id = ? ORDER BY id", (actor_id,)
        )
        return [_token(r) for r in rows]

    async def revoke(self, actor_id: int, token_id: int | None, revoked_at: str) -> int:
        """Revoke one token (by id) or all live tokens of an actor; returns how many."""
        async with self.db.transaction() as conn:
            if token_id is None:
                cursor = await conn.execute(
                    "UPDATE tokens SET revoked_at = ? WHERE actor_id = ? AND revoked_at IS NULL",
                    (revoked_at, actor_id),
                )
            else:
                cursor = await conn.execute(
                    "UPDATE tokens SET revoked_at = ?"
                    " WHERE actor_id = ? AND id = ? AND revoked_at IS NULL",
                    (revoked_at, actor_id, token_id),
                )
            return cursor.rowcount
