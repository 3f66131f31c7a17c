"""Undo of a Follow: the follower stops following (ActivityPub §7.11)."""

from __future__ import annotations

import logging

from node.handlers.context import Inbound
from node.handlers.follows import drop_follow, referenced_follow

__all__ = ["undo_follow"]

log = logging.getLogger("poolnode.handlers")


async def undo_follow(inbound: Inbound) -> None:
    """Remove the follow relation, if the undoing actor is the follower."""
    follow = await referenced_follow(inbound)
    if follow is None or follow.follower_uri != inbound.actor:
        log.debug("Undo %s names no Follow by its actor", inbound.activity["id"])
        return
    await drop_follow(inbound.app, follow)
