"""The PostgreSQL backend (asyncpg): a connection pool behind the same interface as SQLite.

Stores write SQL with ``?`` placeholders; here they become ``$1, $2, ...`` (outside string
literals), translated once per statement text. Any number of processes may share the
database: nothing here serialises writes in memory. What must happen one at a time (a pool's
ledger, ballots and close) holds ``advisory_lock`` (a session-level advisory lock on a
connection of a second, small pool kept for locks, so a holder never starves the statements it
runs), queues are claimed with ``FOR UPDATE SKIP LOCKED`` (node/storage/inbox.py,
deliveries.py), and unique constraints back both (docs/OPERATIONS.md, "Several processes").
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import asyncpg

from node.config import without_password
from node.storage.database import Connection, Database, Migration, StorageError
from node.storage.dialect import LIVE_SESSIONS

__all__ = ["PostgresDatabase", "placeholders", "safe_url"]

log = logging.getLogger("poolnode.storage")


@lru_cache(maxsize=4096)
def placeholders(sql: str) -> str:
    """``?`` -> ``$n`` outside single-quoted literals (our SQL has no other quoting)."""
    out: list[str] = []
    n = 0
    quoted = False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        elif ch == "?" and not quoted:
            n += 1
            out.append(f"${n}")
            continue
        out.append(ch)
    return "".join(out)


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return without_password(url)


def _returns_rows(sql: str) -> bool:
    head = sql.lstrip()[:4].upper()
    return head in ("SELE", "WITH", "VALU") or "RETURNING" in sql.upper()


class PgCursor:
    """The result of one statement: its rows (if it returns any) and how many it changed."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[asyncpg.Record], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    @property
    def lastrowid(self) -> int | None:
        """The id a ``RETURNING id`` gave back (the SQLite cursor's attribute)."""
        return int(self._rows[0][0]) if self._rows else None

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        return self._rows

    async def close(self) -> None:
        return None


async def _run(conn: asyncpg.Connection, sql: str, params: Sequence[Any]) -> PgCursor:
    query = placeholders(sql)
    if _returns_rows(sql):
        rows = await conn.fetch(query, *params)
        return PgCursor(rows, len(rows))
    status = await conn.execute(query, *params)
    last = status.rsplit(" ", 1)[-1]
    return PgCursor([], int(last) if last.isdigit() else 0)


class PgConnection:
    """The connection a transaction runs on, as the store classes use it."""

    __slots__ = ("raw",)

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    async def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> PgCursor:
        return await _run(self.raw, sql, parameters)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        rows = [tuple(p) for p in parameters]
        if rows:
            await self.raw.executemany(placeholders(sql), rows)


# The lock connection the running task holds (task, database, connection), if any.
_HELD: ContextVar[tuple[asyncio.Task[Any] | None, PostgresDatabase, asyncpg.Connection] | None] = (
    ContextVar("poolnode_lock_connection", default=None)
)


@asynccontextmanager
async def _locked(conn: asyncpg.Connection, name: str) -> AsyncIterator[None]:
    await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", name)
    try:
        yield
    finally:
        # Released on every exit; an unlock cut short is done by the pool's reset
        # (pg_advisory_unlock_all) when the connection goes back.
        await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", name)


