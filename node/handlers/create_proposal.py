"""Create(Proposal): a member's draft from their own server; the pool opens it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from node.handlers.context import Inbound
from node.handlers.governance import for_local_pool
from node.pool_engine.common import key_lookup
from node.routing import propose
from node.wire import check_document, verify_author_proof

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Check the schema and the author's proof, then open the proposal in the named pool."""

    async def work(obj: dict[str, Any]) -> None:
        check_document("proposal", obj)
        await verify_author_proof(obj, obj["attributedTo"], lambda m: key_lookup(inbound.app, m))
        await propose(inbound.app, obj, datetime.now(UTC))

    await for_local_pool(inbound, work)
