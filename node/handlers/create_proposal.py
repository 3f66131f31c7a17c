"""Create(Proposal): a member's draft from their own server; the pool opens it."""

from __future__ import annotations

from datetime import UTC, datetime

from node.handlers import remote_results
from node.handlers.context import Inbound
from node.handlers.governance import pool_recipient, refusing
from node.pool_engine import propose
from node.pool_engine.common import key_lookup
from node.wire import check_document, verify_author_proof

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Check the schema and the author's proof, then open the proposal in the named pool."""
    obj = inbound.object
    if not isinstance(obj, dict):
        return
    pool = pool_recipient(inbound, obj.get("pool"))
    if pool is None:  # a remote pool's own signed document, sent to its members and followers
        await remote_results.handle(inbound)
        return

    async def work() -> None:
        check_document("proposal", obj)
        await verify_author_proof(obj, obj["attributedTo"], lambda m: key_lookup(inbound.app, m))
        await propose(inbound.app, obj, datetime.now(UTC))

    await refusing(inbound, pool, work)
