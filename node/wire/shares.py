"""The share register on the wire: who holds which co-op shares since when
(docs/PROTOCOL.md, "The share register")."""

from __future__ import annotations

from typing import Any

from governance import Bylaws
from governance.codec import datetime_to_str
from governance.shares import ShareDue, ShareRegister
from schemas import AS_CONTEXT_URL, POOLNODE_CONTEXT_URL

__all__ = ["share_register_document"]


def share_register_document(register: ShareRegister, bylaws: Bylaws, pool: str,
                            due: tuple[ShareDue, ...] = ()) -> dict[str, Any]:
    """The pool's ``ShareRegister``: its share types, every lot still held (oldest first per
    holder, holders by id) with the ledger entry that issued it, and the shares members still
    owe under the bylaws in force (``due``: members by id, types in the bylaws' order)."""
    holdings = [
        {"person": person, "shareType": lot.share_type, "count": lot.count,
         "nominal": lot.nominal, "value": lot.count * lot.nominal,
         "since": datetime_to_str(lot.since), "issuedBy": lot.event}
        for person in register.holders() for lot in register.holdings(person)
    ]
    return {
        "@context": [AS_CONTEXT_URL, POOLNODE_CONTEXT_URL],
        "id": pool + "/shares",
        "type": "ShareRegister",
        "pool": pool,
        "currency": bylaws.currency,
        "shareTypes": [t.to_dict() for t in bylaws.share_types],
        "holdings": holdings,
        "totalValue": sum(h["value"] for h in holdings),
        "events": len(register.events),
        "sharesDue": [{"person": d.person, "shareType": d.share_type, "count": d.count,
                       "nominal": d.nominal, "value": d.value} for d in due],
        "totalDue": sum(d.value for d in due),
    }
