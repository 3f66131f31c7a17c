"""Verified documents of other nodes' pools, and our recounts of their final tallies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from node.storage.database import Database, Row

__all__ = ["RemoteDocument", "RemoteRecount", "RemoteResultStore"]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class RemoteDocument:
    """A remote pool's signed document whose proof verified (``verified_by``: the key id)."""

    uri: str
    type: str
    pool_uri: str
    proposal_uri: str | None
    document: dict[str, Any]
    verified_by: str
    verified_at: str
    received_at: str


@dataclass(frozen=True, slots=True)
class RemoteRecount:
    """Our recount of a remote proposal's final tally and how it compares."""

    proposal_uri: str
    tally_uri: str
    state: str
    recount: dict[str, Any] | None
    differences: dict[str, Any]
    checked_at: str


def _document(row: Row) -> RemoteDocument:
    return RemoteDocument(row["uri"], row["type"], row["pool_uri"], row["proposal_uri"],
                          json.loads(row["document"]), row["verified_by"], row["verified_at"],
                          row["received_at"])


class RemoteResultStore:
    """Queries behind node/pool_engine/remote_results.py."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(
        self, *, uri: str, type: str, pool_uri: str, proposal_uri: str | None,
        document: dict[str, Any], verified_by: str, at: str,
    ) -> None:
        """Keep a verified document; a newer version of the same id (a running tally) replaces it."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE remote_documents SET document = ?, verified_by = ?, verified_at = ?"
                " WHERE uri = ? AND type = ? AND pool_uri = ?",
                (_dumps(document), verified_by, at, uri, type, pool_uri),
            )
            if cursor.rowcount == 0:
                await conn.execute(
                    "INSERT INTO remote_documents (uri, type, pool_uri, proposal_uri, document,"
                    " verified_by, verified_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (uri) DO NOTHING",
                    (uri, type, pool_uri, proposal_uri, _dumps(document), verified_by, at, at),
                )

    async def get(self, uri: str) -> RemoteDocument | None:
        """One kept document by its id."""
        row = await self.db.fetchone("SELECT * FROM remote_documents WHERE uri = ?", (uri,))
        return _document(row) if row else None

    async def of_proposal(self, proposal_uri: str, type: str | None = None) -> list[RemoteDocument]:
        """Every kept document of a remote proposal (of one type), in arrival order."""
        sql, params = "SELECT * FROM remote_documents WHERE proposal_uri = ?", [proposal_uri]
        if type is not None:
            sql += " AND type = ?"
            params.append(type)
        return [_document(r) for r in await self.db.fetchall(sql + " ORDER BY id", params)]

    async def of_pool(self, pool_uri: str, type: str) -> list[RemoteDocument]:
        """A remote pool's kept documents of one type, in arrival order."""
        rows = await self.db.fetchall(
            "SELECT * FROM remote_documents WHERE pool_uri = ? AND type = ? ORDER BY id",
            (pool_uri, type),
        )
        return [_document(r) for r in rows]

    async def set_recount(
        self, proposal_uri: str, tally_uri: str, state: str, recount: dict[str, Any] | None,
        differences: dict[str, Any], at: str,
    ) -> None:
        """Record (or replace) our recount of a proposal's final tally."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM remote_recounts WHERE proposal_uri = ?", (proposal_uri,))
            await conn.execute(
                "INSERT INTO remote_recounts (proposal_uri, tally_uri, state, recount_json,"
                " differences_json, checked_at) VALUES (?, ?, ?, ?, ?, ?)",
                (proposal_uri, tally_uri, state, None if recount is None else _dumps(recount),
                 _dumps(differences), at),
            )

    async def recount(self, proposal_uri: str) -> RemoteRecount | None:
        """Our last recount of a remote proposal, if any."""
        row = await self.db.fetchone(
            "SELECT * FROM remote_recounts WHERE proposal_uri = ?", (proposal_uri,)
        )
        if row is None:
            return None
        return RemoteRecount(
            row["proposal_uri"], row["tally_uri"], row["state"],
            json.loads(row["recount_json"]) if row["recount_json"] else None,
            json.loads(row["differences_json"]), row["checked_at"],
        )
