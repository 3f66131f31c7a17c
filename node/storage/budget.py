"""Budget rounds' buckets and allocations (schema 17); the round itself is a row of proposals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from node.storage.database import INTEGRITY_ERRORS, Database, Row

__all__ = ["BudgetStore", "StoredAllocation", "StoredBucket"]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class StoredBucket:
    """An accepted bucket: the governance value's dict and the pool-signed document."""

    id: int
    proposal_id: int
    number: int
    uri: str
    source_uri: str | None
    proposer_uri: str
    bucket: dict[str, Any]
    document: dict[str, Any]
    created_at: str


@dataclass(frozen=True, slots=True)
class StoredAllocation:
    """An accepted allocation and the member-signed document that proves it."""

    id: int
    uri: str
    voter_uri: str
    sequence: int
    allocation: dict[str, Any]
    document: dict[str, Any]
    received_at: str


def _bucket(row: Row) -> StoredBucket:
    return StoredBucket(row["id"], row["proposal_id"], row["number"], row["uri"], row["source_uri"],
                        row["proposer_uri"], json.loads(row["bucket_json"]),
                        json.loads(row["document"]), row["created_at"])


def _allocation(row: Row) -> StoredAllocation:
    return StoredAllocation(row["id"], row["uri"], row["voter_uri"], row["sequence"],
                            json.loads(row["allocation_json"]), json.loads(row["document"]),
                            row["received_at"])


class BudgetStore:
    """Queries behind node/budget: a round's buckets and allocations."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # Buckets.

    async def add_bucket(
        self, proposal_id: int, *, number: int, uri: str, source_uri: str | None,
        proposer_uri: str, bucket: dict[str, Any], document: dict[str, Any], created_at: str,
    ) -> bool:
        """Store an accepted bucket (the caller holds the pool's lock); False if its draft or
        its number was stored before."""
        try:
            await self.db.execute(
                "INSERT INTO budget_buckets (proposal_id, number, uri, source_uri, proposer_uri,"
                " bucket_json, document, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (proposal_id, number, uri, source_uri, proposer_uri, _dumps(bucket),
                 _dumps(document), created_at),
            )
        except INTEGRITY_ERRORS:
            return False
        return True

    async def bucket(self, uri: str) -> StoredBucket | None:
        """A bucket by its id."""
        row = await self.db.fetchone("SELECT * FROM budget_buckets WHERE uri = ?", (uri,))
        return _bucket(row) if row else None

    async def bucket_by_source(self, source_uri: str) -> StoredBucket | None:
        """The bucket accepted from a member's draft."""
        row = await self.db.fetchone("SELECT * FROM budget_buckets WHERE source_uri = ?", (source_uri,))
        return _bucket(row) if row else None

    async def buckets(self, proposal_id: int) -> list[StoredBucket]:
        """A round's buckets in the order they were accepted (their numbers)."""
        rows = await self.db.fetchall(
            "SELECT * FROM budget_buckets WHERE proposal_id = ? ORDER BY number", (proposal_id,))
        return [_bucket(r) for r in rows]

    async def count_buckets(self, proposal_id: int) -> int:
        """How many buckets a round holds."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM budget_buckets WHERE proposal_id = ?", (proposal_id,))
        return int(row["n"]) if row else 0

    async def buckets_page(self, proposal_id: int, *, limit: int,
                           before: int | None = None) -> list[StoredBucket]:
        """A round's buckets newest first, keyset-paged on the row id."""
        sql, params = "SELECT * FROM budget_buckets WHERE proposal_id = ?", [proposal_id]
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        rows = await self.db.fetchall(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [_bucket(r) for r in rows]

    # Allocations.

    async def add_allocation(
        self, proposal_id: int, *, uri: str, voter_uri: str, sequence: int,
        allocation: dict[str, Any], document: dict[str, Any], received_at: str,
    ) -> bool:
        """Store an accepted allocation; False if this id, or this member's ``sequence`` (when
        not 0), was stored before."""
        try:
            await self.db.execute(
                "INSERT INTO budget_allocations (proposal_id, uri, voter_uri, sequence,"
                " allocation_json, document, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (proposal_id, uri, voter_uri, sequence, _dumps(allocation), _dumps(document),
                 received_at),
            )
        except INTEGRITY_ERRORS:
            return False
        return True

    async def allocation(self, proposal_id: int, uri: str) -> StoredAllocation | None:
        """One stored allocation of a round."""
        row = await self.db.fetchone(
            "SELECT * FROM budget_allocations WHERE proposal_id = ? AND uri = ?", (proposal_id, uri))
        return _allocation(row) if row else None

    async def allocations(self, proposal_id: int) -> list[StoredAllocation]:
        """Every accepted allocation of a round, in arrival order."""
        rows = await self.db.fetchall(
            "SELECT * FROM budget_allocations WHERE proposal_id = ? ORDER BY id", (proposal_id,))
        return [_allocation(r) for r in rows]

    async def latest_allocations(self, proposal_id: int) -> list[dict[str, Any]]:
        """The governance dicts of each member's allocations with their greatest ``sequence``,
        in arrival order: the counted one is among them (one per member, unless allocations
        without a sequence tie). No signed document is decoded."""
        rows = await self.db.fetchall(
            "SELECT a.allocation_json FROM budget_allocations a WHERE a.proposal_id = ? AND"
            " a.sequence = (SELECT MAX(b.sequence) FROM budget_allocations b"
            " WHERE b.proposal_id = a.proposal_id AND b.voter_uri = a.voter_uri) ORDER BY a.id",
            (proposal_id,))
        return [json.loads(r["allocation_json"]) for r in rows]

    async def counts(self, proposal_id: int) -> tuple[int, int]:
        """How many buckets and allocations a round holds (rows are only ever added)."""
        return await self.count_buckets(proposal_id), await self.count_allocations(proposal_id)

    async def allocation_ids(self, proposal_id: int) -> list[str]:
        """The ids of every accepted allocation of a round, in arrival order."""
        rows = await self.db.fetchall(
            "SELECT uri FROM budget_allocations WHERE proposal_id = ? ORDER BY id", (proposal_id,))
        return [str(r["uri"]) for r in rows]

    async def voter_allocations(self, proposal_id: int, voter_uri: str) -> list[StoredAllocation]:
        """Every allocation one member made in a round, in arrival order (which counts is
        ``governance.counted_allocation``'s to say)."""
        rows = await self.db.fetchall(
            "SELECT * FROM budget_allocations WHERE proposal_id = ? AND voter_uri = ? ORDER BY id",
            (proposal_id, voter_uri))
        return [_allocation(r) for r in rows]

    async def count_voter_allocations(self, proposal_id: int, voter_uri: str) -> int:
        """How many allocations one member made in a round."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM budget_allocations WHERE proposal_id = ? AND voter_uri = ?",
            (proposal_id, voter_uri))
        return int(row["n"]) if row else 0

    async def count_allocations(self, proposal_id: int) -> int:
        """How many allocations of a round were accepted (changed ones included)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM budget_allocations WHERE proposal_id = ?", (proposal_id,))
        return int(row["n"]) if row else 0

    async def allocations_page(self, proposal_id: int, *, limit: int,
                               before: int | None = None) -> list[StoredAllocation]:
        """A round's allocations newest first, keyset-paged on the row id."""
        sql, params = "SELECT * FROM budget_allocations WHERE proposal_id = ?", [proposal_id]
        if before is not None:
            sql += " AND id < ?"
            params.append(before)
        rows = await self.db.fetchall(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [_allocation(r) for r in rows]
