"""The few SQL expressions that differ between SQLite and PostgreSQL, written once per dialect.

JSON columns are TEXT on both backends (the exact bytes that were signed or received are
kept); PostgreSQL reads a field by casting to ``jsonb``, SQLite with ``json_extract``.
"""

from __future__ import annotations

from node.storage.database import Dialect

__all__ = ["LIVE_SESSIONS", "json_int", "json_json", "json_text"]

LIVE_SESSIONS = (
    "SELECT pid::text || ':' || extract(epoch FROM backend_start)::text FROM pg_stat_activity"
)
"""PostgreSQL: the lease owner name of every live session (``Database.lease_owner``). A queue
row leased by an owner not among them was leased by a process that died: it is free."""


def json_text(dialect: Dialect, column: str, key: str) -> str:
    """A top-level string field of a JSON column, as SQL text."""
    if dialect == "postgresql":
        return f"({column}::jsonb ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def json_int(dialect: Dialect, column: str, key: str) -> str:
    """A top-level integer field of a JSON column, as an SQL integer."""
    if dialect == "postgresql":
        return f"(({column}::jsonb ->> '{key}')::bigint)"
    return f"json_extract({column}, '$.{key}')"


def json_json(dialect: Dialect, column: str, key: str) -> str:
    """A top-level array or object field of a JSON column, as JSON text."""
    if dialect == "postgresql":
        return f"(({column}::jsonb -> '{key}')::text)"
    return f"json_extract({column}, '$.{key}')"
