"""What the governance handlers share: a member's document for a local pool, refused with a reason.

A refused governance activity changes nothing; the pool answers the sender with a
``Reject`` whose ``summary`` is the reason, and the inbox row is done (not retried).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from node.handlers import remote_results
from node.handlers.context import Inbound
from node.handlers.refusals import REFUSALS, pool_recipient, refusing

__all__ = ["REFUSALS", "for_local_pool", "pool_recipient", "refusing"]


async def for_local_pool(
    inbound: Inbound, work: Callable[[dict[str, Any]], Awaitable[object]]
) -> None:
    """A member's document for a pool here: ``work`` on it, refusals answered with a reason.

    A document naming no pool of this node is a remote pool's own signed document, sent to
    its members and followers: it goes to the remote results handler instead.
    """
    obj = inbound.object
    if not isinstance(obj, dict):
        return
    pool = pool_recipient(inbound, obj.get("pool"))
    if pool is None:
        await remote_results.handle(inbound)
        return
    await refusing(inbound, pool, lambda: work(obj))
