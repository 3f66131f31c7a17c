"""Join: a person applies to a local pool; the pool answers per its admission policy."""

from __future__ import annotations

from datetime import UTC, datetime

from node.handlers.context import Inbound
from node.handlers.governance import pool_recipient, refusing
from node.pool_engine import join
from node.pool_engine.membership import share_claim

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Record the applicant; open pools Accept at once, vote pools open an admission proposal."""
    pool = pool_recipient(inbound, inbound.object_id)
    if pool is None:
        return
    claim = share_claim(inbound.activity.get("sharePayment"))
    await refusing(inbound, pool, lambda: join(
        inbound.app, pool, inbound.actor, inbound.activity["id"], datetime.now(UTC), claim))
