"""Registering a pool's asset with its purchase booked in the ledger, and handing it over.

``register_asset`` is the one way an asset enters the register: under the pool's ledger lock it
books ``governance.assets.book_purchase`` (asset +P, commitment -P, from a passed proposal's
commitment) and stores that entry and the register row in one transaction, so neither exists
without the other. Investment proposals call it once the purchase is paid (``source``: the
request or proposal it is registered for, so a retry registers nothing twice).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from aiohttp import web

from governance import NotPermitted, Role, RuleViolation
from governance.assets import Asset, AssetRegister, Depreciation, book_purchase
from governance.codec import utc
from node.appkeys import DB
from node.assets.documents import ASSET_KINDS, TENURES, asset_document
from node.errors import Conflict, InvalidRequest, NotFound
from node.pool_engine.common import iso, pool_lock, publish, roster_of, signed
from node.storage import ActorRecord
from node.storage.assets import AssetStore, NewAsset, PurchaseEntry, StoredAsset
from node.wire import ledger_entry_document

__all__ = ["AssetRequest", "asset_of", "assets", "hand_over", "register_asset"]

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
"""The earliest acquisition date the register takes."""


def assets(app: web.Application) -> AssetStore:
    """The asset register's queries over the app's database."""
    return AssetStore(app[DB])


@dataclass(frozen=True, slots=True)
class AssetRequest:
    """What a treasurer registers: the asset, what it cost and which commitment paid it."""

    name: str
    kind: str
    tenure: str
    purchase: int
    acquired_at: datetime
    keeper: str
    commitment: str
    reference: str
    depreciation: Depreciation | None = None

    def check(self, now: datetime) -> None:
        """Refuse what the register does not take (the core checks the rest)."""
        if self.kind not in ASSET_KINDS:
            raise InvalidRequest(f"an asset's kind is one of {', '.join(ASSET_KINDS)}")
        if self.tenure not in TENURES:
            raise InvalidRequest("an asset is owned or rented")
        when = utc(self.acquired_at, "acquisition time")
        if not EARLIEST <= when <= now:
            raise InvalidRequest("the acquisition date is between 1900 and today")
        if not self.reference.strip() or len(self.reference) > 200:
            raise InvalidRequest("the payment's reference has 1 to 200 characters")
        if len(self.commitment) > 2000:
            raise InvalidRequest("no such commitment")


async def register_asset(app: web.Application, pool: ActorRecord, request: AssetRequest, *,
                         by: str, at: datetime, source: str | None = None) -> StoredAsset:
    """Register ``request``'s asset and book its purchase from its commitment, in one transaction;
    ``by`` is the treasurer recording it. Publishes Create(LedgerEntry) and Create(Asset) to the
    pool's members and followers. With ``source``, once: a retry returns the stored asset."""
    store = assets(app)
    at = utc(at).replace(microsecond=0)
    request.check(at)
    if source is not None and (known := await store.by_source(source)) is not None:
        return known
    uri = f"{pool.uri}/assets/{uuid.uuid4()}"
    async with pool_lock(app, pool):
        if source is not None and (known := await store.by_source(source)) is not None:
            return known
        roster, bylaws, ledger = await roster_of(app, pool)
        asset = Asset(uri, request.name.strip(), request.purchase, request.acquired_at,
                      request.keeper, request.depreciation)
        stored = await store.of_pool(pool.id)
        register = AssetRegister(MappingProxyType({s.uri: Asset.from_dict(s.asset) for s in stored}))
        register.register(asset, roster)
        sequence = len(ledger.entries) + 1
        transaction = book_purchase(f"{pool.uri}/ledger/{sequence}", at, ledger, asset,
                                    request.commitment, reference=request.reference.strip(),
                                    by=by, roster=roster)
        ledger = ledger.apply(transaction)
        entry = ledger.entries[-1]
        entry_document = signed(ledger_entry_document(entry, pool.uri, sequence), pool, at)
        now = iso(at)
        document = signed(asset_document(
            uri=uri, pool=pool.uri, asset=asset.to_dict(), kind=request.kind,
            tenure=request.tenure, currency=bylaws.currency, commitment=request.commitment,
            entry=transaction.id, published=now), pool, at)
        saved = await store.register(
            pool.id,
            NewAsset(uri, asset.name, request.kind, request.tenure, asset.to_dict(), asset.keeper,
                     request.commitment, by, document, source),
            PurchaseEntry(sequence, transaction.id, transaction.kind.value, entry.to_dict(),
                          entry_document),
            now)
        if saved is None:
            raise Conflict("the ledger or the register changed meanwhile; try again",
                           code="asset_conflict")
    await publish(app, pool, "Create", entry_document)
    await publish(app, pool, "Create", document)
    return saved


async def asset_of(app: web.Application, pool: ActorRecord, uri: str) -> StoredAsset:
    """The pool's asset with this id (404 otherwise)."""
    found = await assets(app).by_uri(uri)
    if found is None or found.pool_id != pool.id:
        raise NotFound("the pool has no such asset")
    return found


async def hand_over(app: web.Application, pool: ActorRecord, uri: str, keeper: str, *, by: str,
                    at: datetime) -> StoredAsset:
    """A steward, a treasurer or the current keeper hands the asset to another member; the
    pool publishes Update(Asset)."""
    at = utc(at).replace(microsecond=0)
    async with pool_lock(app, pool):
        stored = await asset_of(app, pool, uri)
        roster, bylaws, _ = await roster_of(app, pool)
        handler = roster.get(by)
        if by != stored.keeper_uri and (handler is None or not roster.is_member(by) or not (
                handler.has(Role.STEWARD) or handler.has(Role.TREASURER))):
            raise NotPermitted("not_permitted", "only its keeper, a steward or a treasurer hands "
                                                "an asset over")
        asset = Asset.from_dict(stored.asset)
        register = AssetRegister(MappingProxyType({uri: asset}))
        moved = register.hand_over(uri, keeper, roster).get(uri)
        if moved.keeper == stored.keeper_uri:
            raise RuleViolation("same_keeper", "this member looks after the asset already")
        document = signed(asset_document(
            uri=uri, pool=pool.uri, asset=moved.to_dict(), kind=stored.kind, tenure=stored.tenure,
            currency=bylaws.currency, commitment=stored.commitment, entry=stored.entry_uri,
            published=stored.created_at, updated=iso(at)), pool, at)
        await assets(app).hand_over(stored.id, keeper, moved.to_dict(), document, by=by, at=iso(at))
    await publish(app, pool, "Update", document)
    return await asset_of(app, pool, uri)
