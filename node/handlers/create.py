"""Create: keep the created object so local readers can see it (ActivityPub §7.2)."""

from __future__ import annotations

from typing import Any

from node.accounts import now_iso
from node.appkeys import RECEIVED
from node.handlers.context import Inbound

__all__ = ["handle", "kept"]


def kept(inbound: Inbound) -> list[dict[str, Any]]:
    """What ``handle`` stores: the embedded object, if it has an id."""
    obj = inbound.object
    return [obj] if isinstance(obj, dict) and isinstance(obj.get("id"), str) else []


async def handle(inbound: Inbound) -> None:
    """Store the embedded object (the inbox already checked it is from the actor's origin)."""
    for obj in kept(inbound):
        await inbound.app[RECEIVED].put(obj, (), now_iso())
