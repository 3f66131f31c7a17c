"""The storage interface: one `Database` whichever backend runs, and its forward-only migrations.

Two backends implement it: SQLite (`node/storage/sqlite.py`, the default: one file in the data
directory) and PostgreSQL (`node/storage/postgres.py`, for a provider). A store class
(`ActorStore`, `GovernanceStore`, ...) talks only to this interface:

- ``fetchone`` / ``fetchall`` read; ``lookup`` / ``lookup_all`` read a few rows by an index
  (on SQLite without leaving the caller's thread); ``execute`` runs one write statement
  atomically;
- ``transaction()`` yields a `Connection` whose ``execute`` returns a `Cursor` (``rowcount``,
  ``lastrowid``, ``fetchone``, ``fetchall``); a write that needs the new row's id says
  ``RETURNING id`` and reads it, which both dialects understand;
- SQL is written with ``?`` placeholders; the PostgreSQL backend turns them into ``$n``.
  Where the dialects differ (JSON functions, ``max``/``GREATEST``), a store writes the query
  once per dialect and picks it by ``db.dialect``;
- ``INTEGRITY_ERRORS`` is what a broken unique or foreign-key constraint raises on either.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

import asyncpg

from node.errors import NodeError

__all__ = [
    "DB_FILENAME",
    "DIALECTS",
    "INTEGRITY_ERRORS",
    "Connection",
    "Cursor",
    "Database",
    "Dialect",
    "Migration",
    "Row",
    "SchemaTooNew",
    "StorageError",
    "is_postgres_url",
    "migrations",
]

DB_FILENAME = "poolnode.sqlite3"
# A row read back: sqlite3.Row or asyncpg.Record, both indexable by name and position.
Row: TypeAlias = Any
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

Dialect = Literal["sqlite", "postgresql"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgresql")
# The package holding each dialect's numbered migrations (the same numbers in both).
_MIGRATION_PACKAGES: dict[Dialect, str] = {
    "sqlite": "node.storage.migrations",
    "postgresql": "node.storage.migrations_pg",
}

# A unique, foreign-key or check constraint refused a write (either backend).
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError,
)


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


def migrations(dialect: Dialect = "sqlite") -> list[Migration]:
    """The bundled migrations of one dialect, in version order."""
    found: list[Migration] = []
    for entry in resources.files(_MIGRATION_PACKAGES[dialect]).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise StorageError(f"{dialect} migrations are not numbered 1..n without gaps: {versions}")
    return found


def is_postgres_url(url: str) -> bool:
    """Whether a ``database_url`` names a PostgreSQL server."""
    return url.startswith(("postgresql://", "postgres://"))


class Cursor(Protocol):
    """What a statement run inside a transaction gives back."""

    @property
    def rowcount(self) -> int: ...

    @property
    def lastrowid(self) -> int | None: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...

    async def close(self) -> None: ...


class Connection(Protocol):
    """The connection a transaction runs on."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Awaitable[Cursor]: ...

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


