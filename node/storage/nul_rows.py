"""Rows of a SQLite database holding U+0000 (NUL), which PostgreSQL cannot store in text.

SQLite keeps a NUL inside text; PostgreSQL's text type refuses it. A node refuses such text at
its edges (node/request_text.py, federation/bounded_json.py), but a database written by an
older node may hold it, in plain text columns (a display name, a token's label): never in a
stored JSON document, where a NUL is the escape ``\\u0000``. ``migrate-db`` finds these rows
before it copies anything and names them; with ``--remove-nul`` it copies them without the
NUL (node/storage/transfer.py) and then checks each one: the copy must equal the original
with every U+0000 left out, and nothing else changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.storage.postgres import PostgresDatabase
from node.storage.sqlite import SqliteDatabase

__all__ = ["NulRow", "check_removed", "rows_with_nul"]


@dataclass(frozen=True, slots=True)
class NulRow:
    """One row holding a NUL: its table, its primary key and the text columns holding one."""

    table: str
    key: tuple[tuple[str, Any], ...]
    columns: tuple[str, ...]

    def __str__(self) -> str:
        where = ", ".join(f"{name} {value!r}" for name, value in self.key)
        return f"{self.table} {where} ({', '.join(self.columns)})"


def _holds_nul(column: str) -> str:
    # SQLite's text functions stop at a NUL; the bytes do not. Bytes columns hold 0x00 by right:
    # only text values are looked at.
    return f"(typeof(\"{column}\") = 'text' AND instr(CAST(\"{column}\" AS BLOB), x'00') > 0)"


async def rows_with_nul(source: SqliteDatabase) -> list[NulRow]:
    """Every row of the source with a NUL in a text value, by table and primary key."""
    found: list[NulRow] = []
    for table, columns in (await source.tables()).items():
        keys = [r["name"] for r in await source.fetchall(
            "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table,))]
        holds = [_holds_nul(c) for c in columns]
        key_list = ", ".join(f'"{k}"' for k in keys)
        rows = await source.fetchall(
            f"SELECT {key_list}, {', '.join(holds)} FROM {table} WHERE {' OR '.join(holds)}"
            f" ORDER BY {key_list}"
        )
        for row in rows:
            values = list(row)
            named = tuple(c for c, held in zip(columns, values[len(keys):], strict=True) if held)
            found.append(NulRow(table, tuple(zip(keys, values[: len(keys)], strict=True)), named))
    return found


async def check_removed(
    source: SqliteDatabase, target: PostgresDatabase, rows: list[NulRow]
) -> list[str]:
    """Each row copied with its NULs removed, compared with its original: a difference each."""
    problems = []
    tables = await source.tables()
    for found in rows:
        names = ", ".join(f'"{c}"' for c in tables[found.table])
        where = " AND ".join(f'"{k}" = ?' for k, _ in found.key)
        key = [value for _, value in found.key]
        original = await source.fetchone(f"SELECT {names} FROM {found.table} WHERE {where}", key)
        copied = await target.fetchone(
            f"SELECT {names} FROM {found.table} WHERE {where}", [_without_nul(v) for v in key]
        )
        if original is None or copied is None or not all(
            _same(_without_nul(a), b) for a, b in zip(original, copied, strict=True)
        ):
            problems.append(f"{found}: the copy is not the original without U+0000")
    return problems


def _without_nul(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


def _same(original: Any, copied: Any) -> bool:
    """Equal as the copy gives a SQLite value its PostgreSQL type (node/storage/transfer.py)."""
    if isinstance(copied, bytes) and isinstance(original, str):
        return original.encode() == copied
    if isinstance(original, float) and isinstance(copied, int):
        return original == copied
    return bool(original == copied)
