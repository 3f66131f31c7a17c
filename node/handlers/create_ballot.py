"""Create(Ballot): a signed ballot, accepted on its own proof whoever relayed it."""

from __future__ import annotations

from datetime import UTC, datetime

from node.handlers.context import Inbound
from node.handlers.governance import pool_recipient, refusing
from node.routing import cast
from node.storage import ActorRecord

__all__ = ["ballot_pool", "handle"]


def ballot_pool(inbound: Inbound) -> ActorRecord | None:
    """The local pool that receives the ballot (and answers a refusal); None: nothing to do."""
    obj = inbound.object
    return pool_recipient(inbound, obj.get("pool")) if isinstance(obj, dict) else None


async def handle(inbound: Inbound) -> None:
    """Verify the voter's proof and count the ballot; a repeat changes nothing."""
    pool = ballot_pool(inbound)
    if pool is None:
        return
    await refusing(inbound, pool, lambda: cast(inbound.app, inbound.object, datetime.now(UTC)))
