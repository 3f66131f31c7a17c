"""The database connection, its pragmas, transactions and forward-only migrations."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from node.errors import NodeError

__all__ = ["DB_FILENAME", "Database", "Migration", "SchemaTooNew", "StorageError", "migrations"]

DB_FILENAME = "poolnode.sqlite3"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class StorageError(NodeError):
    """The database cannot be used as it is."""

    status = 500


class SchemaTooNew(StorageError):
    """The database was written by a newer poolnode than this one."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered, forward-only schema step."""

    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The migrations bundled in node/storage/migrations, in version order."""
    found: list[Migration] = []
    for entry in resources.files("node.storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise StorageError(f"migrations are not numbered 1..n without gaps: {versions}")
    return found


def _private_file(path: Path) -> None:
    # The database holds private keys: owner read/write only.
    if path.exists():
        os.chmod(path, 0o600)


class Database:
    """One SQLite file in the data directory, WAL mode, foreign keys on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Database:
        """The node's database inside its data directory."""
        return cls(data_dir / DB_FILENAME)

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("database is not open")
        return self._conn

    async def open(self, *, migrate: bool = True) -> None:
        """Open the file (created 0600 if missing), set pragmas and apply pending migrations."""
        old_umask = os.umask(0o077)
        try:
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
            self._conn.row_factory = aiosqlite.Row
            await self._conn.execute("PRAGMA journal_mode=WAL")
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

    async def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
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

    async def migrate(self, target: int | None = None) -> list[Migration]:
        """Apply pending migrations in order (up to ``target``); refuse a newer database."""
        known = migrations()
        latest = known[-1].version if known else 0
        current = await self.schema_version()
        if current > latest:
            raise SchemaTooNew(
                f"the database {self.path} has schema version {current}, newer than the "
                f"latest this poolnode knows ({latest}); upgrade poolnode to use it"
            )
        applied = []
        for migration in known:
            if migration.version <= current or (target is not None and migration.version > target):
                continue
            async with self.transaction():
                for statement in _statements(migration.sql):
                    await self.conn.execute(statement)
                await self.conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    (migration.version, migration.name),
                )
            applied.append(migration)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction; writers are serialised so BEGIN IMMEDIATE never deadlocks."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement as its own transaction; returns lastrowid.

        The connection is in autocommit mode, so a single statement is atomic by itself:
        taking the writers' lock (no other transaction is open on the connection) and
        running it costs one hop to the database thread instead of three (BEGIN, the
        statement, COMMIT).
        """
        async with self._write_lock:
            cursor = await self.conn.execute(sql, params)
            return cursor.lastrowid or 0

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query, or None."""
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> Iterable[aiosqlite.Row]:
        """All rows of a query."""
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchall()

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
