"""Create(Event): a member on another server books an asset of a local pool (``target``)."""

from __future__ import annotations

from datetime import UTC, datetime

from node.assets.bookings import asset_by_uri, book_from_event
from node.errors import Forbidden
from node.handlers.context import Inbound
from node.handlers.refusals import refusing

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Book it as a local member's Create(Event) would be; a refusal is answered with a Reject
    and its reason. An Event about anything else (a pool's published booking) has no effect."""
    obj = inbound.object
    target = obj.get("target") if isinstance(obj, dict) else None
    found = await asset_by_uri(inbound.app, target) if isinstance(target, str) else None
    pool = next((a for a in inbound.recipients if found and a.is_pool and a.id == found.pool_id),
                None)
    if pool is None or not isinstance(obj, dict):
        return

    async def work() -> None:
        if obj.get("attributedTo") != inbound.actor:
            raise Forbidden("a booking's Event is attributed to the actor who sends it")
        await book_from_event(inbound.app, inbound.actor, obj, datetime.now(UTC))

    await refusing(inbound, pool, work)
