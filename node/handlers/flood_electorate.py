"""Create(Electorate): a pool of a flood publishes its frozen electorate for a flood proposal."""

from __future__ import annotations

from node.floods import receive_electorate
from node.handlers.context import Inbound
from node.handlers.refusals import pool_recipient, refusing

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Check the pool's proof and keep the electorate (the flood tally needs every pool's)."""
    obj = inbound.object
    if not isinstance(obj, dict):
        return
    pool = pool_recipient(inbound)
    await refusing(inbound, pool, lambda: receive_electorate(inbound.app, inbound.actor, obj))
