"""Actors a local account blocked, and accounts or domains a pool's stewards blocked for it
(ActivityPub §6.9, schemas 18 and 23).

A row's ``blocked_uri`` is an actor id (an absolute URL) or, for a pool's domain block, a host
name with no scheme (``spam.example``, or ``host:port``). :func:`block_keys` lists what blocks
an actor (its id, its host, the domains above the host), so one indexed lookup answers both.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from node.storage.database import Database

__all__ = ["BlockLogEntry", "BlockRow", "BlockStore", "block_keys"]

_MOST_LABELS = 8


def block_keys(uri: str) -> list[str]:
    """What blocks the actor ``uri``: the id itself, its ``host:port`` and host, and every domain
    above the host (``a.b.example``: ``b.example``, ``example``), at most a few."""
    keys = [uri]
    _scheme, _, rest = uri.partition("://")
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2].lower()
    if not authority:
        return keys
    keys.append(authority)
    host = authority[1:].partition("]")[0] if authority.startswith("[") else authority.partition(":")[0]
    if host != authority:
        keys.append(host)
    try:
        ipaddress.ip_address(host)
        return keys
    except ValueError:
        pass
    labels = host.split(".")
    keys += [".".join(labels[i:]) for i in range(1, min(len(labels), _MOST_LABELS))]
    return keys


@dataclass(frozen=True, slots=True)
class BlockRow:
    """One block: what is blocked, by which Block (or record), when; for a pool, by whom and why."""

    blocked: str
    activity_uri: str
    created_at: str
    steward_uri: str | None
    reason: str | None

    @property
    def is_domain(self) -> bool:
        """Whether a whole domain is blocked (not one account)."""
        return "://" not in self.blocked


@dataclass(frozen=True, slots=True)
class BlockLogEntry:
    """A steward blocked or unblocked something for a pool."""

    id: int
    blocked: str
    action: str
    steward_uri: str
    reason: str
    at: str


def _row(r: object) -> BlockRow:
    return BlockRow(r["blocked_uri"], r["activity_uri"], r["created_at"],  # type: ignore[index]
                    r["steward_uri"], r["reason"])  # type: ignore[index]


class BlockStore:
    """Who blocked whom: rows written by a ``Block`` (or a steward, for a pool), removed by its
    ``Undo`` (or a steward's unblock)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, actor_id: int, blocked_uri: str, activity_uri: str, at: str) -> None:
        """Record a block (blocking an actor blocked already keeps the first Block)."""
        await self.db.execute(
            "INSERT INTO blocks (actor_id, blocked_uri, activity_uri, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (actor_id, blocked_uri) DO NOTHING",
            (actor_id, blocked_uri, activity_uri, at))

    async def remove(self, actor_id: int, *, activity_uri: str | None = None,
                     blocked_uri: str | None = None) -> bool:
        """Lift a block, named by its Block activity or by the blocked actor; False if none."""
        column, value = ("activity_uri", activity_uri) if activity_uri else ("blocked_uri", blocked_uri)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"DELETE FROM blocks WHERE actor_id = ? AND {column} = ?", (actor_id, value))
            return cursor.rowcount > 0

    async def blockers_of(self, blocked_uri: str) -> set[int]:
        """The local actors (row ids) that block ``blocked_uri`` (or its domain)."""
        keys = block_keys(blocked_uri)
        marks = ",".join("?" for _ in keys)
        rows = await self.db.lookup_all(
            f"SELECT actor_id FROM blocks WHERE blocked_uri IN ({marks})", tuple(keys))
        return {int(r["actor_id"]) for r in rows}

    async def blockers_of_each(self, blocked_uris: Sequence[str]) -> dict[str, set[int]]:
        """For each of these actors that some local actor blocks (the actor or its domain, as
        :func:`block_keys` lists): who blocks it (row ids)."""
        found: dict[str, set[int]] = {}
        senders_of: dict[str, list[str]] = {}
        for uri in dict.fromkeys(blocked_uris):
            for key in block_keys(uri):
                senders_of.setdefault(key, []).append(uri)
        wanted = list(senders_of)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.lookup_all(
                f"SELECT blocked_uri, actor_id FROM blocks WHERE blocked_uri IN ({marks})", chunk
            )
            for row in rows:
                for sender in senders_of[row["blocked_uri"]]:
                    found.setdefault(sender, set()).add(int(row["actor_id"]))
        return found

    async def blocked_by(self, actor_id: int) -> list[str]:
        """Who a local actor blocks, in the order it blocked them."""
        rows = await self.db.fetchall(
            "SELECT blocked_uri FROM blocks WHERE actor_id = ? ORDER BY id", (actor_id,))
        return [r["blocked_uri"] for r in rows]

    async def any_blocks(self, actor_ids: Sequence[int], blocked_uri: str) -> bool:
        """Whether any of these local actors blocks ``blocked_uri`` (or its domain)."""
        if not actor_ids:
            return False
        keys = block_keys(blocked_uri)
        marks = ",".join("?" for _ in actor_ids)
        key_marks = ",".join("?" for _ in keys)
        row = await self.db.fetchone(
            f"SELECT 1 AS x FROM blocks WHERE blocked_uri IN ({key_marks}) AND actor_id IN ({marks})"
            " LIMIT 1", (*keys, *actor_ids))
        return row is not None

    # ------------------------------------------------------------------ a pool's blocks

    async def by_activity(self, activity_uri: str) -> tuple[int, BlockRow] | None:
        """(blocking actor's row id, the block) recorded under a Block activity's id."""
        r = await self.db.fetchone("SELECT * FROM blocks WHERE activity_uri = ?", (activity_uri,))
        return (int(r["actor_id"]), _row(r)) if r else None

    async def get(self, actor_id: int, blocked: str) -> BlockRow | None:
        """The actor's block of exactly ``blocked`` (an actor id or a domain)."""
        r = await self.db.fetchone(
            "SELECT * FROM blocks WHERE actor_id = ? AND blocked_uri = ?", (actor_id, blocked))
        return _row(r) if r else None

    async def blocks_of(self, actor_id: int, limit: int = 500) -> list[BlockRow]:
        """What an actor (a pool) blocks, the latest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM blocks WHERE actor_id = ? ORDER BY id DESC LIMIT ?", (actor_id, limit))
        return [_row(r) for r in rows]

    async def steward_block(self, pool_id: int, blocked: str, activity_uri: str, steward_uri: str,
                            reason: str, at: str) -> bool:
        """A steward blocks ``blocked`` for the pool, logged; False (and nothing logged) if the
        pool blocks it already."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO blocks (actor_id, blocked_uri, activity_uri, created_at, steward_uri, reason)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (actor_id, blocked_uri) DO NOTHING",
                (pool_id, blocked, activity_uri, at, steward_uri, reason))
            if cursor.rowcount <= 0:
                return False
            await conn.execute(
                "INSERT INTO block_log (actor_id, blocked, action, steward_uri, reason, at)"
                " VALUES (?, ?, 'block', ?, ?, ?)", (pool_id, blocked, steward_uri, reason, at))
            return True

    async def steward_unblock(self, pool_id: int, blocked: str, steward_uri: str, reason: str,
                              at: str) -> bool:
        """A steward lifts the pool's block of ``blocked``, logged; False if there was none."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM blocks WHERE actor_id = ? AND blocked_uri = ?", (pool_id, blocked))
            if cursor.rowcount <= 0:
                return False
            await conn.execute(
                "INSERT INTO block_log (actor_id, blocked, action, steward_uri, reason, at)"
                " VALUES (?, ?, 'unblock', ?, ?, ?)", (pool_id, blocked, steward_uri, reason, at))
            return True

    async def log_of(self, pool_id: int, limit: int = 100) -> list[BlockLogEntry]:
        """A pool's blocks and unblocks, the latest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM block_log WHERE actor_id = ? ORDER BY id DESC LIMIT ?", (pool_id, limit))
        return [BlockLogEntry(int(r["id"]), r["blocked"], r["action"], r["steward_uri"], r["reason"],
                              r["at"]) for r in rows]
