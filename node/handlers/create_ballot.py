"""Create(Ballot): a signed ballot, accepted on its own proof whoever relayed it."""

from __future__ import annotations

from datetime import UTC, datetime

from node.handlers.context import Inbound
from node.handlers.governance import pool_recipient, refusing
from node.routing import cast

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Verify the voter's proof and count the ballot; a repeat changes nothing."""
    obj = inbound.object
    if not isinstance(obj, dict):
        return
    pool = pool_recipient(inbound, obj.get("pool"))
    if pool is None:
        return
    await refusing(inbound, pool, lambda: cast(inbound.app, obj, datetime.now(UTC)))
