"""Create(Page) (or Article) whose ``audience`` is a local pool: a member of the pool on another
server starts a discussion there (node/discussion/discussions.py). Others are only stored."""

from __future__ import annotations

from datetime import UTC, datetime

from node.discussion import draft_pool, open_discussion
from node.errors import Forbidden
from node.handlers import create
from node.handlers.context import Inbound
from node.handlers.refusals import pool_recipient, refusing

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Open the discussion in the pool it names (refused with a reason), or store the object."""
    draft = inbound.object
    pool = pool_recipient(inbound, draft_pool(draft)) if isinstance(draft, dict) else None
    if pool is None or not isinstance(draft, dict) or draft_pool(draft) != pool.uri:
        await create.handle(inbound)
        return

    async def work() -> None:
        if draft.get("attributedTo") != inbound.actor:
            raise Forbidden("a discussion is started by the actor who sends it")
        await open_discussion(inbound.app, draft, inbound.actor, datetime.now(UTC))
        await create.handle(inbound)

    await refusing(inbound, pool, work)
