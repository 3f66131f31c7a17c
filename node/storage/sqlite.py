"""The SQLite backend: one file in the data directory, WAL mode, foreign keys on."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from node.storage.database import Connection, Database, Migration, StorageError

__all__ = ["SqliteDatabase"]


def _private_file(path: Path) -> None:
    # The database holds private keys: owner read/write only.
    if path.exists():
        os.chmod(path, 0o600)


class SqliteDatabase(Database):
    """One SQLite file; writers are serialised in the process (one connection).

    Beside it, a read-only ``sqlite3`` connection answers :meth:`lookup` on the caller's
    thread: a small indexed read takes microseconds, while a hop to aiosqlite's thread and back
    costs 0.1-0.5 ms of latency and tens of microseconds of CPU. In WAL mode a reader never
    waits for the writer, and each lookup is its own read transaction, so it sees every
    transaction committed before it began (any write the caller awaited).
    """

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._reader: sqlite3.Connection | None = None
        self._reader_thread = 0

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("database is not open")
        return self._conn

    async def open(self, *, migrate: bool = True) -> None:
        """Open the file (created 0600 if missing), set pragmas and apply pending migrations."""
        old_umask = os.umask(0o077)
        try:
            try:
                self._conn = await aiosqlite.connect(self.path, isolation_level=None)
                self._conn.row_factory = aiosqlite.Row
                await self._conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.Error as exc:
                await self.close()
                raise StorageError(f"cannot open the SQLite database {self.path}: {exc}") from None
            await self._conn.execute("PRAGMA foreign_keys=ON")
            # WAL with synchronous=NORMAL is durable across process crashes (kill -9);
            # only a power loss can drop the last commits.
            await self._conn.execute("PRAGMA synchronous=NORMAL")
            await self._conn.execute("PRAGMA busy_timeout=5000")
            if migrate:
                await self.migrate()
        finally:
            os.umask(old_umask)
        for suffix in ("", "-wal", "-shm"):
            _private_file(Path(str(self.path) + suffix))
        self._open_reader()

    def _open_reader(self) -> None:
        # Opened after the writer, so the WAL and its index exist; read-only by its URI.
        try:
            # Reads happen on the opening thread only (_read_now checks); closing may not.
            reader = sqlite3.connect(
                self.path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error:
            return  # lookups go through the writer's connection, as any other read
        reader.row_factory = sqlite3.Row
        # Never wait on the loop: a busy reader (WAL recovery) falls back to the async path.
        reader.execute("PRAGMA busy_timeout=0")
        self._reader, self._reader_thread = reader, threading.get_ident()

    async def close(self) -> None:
        """Close the connections (the writer's checkpointing the WAL)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def schema_version(self) -> int:
        """The highest migration applied, 0 for an empty database."""
        row = await self.fetchone(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        if row is None:
            return 0
        row = await self.fetchone("SELECT MAX(version) AS v FROM schema_migrations")
        return int(row["v"] or 0) if row else 0

    async def _apply(self, migration: Migration) -> None:
        async with self.transaction() as conn:
            for statement in _statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                (migration.version, migration.name),
            )

    @asynccontextmanager
    async def transaction(self, *, lock: str | None = None) -> AsyncIterator[Connection]:
        """A write transaction; writers are serialised so BEGIN IMMEDIATE never deadlocks."""
        async with self._write_lock:
            await self._begin()
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                try:
                    await self.conn.execute("COMMIT")
                except sqlite3.Error:
                    with contextlib.suppress(sqlite3.Error):
                        await self.conn.execute("ROLLBACK")
                    raise

    async def _begin(self) -> None:
        # BEGIN runs on the database thread whatever happens to the task awaiting it: a task
        # cancelled meanwhile (a worker stopped at shutdown) waits for it and rolls back, or the
        # connection would stay inside a transaction no one owns once the lock is released.
        begin = asyncio.ensure_future(self.conn.execute("BEGIN IMMEDIATE"))
        try:
            await asyncio.shield(begin)
        except asyncio.CancelledError:
            with contextlib.suppress(sqlite3.Error):
                await begin
                await self.conn.execute("ROLLBACK")
            raise

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one write statement as its own transaction.

        The connection is in autocommit mode, so a single statement is atomic by itself:
        taking the writers' lock (no other transaction is open on the connection) and
        running it costs one hop to the database thread instead of three (BEGIN, the
        statement, COMMIT).
        """
        async with self._write_lock:
            await self.conn.execute(sql, params)

    async def write_returning(self, sql: str, params: Sequence[Any] = ()) -> Sequence[aiosqlite.Row]:
        """Run one write statement ending in ``RETURNING`` (atomic by itself); its rows, in one
        hop to the database thread."""
        async with self._write_lock:
            return list(await self.conn.execute_fetchall(sql, params))

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one ``INSERT ... RETURNING id`` (atomic by itself); the new row's id."""
        async with self._write_lock:
            async with self.conn.execute(sql, params) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query, or None."""
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[aiosqlite.Row]:
        """All rows of a query."""
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    def _read_now(self, sql: str, params: Sequence[Any]) -> list[sqlite3.Row] | None:
        reader = self._reader
        if reader is None or threading.get_ident() != self._reader_thread:
            return None
        try:
            cursor = reader.execute(sql, params)
            try:
                # Read to the end: the statement (and its read transaction) ends here, so the
                # reader never holds a snapshot that would keep the WAL from being checkpointed.
                return cursor.fetchall()
            finally:
                cursor.close()
        except sqlite3.OperationalError:
            return None  # busy or locked for a moment: the writer's connection waits for it

    async def lookup(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """The first row of a small indexed read, on this thread (see the class docstring)."""
        rows = self._read_now(sql, params)
        if rows is None:
            return await self.fetchone(sql, params)
        return rows[0] if rows else None

    async def lookup_all(self, sql: str, params: Sequence[Any] = ()) -> Sequence[sqlite3.Row]:
        """The rows of a small indexed read (a few, bounded by the caller), on this thread."""
        rows = self._read_now(sql, params)
        return await self.fetchall(sql, params) if rows is None else rows

    async def tables(self) -> dict[str, list[str]]:
        """Every table (but schema_migrations) with its columns, in order."""
        names = [r["name"] for r in await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name != 'schema_migrations' ORDER BY name"
        )]
        found: dict[str, list[str]] = {}
        for name in names:
            found[name] = [r["name"] for r in await self.fetchall(
                "SELECT name FROM pragma_table_info(?) ORDER BY cid", (name,)
            )]
        return found

    async def batches(self, sql: str, size: int) -> AsyncIterator[list[aiosqlite.Row]]:
        """The rows of a query, ``size`` at a time (a large table is never read whole)."""
        async with self.conn.execute(sql) as cursor:
            while batch := list(await cursor.fetchmany(size)):
                yield batch

    async def backup_to(self, target: Path) -> None:
        """A consistent online copy of the database (SQLite backup API)."""
        old_umask = os.umask(0o077)
        try:
            async with aiosqlite.connect(target) as dest:
                await self.conn.backup(dest)
        finally:
            os.umask(old_umask)
        _private_file(target)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (our migrations hold no ';' in literals)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
