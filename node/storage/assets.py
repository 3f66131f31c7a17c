"""The asset register of local pools: each asset with the ledger entry that booked its purchase,
and each hand-over to another keeper (bookings of assets: node/storage/bookings.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from node.storage.database import INTEGRITY_ERRORS, Database, Row

__all__ = ["AssetStore", "Handover", "NewAsset", "PurchaseEntry", "StoredAsset"]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class PurchaseEntry:
    """The ledger entry that books an asset's purchase (built and signed under the pool lock)."""

    sequence: int
    uri: str
    kind: str
    entry: dict[str, Any]
    document: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewAsset:
    """What registering an asset stores beside its purchase entry."""

    uri: str
    name: str
    kind: str
    tenure: str
    asset: dict[str, Any]
    """``governance.assets.Asset.to_dict()``."""
    keeper_uri: str
    commitment: str
    registered_by: str
    document: dict[str, Any]
    source_uri: str | None = None


@dataclass(frozen=True, slots=True)
class StoredAsset:
    """A registered asset of a local pool."""

    id: int
    pool_id: int
    uri: str
    name: str
    kind: str
    tenure: str
    asset: dict[str, Any]
    keeper_uri: str
    commitment: str
    entry_uri: str
    source_uri: str | None
    registered_by: str
    document: dict[str, Any]
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class Handover:
    """An asset went to another keeper."""

    keeper_uri: str
    handed_by: str
    at: str


def _asset(row: Row) -> StoredAsset:
    return StoredAsset(
        int(row["id"]), int(row["pool_id"]), row["uri"], row["name"], row["kind"], row["tenure"],
        json.loads(row["asset_json"]), row["keeper_uri"], row["commitment"], row["entry_uri"],
        row["source_uri"], row["registered_by"], json.loads(row["document"]), row["created_at"],
        row["updated_at"])


class AssetStore:
    """The ``assets`` and ``asset_keepers`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def register(self, pool_id: int, asset: NewAsset, purchase: PurchaseEntry,
                       at: str) -> StoredAsset | None:
        """Append the purchase's ledger entry and the asset's row in ONE transaction (the caller
        holds the pool's ledger lock); None, and nothing written, if the entry's sequence or
        id, the asset's id or its ``source_uri`` was stored before."""
        try:
            async with self.db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO ledger_entries (pool_id, sequence, uri, source_uri, kind,"
                    " entry_json, document, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (pool_id, purchase.sequence, purchase.uri, asset.source_uri, purchase.kind,
                     _dumps(purchase.entry), _dumps(purchase.document), purchase.entry["hash"], at))
                await conn.execute(
                    "INSERT INTO assets (pool_id, uri, name, kind, tenure, asset_json, keeper_uri,"
                    " commitment, entry_uri, source_uri, registered_by, document, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (pool_id, asset.uri, asset.name, asset.kind, asset.tenure, _dumps(asset.asset),
                     asset.keeper_uri, asset.commitment, purchase.uri, asset.source_uri,
                     asset.registered_by, _dumps(asset.document), at, at))
        except INTEGRITY_ERRORS:
            return None
        return await self.by_uri(asset.uri)

    async def by_uri(self, uri: str) -> StoredAsset | None:
        """An asset by its id (its document's URL)."""
        row = await self.db.fetchone("SELECT * FROM assets WHERE uri = ?", (uri,))
        return _asset(row) if row else None

    async def by_source(self, source_uri: str) -> StoredAsset | None:
        """The asset registered for a request (e.g. a paid investment proposal), if any."""
        row = await self.db.fetchone("SELECT * FROM assets WHERE source_uri = ?", (source_uri,))
        return _asset(row) if row else None

    async def of_pool(self, pool_id: int, limit: int = 10_000) -> list[StoredAsset]:
        """A pool's assets, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM assets WHERE pool_id = ? ORDER BY id LIMIT ?", (pool_id, limit))
        return [_asset(r) for r in rows]

    async def hand_over(self, asset_id: int, keeper_uri: str, asset: dict[str, Any],
                        document: dict[str, Any], *, by: str, at: str) -> bool:
        """Another member looks after the asset: its row and document change and the hand-over
        is logged, in one transaction; False (nothing written) if they look after it already."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE assets SET keeper_uri = ?, asset_json = ?, document = ?, updated_at = ?"
                " WHERE id = ? AND keeper_uri != ?",
                (keeper_uri, _dumps(asset), _dumps(document), at, asset_id, keeper_uri))
            if cursor.rowcount == 0:
                return False
            await conn.execute(
                "INSERT INTO asset_keepers (asset_id, keeper_uri, handed_by, at) VALUES (?, ?, ?, ?)",
                (asset_id, keeper_uri, by, at))
        return True

    async def handovers(self, asset_id: int, limit: int = 200) -> list[Handover]:
        """An asset's hand-overs, newest first."""
        rows = await self.db.fetchall(
            "SELECT keeper_uri, handed_by, at FROM asset_keepers WHERE asset_id = ?"
            " ORDER BY id DESC LIMIT ?", (asset_id, limit))
        return [Handover(r["keeper_uri"], r["handed_by"], r["at"]) for r in rows]
