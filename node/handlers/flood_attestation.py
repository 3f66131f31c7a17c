"""Create(Attestation): a pool of a flood states a flood proposal's result; we compare it."""

from __future__ import annotations

from datetime import UTC, datetime

from node.floods import receive_attestation
from node.handlers.context import Inbound
from node.handlers.governance import pool_recipient, refusing

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Check the pool's proof; a result different from ours is stored as a mismatch."""
    obj = inbound.object
    if not isinstance(obj, dict):
        return
    pool = pool_recipient(inbound)
    await refusing(inbound, pool,
                   lambda: receive_attestation(inbound.app, inbound.actor, obj, datetime.now(UTC)))
