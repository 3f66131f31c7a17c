"""Create(LedgerEntry): a treasurer's request (on another node) to book an entry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from node.handlers.context import Inbound
from node.handlers.governance import for_local_pool
from node.pool_engine import record_request
from node.pool_engine.common import key_lookup
from node.wire import check_document, verify_author_proof

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Check the treasurer's proof; the pool books the entry (the roster decides who may)."""

    async def work(obj: dict[str, Any]) -> None:
        check_document("ledger-entry", obj)
        author = obj.get("attributedTo")
        await verify_author_proof(obj, str(author), lambda m: key_lookup(inbound.app, m))
        await record_request(inbound.app, str(author), obj, datetime.now(UTC))

    await for_local_pool(inbound, work)
