"""Each local pool's share of a flood disbursement whose final result passed
(docs/PROTOCOL.md §Floods, "Money"): recorded as money the pool owes, then served by the pool's
own queue (node/pool_engine/obligations.py): booked now if the free fund covers it and nothing
older waits, else waiting for funds, visibly, until it is booked or lapses after the bylaws'
funding wait. A provisional result books nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import web

from governance import GovernanceError, split_pro_rata
from node.floods.common import floods
from node.pool_engine.common import iso
from node.storage import ActorRecord, StoredFloodProposal

__all__ = ["owe_shares", "shares_view"]

log = logging.getLogger("poolnode.floods")


async def owe_shares(app: web.Application, stored: StoredFloodProposal, local: list[ActorRecord],
                     now: datetime) -> None:
    """Record each local pool's pro-rata share (pledges at electorate freeze) and serve its queue."""
    from node.pool_engine.obligations import serve  # the pool's own rule for money it owes

    documents = await floods(app).electorates(stored.uri)
    pledges = {pool: int(documents[pool].get("pledge", 0)) for pool in stored.pools if pool in documents}
    amount = stored.document.get("amount")
    try:
        shares = split_pro_rata(amount if isinstance(amount, int) else -1, pledges)
    except GovernanceError as exc:
        # Nothing was pledged (or no valid amount): no pool owes anything, said once.
        log.warning("flood disbursement %s commits nothing: %s", stored.uri, exc.reason)
        return
    for pool in local:
        share = shares.get(pool.uri, 0)
        if share > 0:
            await floods(app).add_share(stored.uri, pool.id, share, stored.document["closesAt"], iso(now))
            await serve(app, pool, now)


async def shares_view(app: web.Application, uri: str) -> list[dict[str, object]]:
    """The local pools' shares and their effect state (for the tally view and the web page)."""
    from node.appkeys import ACTORS

    out: list[dict[str, object]] = []
    for share in await floods(app).shares(uri):
        pool = await app[ACTORS].by_id(share.pool_id)
        out.append({"pool": pool.uri if pool is not None else None, "amount": share.amount,
                    "effect": share.effect, "effectReason": share.reason,
                    "effectSince": share.updated_at})
    return out
