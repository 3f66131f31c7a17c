"""A remote pool's signed result (Proposal, Electorate, Tally, LedgerEntry) reaching a local actor.

Kept only when its proof is the pool's (node/pool_engine/remote_results.py); otherwise the
local recipient answers the sender with a ``Reject`` whose ``summary`` is the reason, and
nothing is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

from node.handlers import flood_electorate
from node.handlers.context import Inbound, local_actor_of
from node.handlers.refusals import refusing
from node.pool_engine.remote_results import receive

__all__ = ["handle", "handle_electorate", "is_remote_result"]


async def is_remote_result(inbound: Inbound) -> bool:
    """The object is a document signed by its pool (attributedTo = pool), a pool not on this node."""
    obj = inbound.object
    if not isinstance(obj, dict):
        return False
    pool = obj.get("pool", obj.get("attributedTo"))
    if not isinstance(pool, str) or obj.get("attributedTo") != pool:
        return False
    return await local_actor_of(inbound.app, pool) is None


async def handle(inbound: Inbound) -> None:
    """Verify and keep a remote pool's result; refuse it with a reason otherwise."""
    obj = inbound.object
    if not isinstance(obj, dict) or not await is_remote_result(inbound):
        return
    recipient = inbound.recipients[0] if inbound.recipients else None
    await refusing(inbound, recipient, lambda: receive(inbound.app, obj, datetime.now(UTC), recipient))


async def handle_electorate(inbound: Inbound) -> None:
    """A flood electorate (it names its ``flood``) goes to the flood; a pool proposal's is a result."""
    obj = inbound.object
    if isinstance(obj, dict) and "flood" not in obj and await is_remote_result(inbound):
        await handle(inbound)
    else:
        await flood_electorate.handle(inbound)
