"""Copying a node's SQLite database into PostgreSQL, table by table, ids kept (``migrate-db``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from node.storage.database import StorageError, migrations
from node.storage.postgres import PostgresDatabase
from node.storage.sqlite import SqliteDatabase

__all__ = ["BATCH_ROWS", "copy_database", "row_counts", "table_order"]

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


def _coerce(kind: str) -> Callable[[Any], Any]:
    # SQLite's affinities are loose (an INTEGER column may hold 1.0); COPY's binary format
    # is exact, so each value is given the type of its PostgreSQL column.
    if kind == "bigint":
        return lambda v: int(v) if isinstance(v, float) and v.is_integer() else v
    if kind == "double precision":
        return lambda v: float(v) if isinstance(v, int) else v
    if kind == "bytea":
        return lambda v: v.encode() if isinstance(v, str) else v
    return lambda v: v


async def copy_database(
    source: SqliteDatabase, target: PostgresDatabase, progress: Callable[[str], None]
) -> dict[str, int]:
    """Copy every table (ids kept, identity sequences moved past them) in one transaction.

    Both sides must be at the latest schema, and the target must hold no rows: a copy never
    merges into a node's data. Returns the rows copied per table.
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
    async with target.transaction() as conn:
        raw = conn.raw  # type: ignore[attr-defined]
        schema = await raw.fetchval("SELECT current_schema()")
        for table in tables:
            columns = target_columns[table]
            fix = [_coerce(kinds[(table, c)]) for c in columns]
            names = ", ".join(f'"{c}"' for c in columns)
            total = 0
            async for batch in source.batches(f"SELECT {names} FROM {table}", BATCH_ROWS):
                records = [tuple(f(v) for f, v in zip(fix, row, strict=True)) for row in batch]
                await raw.copy_records_to_table(
                    table, records=records, columns=columns, schema_name=schema
                )
                total += len(records)
            if "id" in columns:
                await raw.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
            copied[table] = total
            progress(f"copied {table}: {total} rows")
    return copied
