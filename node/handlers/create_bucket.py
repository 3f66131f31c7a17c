"""Create(Bucket): a member's bucket draft for a local pool's budget round, or a remote pool's
accepted bucket reaching its member (kept as that pool's signed result)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from node.handlers.context import Inbound
from node.handlers.governance import for_local_pool
from node.pool_engine.common import key_lookup
from node.routing import propose_bucket
from node.wire import check_document, verify_author_proof

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Check the schema and the author's proof, then accept the bucket in the named round."""

    async def work(obj: dict[str, Any]) -> None:
        check_document("bucket", obj)
        await verify_author_proof(obj, obj["attributedTo"], lambda m: key_lookup(inbound.app, m))
        await propose_bucket(inbound.app, obj, datetime.now(UTC))

    await for_local_pool(inbound, work)
