"""The documents of the asset register on the wire: a pool-signed ``Asset`` per asset, and an
ActivityStreams ``Event`` per booking (docs/PROTOCOL.md, "Shared assets and bookings")."""

from __future__ import annotations

from typing import Any

from governance.assets import ASSET_KINDS, TENURES
from node.storage.bookings import StoredBooking
from schemas import ACTOR_CONTEXT, OBJECT_CONTEXT

__all__ = ["ASSET_KINDS", "TENURES", "asset_document", "event_document", "tombstone"]



def asset_document(*, uri: str, pool: str, asset: dict[str, Any], kind: str, tenure: str,
                   currency: str, commitment: str, entry: str, published: str,
                   updated: str | None = None) -> dict[str, Any]:
    """The Asset document (unsigned): ``asset`` is ``governance.assets.Asset.to_dict()``."""
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": uri,
        "type": "Asset",
        "attributedTo": pool,
        "pool": pool,
        "name": asset["name"],
        "assetKind": kind,
        "tenure": tenure,
        "currency": currency,
        "purchase": asset["purchase"],
        "acquiredAt": asset["acquired_at"],
        "keeper": asset["keeper"],
        "commitment": commitment,
        "purchaseEntry": entry,
        "published": published,
    }
    if "depreciation" in asset:
        document["depreciation"] = dict(asset["depreciation"])
    if updated is not None and updated != published:
        document["updated"] = updated
    return document


def event_document(booking: StoredBooking, pool: str) -> dict[str, Any]:
    """The ActivityStreams Event of a booking: ``location`` is the asset it holds."""
    document: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": booking.uri,
        "type": "Event",
        "name": booking.asset_name,
        "attributedTo": booking.member_uri,
        "location": booking.asset_uri,
        "pool": pool,
        "startTime": booking.start_at,
        "endTime": booking.end_at,
        "published": booking.made_at,
    }
    if booking.note:
        document["summary"] = booking.note
    return document


def tombstone(booking: StoredBooking) -> dict[str, Any]:
    """What a cancelled booking's Event became (the object of the pool's Delete)."""
    return {"id": booking.uri, "type": "Tombstone", "formerType": "Event",
            "deleted": booking.cancelled_at}
