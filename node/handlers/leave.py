"""Leave: a member leaves a local pool (capital refunded when the fund covers it)."""

from __future__ import annotations

from datetime import UTC, datetime

from node.handlers.context import Inbound
from node.handlers.governance import pool_recipient, refusing
from node.pool_engine import leave

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """End the sender's membership of the pool named as the object."""
    pool = pool_recipient(inbound, inbound.object_id)
    if pool is None:
        return
    await refusing(inbound, pool, lambda: leave(inbound.app, pool, inbound.actor, datetime.now(UTC)))