class PostgresDatabase(Database):
    """A PostgreSQL database named by a ``postgresql://`` URL (its schema: the search_path)."""

    dialect = "postgresql"
    shared = True

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.location = safe_url(url)
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        # Connections holding advisory locks: apart from the statements' pool, so sections
        # holding locks cannot take every connection their own statements need.
        self._lock_pool: asyncpg.Pool | None = None
        # A connection held while the process lives: its session names the process's leases
        # (lease_owner), and it listens for other processes' notices.
        self.session: asyncpg.Connection | None = None
        self._forgetters: dict[str, list[Callable[[str], None]]] = {}
        # Nudges being sent, by topic, and the topics nudged again meanwhile.
        self._nudging: dict[str, asyncio.Task[None]] = {}
        self._nudge_again: set[str] = set()

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StorageError("database is not open")
        return self._pool

    async def open(self, *, migrate: bool = True) -> None:
        """Connect the pool (up to ``pool_size`` connections) and apply pending migrations."""
        try:
            self._pool = await asyncpg.create_pool(
                self.url, min_size=1, max_size=self.pool_size, command_timeout=60
            )
            self._lock_pool = await asyncpg.create_pool(
                self.url, min_size=0, max_size=self.pool_size, command_timeout=None
            )
            self.session = await asyncpg.connect(self.url)
            self.lease_owner = await self.session.fetchval(
                LIVE_SESSIONS + " WHERE pid = pg_backend_pid()"
            )
            schema = await self.session.fetchval("SELECT current_schema()")
            search_path = await self.session.fetchval("SHOW search_path")
        except (OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await self.close()
            detail = str(exc).replace(self.url, self.location)
            raise StorageError(f"cannot connect to {self.location}: {detail}") from None
        if schema is None:
            await self.close()
            raise StorageError(
                f"the database {self.location} has no schema named by its search_path "
                f"({search_path}): create it first (CREATE SCHEMA ...) or fix the URL"
            )
        if migrate:
            await self.migrate()

    async def close(self) -> None:
        """Send the nudges under way, then close every connection."""
        await asyncio.gather(*self._nudging.values(), return_exceptions=True)
        if self.session is not None:
            await self.session.close()
            self.session = None
        if self._lock_pool is not None:
            await self._lock_pool.close()
            self._lock_pool = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def schema_version(self) -> int:
        """The highest migration applied, 0 for an empty schema."""
        exists = await self.pool.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not exists:
            return 0
        return int(await self.pool.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))

    async def migrate(self, target: int | None = None) -> list[Migration]:
        """Apply pending migrations; one process at a time (an advisory lock on the session)."""
        # On the process's own session, not a pooled connection: the migrations need the
        # pool's connections (all of them, when database_pool_size is 1).
        if self.session is None:
            raise StorageError("database is not open")
        async with _locked(self.session, "poolnode:migrate"):
            return await super().migrate(target)

    async def _apply(self, migration: Migration) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                migration.version, migration.name,
            )

    @asynccontextmanager
    async def transaction(self, *, lock: str | None = None) -> AsyncIterator[Connection]:
        """A write transaction on one pooled connection (READ COMMITTED); see ``Database``."""
        async with self.pool.acquire() as conn, conn.transaction():
            if lock is not None:
                await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", lock)
            yield PgConnection(conn)

    @asynccontextmanager
    async def advisory_lock(self, name: str) -> AsyncIterator[None]:
        """Hold ``pg_advisory_lock(name)`` for the block (see ``Database.advisory_lock``).

        A lock taken inside another one by the same task (an effect's lock, then its pool's)
        goes on the connection that task already holds: each task holds at most one lock
        connection, so tasks holding locks can never all wait for a free one."""
        if self._lock_pool is None:
            raise StorageError("database is not open")
        task = asyncio.current_task()
        held = _HELD.get()
        if held is not None and held[0] is task and held[1] is self:
            async with _locked(held[2], name):
                yield
            return
        async with self._lock_pool.acquire() as conn:
            token = _HELD.set((task, self, conn))
            try:
                async with _locked(conn, name):
                    yield
            finally:
                _HELD.reset(token)

    async def notify(self, topic: str, key: str) -> None:
        """``NOTIFY poolnode`` with this process's name, the topic and the key (see ``Database``)."""
        payload = json.dumps([self.lease_owner, topic, key])
        if len(payload) < 8000:  # NOTIFY's limit; our keys are ids and URLs
            await self.pool.execute("SELECT pg_notify('poolnode', $1)", payload)

    def nudge(self, topic: str) -> None:
        """``notify(topic, "")`` in a task (see ``Database.nudge``): one notice of a topic in
        flight at a time, and one more after it if nudged meanwhile. A notice that cannot be
        sent is logged: the processes it was for find the rows at their next poll."""
        if topic in self._nudging:
            self._nudge_again.add(topic)
            return
        self._nudging[topic] = asyncio.create_task(self._send_nudges(topic))

    async def _send_nudges(self, topic: str) -> None:
        try:
            while True:
                self._nudge_again.discard(topic)
                try:
                    await self.notify(topic, "")
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, StorageError) as exc:
                    log.warning("could not notify the other processes of %s: %r", topic, exc)
                    return
                if topic not in self._nudge_again:
                    return
        finally:
            del self._nudging[topic]

    async def on_notice(self, topic: str, forget: Callable[[str], None]) -> None:
        """Call ``forget(key)`` for each notice of ``topic`` from another process."""
        first = not self._forgetters
        self._forgetters.setdefault(topic, []).append(forget)
        if first and self.session is not None:
            await self.session.add_listener("poolnode", self._notice)

    def _notice(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            owner, topic, key = json.loads(payload)
        except (ValueError, TypeError):
            return
        if owner == self.lease_owner:
            return
        for forget in self._forgetters.get(topic, ()):
            forget(str(key))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one write statement (atomic by itself)."""
        await self.pool.execute(placeholders(sql), *params)

    async def write_returning(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        """Run one write statement ending in ``RETURNING`` (atomic by itself); its rows."""
        rows: list[asyncpg.Record] = await self.pool.fetch(placeholders(sql), *params)
        return rows

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> asyncpg.Record | None:
        """The first row of a query, or None."""
        return await self.pool.fetchrow(placeholders(sql), *params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        """All rows of a query."""
        rows: list[asyncpg.Record] = await self.pool.fetch(placeholders(sql), *params)
        return rows

    async def tables(self) -> dict[str, list[str]]:
        """Every table of the current schema (but schema_migrations) with its columns."""
        rows = await self.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name != 'schema_migrations'"
            " ORDER BY table_name, ordinal_position"
        )
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row["table_name"], []).append(row["column_name"])
        return found
