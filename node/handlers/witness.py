"""Create(HeadAttestation | LedgerConflict | Recount): a witness of a local pool's ledger.

The witness's own proof is checked (node/witness/receiving.py); a refused document is answered
with a ``Reject`` whose ``summary`` is the reason and nothing is kept. A copy that reached a
local actor other than the pool it is about (a member, a follower) changes nothing here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from node.handlers.context import Inbound
from node.handlers.refusals import pool_recipient, refusing
from node.witness import receive

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Verify and keep a witness's document about the local pool it names."""
    obj = inbound.object
    if not isinstance(obj, dict):
        return
    pool = pool_recipient(inbound, obj.get("pool"))
    if pool is None:
        return
    await refusing(inbound, pool, lambda: receive(inbound.app, inbound.actor, obj, datetime.now(UTC)))
