"""Ledger entry rows of local pools."""

from __future__ import annotations

from typing import Any

from node.storage.database import Connection, Database
from node.storage.governance_rows import StoredEntry, dumps, entry_from_row

__all__ = ["LedgerQueries", "write_entry"]


async def write_entry(
    conn: Connection, pool_id: int, *, sequence: int, uri: str, source_uri: str | None,
    kind: str, entry: dict[str, Any], document: dict[str, Any], created_at: str,
) -> None:
    """Append a booked ledger entry inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO ledger_entries (pool_id, sequence, uri, source_uri, kind, entry_json,"
        " document, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (pool_id, sequence, uri, source_uri, kind, dumps(entry), dumps(document),
         entry["hash"], created_at),
    )


class LedgerQueries:
    """The ledger part of ``GovernanceStore``."""

    db: Database

    async def ledger(self, pool_id: int) -> list[StoredEntry]:
        """A pool's whole ledger, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM ledger_entries WHERE pool_id = ? ORDER BY sequence", (pool_id,)
        )
        return [entry_from_row(r) for r in rows]

    async def ledger_page(
        self, pool_id: int, *, limit: int, before: int | None = None
    ) -> list[StoredEntry]:
        """Ledger entries newest first, keyset-paged on the sequence number."""
        sql, params = "SELECT * FROM ledger_entries WHERE pool_id = ?", [pool_id]
        if before is not None:
            sql += " AND sequence < ?"
            params.append(before)
        rows = await self.db.fetchall(sql + " ORDER BY sequence DESC LIMIT ?", (*params, limit))
        return [entry_from_row(r) for r in rows]

    async def entry_by_source(self, source_uri: str) -> StoredEntry | None:
        """The entry booked for a request (or a proposal's commitment), if any."""
        row = await self.db.fetchone(
            "SELECT * FROM ledger_entries WHERE source_uri = ?", (source_uri,)
        )
        return entry_from_row(row) if row else None

    async def entry(self, uri: str) -> StoredEntry | None:
        """One ledger entry by its id."""
        row = await self.db.fetchone("SELECT * FROM ledger_entries WHERE uri = ?", (uri,))
        return entry_from_row(row) if row else None

    async def add_entry(
        self, pool_id: int, *, sequence: int, uri: str, source_uri: str | None, kind: str,
        entry: dict[str, Any], document: dict[str, Any], created_at: str,
    ) -> None:
        """Append a booked entry (the caller holds the pool's ledger lock)."""
        async with self.db.transaction() as conn:
            await write_entry(conn, pool_id, sequence=sequence, uri=uri, source_uri=source_uri,
                              kind=kind, entry=entry, document=document, created_at=created_at)
