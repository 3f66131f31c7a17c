"""Copying a node's SQLite database into PostgreSQL, table by table, ids kept (``migrate-db``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

import asyncpg

from node.storage.database import StorageError, migrations
from node.storage.postgres import PostgresDatabase
from node.storage.sqlite import SqliteDatabase

__all__ = [
    "BATCH_ROWS",
    "check_target_empty",
    "copy_database",
    "row_counts",
    "table_order",
]

BATCH_ROWS = 2000


async def table_order(source: SqliteDatabase) -> list[str]:
    """The source's tables, each after the tables its foreign keys point to."""
    tables = list(await source.tables())
    parents: dict[str, set[str]] = {}
    for table in tables:
        rows = await source.fetchall('SELECT "table" FROM pragma_foreign_key_list(?)', (table,))
        parents[table] = {r[0] for r in rows} - {table}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered)]
        if not ready:
            raise StorageError(f"foreign keys form a cycle among {sorted(set(tables) - set(ordered))}")
        ordered.extend(sorted(ready))
    return ordered


async def row_counts(db: SqliteDatabase | PostgresDatabase, tables: list[str]) -> dict[str, int]:
    """How many rows each table holds."""
    counts = {}
    for table in tables:
        row = await db.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
        counts[table] = int(row["n"]) if row else 0
    return counts


async def check_target_empty(target: PostgresDatabase, tables: Iterable[str]) -> None:
    """Refuse a target that holds data: a row in one of poolnode's ``tables``, a table that is
    not poolnode's (another application's), or migrations that are not poolnode's. An empty
    schema passes, and so does one where poolnode's migrations ran and left no rows."""
    ours = set(tables)
    present = await target.tables()
    foreign = sorted(set(present) - ours)
    if foreign:
        raise StorageError(
            f"{target.location} already holds data: tables that are not poolnode's "
            f"({', '.join(foreign[:10])}); copy into an empty database or schema"
        )
    full = [t for t, n in (await row_counts(target, sorted(ours & set(present)))).items() if n]
    if full:
        raise StorageError(
            f"{target.location} already holds data ({', '.join(full[:10])}); copy into an "
            "empty database"
        )
    columns = [r["column_name"] for r in await target.fetchall(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = 'schema_migrations' ORDER BY ordinal_position"
    )]
    if not columns:
        return
    known = {(m.version, m.name) for m in migrations("postgresql")}
    applied = (
        {(int(r["version"]), r["name"]) for r in await target.fetchall(
            "SELECT version, name FROM schema_migrations")}
        if columns == ["version", "name", "applied_at"] else None
    )
    if applied is None or not applied <= known:
        raise StorageError(
            f"{target.location} already holds data: a schema_migrations table that is not "
            "poolnode's; copy into an empty database or schema"
        )


def _coerce(kind: str, remove_nul: bool) -> Callable[[Any], Any]:
    # SQLite's affinities are loose (an INTEGER column may hold 1.0); COPY's binary format
    # is exact, so each value is given the type of its PostgreSQL column.
    if kind == "bigint":
        return lambda v: int(v) if isinstance(v, float) and v.is_integer() else v
    if kind == "double precision":
        return lambda v: float(v) if isinstance(v, int) else v
    if kind == "bytea":
        return lambda v: v.encode() if isinstance(v, str) else v
    if remove_nul:  # text PostgreSQL cannot store (node/storage/nul_rows.py)
        return lambda v: v.replace("\x00", "") if isinstance(v, str) else v
    return lambda v: v


async def copy_database(
    source: SqliteDatabase, target: PostgresDatabase, progress: Callable[[str], None], *,
    remove_nul: bool = False,
) -> dict[str, int]:
    """Copy every table (ids kept, identity sequences moved past them) in one transaction.

    Both sides must be at the latest schema, and the target must hold no rows: a copy never
    merges into a node's data. With ``remove_nul`` every U+0000 is left out of the text copied
    (which PostgreSQL refuses). Returns the rows copied per table.
    """
    latest = migrations("sqlite")[-1].version
    for db in (source, target):
        if await db.schema_version() != latest:
            raise StorageError(f"{db.location} is not at schema version {latest}")
    tables = await table_order(source)
    if any((await row_counts(target, tables)).values()):
        raise StorageError(f"{target.location} already holds data; copy into an empty database")
    target_columns = await target.tables()
    kinds = {
        (r["table_name"], r["column_name"]): r["data_type"]
        for r in await target.fetchall(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        )
    }
    copied: dict[str, int] = {}
    table = ""
    try:
        async with target.transaction() as conn:
            raw = conn.raw  # type: ignore[attr-defined]
            schema = await raw.fetchval("SELECT current_schema()")
            for table in tables:
                fix = [_coerce(kinds[(table, c)], remove_nul) for c in target_columns[table]]
                copied[table] = await _copy_table(source, raw, schema, table,
                                                  target_columns[table], fix)
                progress(f"copied {table}: {copied[table]} rows")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, sqlite3.Error, OSError, ValueError,
            TypeError) as exc:
        # One transaction: whatever was copied before the failure is rolled back with it.
        raise StorageError(
            f"copying table {table} failed, so nothing was copied (one transaction; the target "
            f"holds poolnode's tables and no rows, and may take a copy again): "
            f"{type(exc).__name__}: {exc}"
        ) from None
    return copied


async def _copy_table(source: SqliteDatabase, raw: asyncpg.Connection, schema: str, table: str,
                      columns: list[str], fix: list[Callable[[Any], Any]]) -> int:
    """Copy one table's rows (binary COPY, in batches) and move its id sequence past them."""
    names = ", ".join(f'"{c}"' for c in columns)
    total = 0
    async for batch in source.batches(f"SELECT {names} FROM {table}", BATCH_ROWS):
        records = [tuple(f(v) for f, v in zip(fix, row, strict=True)) for row in batch]
        await raw.copy_records_to_table(table, records=records, columns=columns, schema_name=schema)
        total += len(records)
    if "id" in columns:
        await raw.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )
    return total
