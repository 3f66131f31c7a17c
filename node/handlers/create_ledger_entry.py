"""Create(LedgerEntry): a treasurer's request (on another node) to book an entry."""

from __future__ import annotations

from datetime import UTC, datetime

from node.handlers import remote_results
from node.handlers.context import Inbound
from node.handlers.governance import pool_recipient, refusing
from node.pool_engine import record_request
from node.pool_engine.common import key_lookup
from node.wire import check_document, verify_author_proof

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Check the treasurer's proof; the pool books the entry (the roster decides who may)."""
    obj = inbound.object
    if not isinstance(obj, dict):
        return
    pool = pool_recipient(inbound, obj.get("pool"))
    if pool is None:  # a remote pool's own signed document, sent to its members and followers
        await remote_results.handle(inbound)
        return

    async def work() -> None:
        check_document("ledger-entry", obj)
        author = obj.get("attributedTo")
        await verify_author_proof(obj, str(author), lambda m: key_lookup(inbound.app, m))
        await record_request(inbound.app, str(author), obj, datetime.now(UTC))

    await refusing(inbound, pool, work)
