"""Invite links to a pool and one-time sign-in links (schema 15)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.storage.database import Database

__all__ = ["Invitation", "InvitationStore", "InvitationUse"]


@dataclass(frozen=True, slots=True)
class Invitation:
    """A steward's invite link as stored: the hash of its secret, never the secret."""

    id: int
    pool_id: int
    created_by: int | None
    note: str
    created_at: str
    expires_at: str
    max_uses: int
    uses: int
    revoked_at: str | None

    def usable(self, now: str) -> bool:
        """Not revoked, not expired, not used up."""
        return self.revoked_at is None and self.expires_at > now and self.uses < self.max_uses

    def state(self, now: str) -> str:
        """'revoked', 'expired', 'used up' or 'open', for the steward's list."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.uses >= self.max_uses:
            return "used up"
        return "open"


@dataclass(frozen=True, slots=True)
class InvitationUse:
    """Who came in through an invitation, and when."""

    invitation_id: int
    person_uri: str
    used_at: str


def _invitation(r: Any) -> Invitation:
    return Invitation(int(r["id"]), int(r["pool_id"]), r["created_by"], str(r["note"]),
                      str(r["created_at"]), str(r["expires_at"]), int(r["max_uses"]),
                      int(r["uses"]), r["revoked_at"])


class InvitationStore:
    """Queries of invitations and sign-in links (timestamps ISO 8601 UTC, compared as text)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, pool_id: int, token_hash: str, created_by: int | None, note: str,
                     now: str, expires_at: str, max_uses: int) -> int:
        """Store a new invitation; its id."""
        return await self.db.insert(
            "INSERT INTO invitations (pool_id, token_hash, created_by, note, created_at, expires_at,"
            " max_uses) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (pool_id, token_hash, created_by, note, now, expires_at, max_uses),
        )

    async def by_hash(self, token_hash: str) -> Invitation | None:
        """The invitation whose secret hashes to this, in any state."""
        row = await self.db.fetchone("SELECT * FROM invitations WHERE token_hash = ?", (token_hash,))
        return _invitation(row) if row else None

    async def of_pool(self, pool_id: int) -> list[Invitation]:
        """A pool's invitations, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM invitations WHERE pool_id = ? ORDER BY id DESC", (pool_id,))
        return [_invitation(r) for r in rows]

    async def uses_of_pool(self, pool_id: int) -> list[InvitationUse]:
        """Every use of the pool's invitations, oldest first."""
        rows = await self.db.fetchall(
            "SELECT u.invitation_id, u.person_uri, u.used_at FROM invitation_uses u"
            " JOIN invitations i ON i.id = u.invitation_id WHERE i.pool_id = ? ORDER BY u.id",
            (pool_id,),
        )
        return [InvitationUse(int(r["invitation_id"]), str(r["person_uri"]), str(r["used_at"]))
                for r in rows]

    async def claim(self, invitation_id: int, now: str) -> bool:
        """Take one use of a usable invitation; False when it is revoked, expired or used up.

        One statement checks and counts, so two people racing for the last use cannot both
        get it.
        """
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE invitations SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL"
                " AND expires_at > ? AND uses < max_uses",
                (invitation_id, now),
            )
            return bool(cursor.rowcount == 1)

    async def give_back(self, invitation_id: int) -> None:
        """Return a use taken by ``claim`` when the account could not be made after all."""
        await self.db.execute(
            "UPDATE invitations SET uses = uses - 1 WHERE id = ? AND uses > 0", (invitation_id,))

    async def record_use(self, invitation_id: int, person_uri: str, now: str) -> None:
        """Remember who came in through the invitation."""
        await self.db.execute(
            "INSERT INTO invitation_uses (invitation_id, person_uri, used_at) VALUES (?, ?, ?)",
            (invitation_id, person_uri, now),
        )

    async def revoke(self, pool_id: int, invitation_id: int, now: str) -> bool:
        """Revoke one of the pool's invitations; False when there is no such live one."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE invitations SET revoked_at = ? WHERE id = ? AND pool_id = ?"
                " AND revoked_at IS NULL",
                (now, invitation_id, pool_id),
            )
            return bool(cursor.rowcount == 1)

    async def create_signin_link(self, actor_id: int, token_hash: str, now: str,
                                 expires_at: str) -> None:
        """Store a one-time sign-in link for an account."""
        await self.db.execute(
            "INSERT INTO web_signin_links (token_hash, actor_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (token_hash, actor_id, now, expires_at),
        )

    async def signin_link_actor(self, token_hash: str, now: str) -> int | None:
        """The account of a live, unused sign-in link (without spending it)."""
        row = await self.db.fetchone(
            "SELECT actor_id FROM web_signin_links WHERE token_hash = ? AND used_at IS NULL"
            " AND expires_at > ?",
            (token_hash, now),
        )
        return int(row["actor_id"]) if row else None

    async def spend_signin_link(self, token_hash: str, now: str) -> int | None:
        """Spend a live sign-in link (once: a second use finds it spent); its account."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE web_signin_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
                " AND expires_at > ?",
                (now, token_hash, now),
            )
            if cursor.rowcount != 1:
                return None
            cursor = await conn.execute(
                "SELECT actor_id FROM web_signin_links WHERE token_hash = ?", (token_hash,))
            row = await cursor.fetchone()
        return int(row["actor_id"]) if row else None
