"""Create: keep the created object so local readers can see it (ActivityPub §7.2)."""

from __future__ import annotations

from node.accounts import now_iso
from node.appkeys import RECEIVED
from node.handlers.context import Inbound

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Store the embedded object (the inbox already checked it is from the actor's origin)."""
    obj = inbound.object
    if isinstance(obj, dict) and isinstance(obj.get("id"), str):
        await inbound.app[RECEIVED].put(obj, (), now_iso())
