"""Web sign-in: password hashes, browser sessions, failed sign-in attempts, chosen languages."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.database import Database

__all__ = ["WebSession", "WebStore"]


@dataclass(frozen=True, slots=True)
class WebSession:
    """A browser session as stored: the hash of its id, never the id itself."""

    id_hash: str
    actor_id: int | None
    csrf_token: str
    created_at: str
    expires_at: str
    locale: str | None = None
    """The language the session's member chose (``web_locales``), None if they did not."""


class WebStore:
    """Queries of the web app (timestamps are ISO 8601 UTC strings, compared as text)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def set_password(self, actor_id: int, password_hash: str, now: str) -> None:
        """Store (or replace) an account's password hash."""
        await self.db.execute(
            "INSERT INTO web_passwords (actor_id, password_hash, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (actor_id) DO UPDATE SET password_hash = excluded.password_hash,"
            " updated_at = excluded.updated_at",
            (actor_id, password_hash, now),
        )

    async def password_hash(self, actor_id: int) -> str | None:
        """An account's password hash, or None when it has no password."""
        row = await self.db.fetchone(
            "SELECT password_hash FROM web_passwords WHERE actor_id = ?", (actor_id,)
        )
        return str(row["password_hash"]) if row else None

    async def set_locale(self, actor_id: int, locale: str | None, now: str) -> None:
        """Store the language a member chose; None forgets it (the browser's language then rules)."""
        if locale is None:
            await self.db.execute("DELETE FROM web_locales WHERE actor_id = ?", (actor_id,))
            return
        await self.db.execute(
            "INSERT INTO web_locales (actor_id, locale, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (actor_id) DO UPDATE SET locale = excluded.locale,"
            " updated_at = excluded.updated_at",
            (actor_id, locale, now),
        )

    async def locale(self, actor_id: int) -> str | None:
        """The language a member chose, or None."""
        row = await self.db.fetchone("SELECT locale FROM web_locales WHERE actor_id = ?", (actor_id,))
        return str(row["locale"]) if row else None

    async def create_session(self, session: WebSession) -> None:
        """Store a new session (and drop expired ones while at it)."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (session.created_at,))
            await conn.execute(
                "INSERT INTO web_sessions (id_hash, actor_id, csrf_token, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (session.id_hash, session.actor_id, session.csrf_token, session.created_at,
                 session.expires_at),
            )

    async def session(self, id_hash: str, now: str) -> WebSession | None:
        """A live session by the hash of its id."""
        row = await self.db.fetchone(
            "SELECT s.id_hash, s.actor_id, s.csrf_token, s.created_at, s.expires_at, l.locale"
            " FROM web_sessions s LEFT JOIN web_locales l ON l.actor_id = s.actor_id"
            " WHERE s.id_hash = ? AND s.expires_at > ?", (id_hash, now)
        )
        if row is None:
            return None
        return WebSession(
            row["id_hash"], row["actor_id"], row["csrf_token"], row["created_at"], row["expires_at"],
            row["locale"],
        )

    async def delete_session(self, id_hash: str) -> None:
        """End one session."""
        await self.db.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash,))

    async def delete_sessions_of(self, actor_id: int) -> int:
        """End every session of an account (after a password change); returns how many."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM web_sessions WHERE actor_id = ?", (actor_id,))
            return cursor.rowcount

    async def set_summary(self, actor_id: int, summary: str) -> None:
        """Replace an actor's summary (a pool's purpose as its page shows it)."""
        await self.db.execute("UPDATE actors SET summary = ? WHERE id = ?", (summary, actor_id))

    async def record_failure(self, username: str, address: str, at: str) -> None:
        """Remember one failed sign-in."""
        await self.db.execute(
            "INSERT INTO web_signin_failures (username, address, failed_at) VALUES (?, ?, ?)",
            (username, address, at),
        )

    async def failures_since(self, since: str, *, username: str | None = None,
                             address: str | None = None) -> int:
        """How many sign-ins failed after ``since`` for a username or for an address."""
        if username is not None:
            sql, key = "username = ?", username
        elif address is not None:
            sql, key = "address = ?", address
        else:
            raise ValueError("give a username or an address")
        row = await self.db.fetchone(
            f"SELECT COUNT(*) AS n FROM web_signin_failures WHERE {sql} AND failed_at > ?",
            (key, since),
        )
        return int(row["n"]) if row else 0

    async def forget_failures(self, before: str) -> None:
        """Drop failures older than the rate-limit window."""
        await self.db.execute("DELETE FROM web_signin_failures WHERE failed_at <= ?", (before,))