class Database:
    """The node's database: the interface every store class uses (see the module docstring).

    Rows read back support ``row["column"]`` and ``row[index]`` on both backends.
    """

    dialect: Dialect
    # Where the data lives, for messages (a file path, or the URL without its password).
    location: str
    # Whether other processes may write the same data while this one runs (PostgreSQL): what a
    # process keeps in memory must then be checked against the database, and what it leases
    # at start-up may belong to a live neighbour.
    shared: bool = False
    # Who holds the leases this process takes on queue rows (PostgreSQL: its own session's
    # "pid:backend_start", kept open while the process lives); None on SQLite.
    lease_owner: str | None = None

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Database:
        """The default: the SQLite file inside a data directory."""
        from node.storage.sqlite import SqliteDatabase

        return SqliteDatabase(data_dir / DB_FILENAME)

    @classmethod
    def from_url(cls, url: str, data_dir: Path, *, pool_size: int = 10) -> Database:
        """The database a ``database_url`` names: '' (the data directory's SQLite file), a
        SQLite file path (relative to the data directory), or ``postgresql://...``."""
        if is_postgres_url(url):
            from node.storage.postgres import PostgresDatabase

            return PostgresDatabase(url, pool_size=pool_size)
        if not url:
            return cls.in_data_dir(data_dir)
        from node.storage.sqlite import SqliteDatabase

        return SqliteDatabase(data_dir / Path(url).expanduser())

    @classmethod
    def for_config(cls, config: Any) -> Database:
        """The database of a node's configuration (its ``database_url``)."""
        return cls.from_url(
            config.database_url, config.data_dir, pool_size=config.database_pool_size
        )

    async def open(self, *, migrate: bool = True) -> None:
        """Connect and (unless told not to) apply pending migrations."""
        raise NotImplementedError

    async def close(self) -> None:
        """Close every connection."""
        raise NotImplementedError

    async def schema_version(self) -> int:
        """The highest migration applied, 0 for an empty database."""
        raise NotImplementedError

    async def migrate(self, target: int | None = None) -> list[Migration]:
        """Apply pending migrations in order (up to ``target``); refuse a newer database."""
        known = migrations(self.dialect)
        latest = known[-1].version if known else 0
        current = await self.schema_version()
        if current > latest:
            raise SchemaTooNew(
                f"the database {self.location} has schema version {current}, newer than the "
                f"latest this poolnode knows ({latest}); upgrade poolnode to use it"
            )
        applied = []
        for migration in known:
            if migration.version <= current or (target is not None and migration.version > target):
                continue
            await self._apply(migration)
            applied.append(migration)
        return applied

    async def _apply(self, migration: Migration) -> None:
        raise NotImplementedError

    def transaction(self, *, lock: str | None = None) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        ``lock`` names what the transaction serialises on (e.g. ``"pool:7"``): on PostgreSQL
        it takes ``pg_advisory_xact_lock`` on that name inside the transaction, so processes
        sharing the database wait for each other; on SQLite every write transaction is
        serialised already.
        """
        raise NotImplementedError

    def advisory_lock(self, name: str) -> AbstractAsyncContextManager[None]:
        """Hold the database-wide lock ``name`` (e.g. ``"pool:7"``) for the block.

        On PostgreSQL a session-level ``pg_advisory_lock`` on a connection kept aside for locks,
        so every process on the database waits for the holder; the lock is released when the
        block ends or when the holding process dies (its connection closes). The block's own
        statements run on other connections. On SQLite (one process) it holds nothing: the
        caller's in-process lock is the whole story.
        """
        return nullcontext()

    async def notify(self, topic: str, key: str) -> None:
        """Tell the other processes on the database that what memory keeps under ``topic`` /
        ``key`` changed (PostgreSQL ``NOTIFY``); nothing to tell on SQLite (one process)."""
        return None

    def nudge(self, topic: str) -> None:
        """``notify(topic, "")`` soon, from code that cannot wait for it (a commit callback):
        e.g. tell the processes draining a queue that it has new rows. Nothing on SQLite."""
        return None

    async def on_notice(self, topic: str, forget: Callable[[str], None]) -> None:
        """Call ``forget(key)`` for each ``notify(topic, key)`` of another process."""
        return None

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one write statement as its own transaction."""
        raise NotImplementedError

    async def write_returning(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any]:
        """Run one write statement ending in ``RETURNING`` as its own transaction; its rows."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return list(await cursor.fetchall())

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one ``INSERT ... RETURNING id`` as its own transaction; the new row's id."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            row = await cursor.fetchone()
        return int(row[0])

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row of a query, or None."""
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any]:
        """All rows of a query."""
        raise NotImplementedError

    async def lookup(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """``fetchone`` for a small read an index answers at once (a row by its key).

        SQLite answers it on the caller's thread from a read-only connection, without the hop
        to the writer's thread; PostgreSQL as any other query. It sees what was committed
        before it began, not the rows of a transaction still open.
        """
        return await self.fetchone(sql, params)

    async def lookup_all(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any]:
        """``fetchall`` for a small indexed read whose size the caller bounds (as ``lookup``)."""
        return await self.fetchall(sql, params)

    async def tables(self) -> dict[str, list[str]]:
        """Every table of the schema (but the migrations' own) with its columns, in order."""
        raise NotImplementedError
