"""Reject of a Follow: the followee refuses, or ends an accepted follow (§7.7)."""

from __future__ import annotations

import logging

from node.handlers.context import Inbound
from node.handlers.follows import drop_follow, referenced_follow

__all__ = ["reject_follow"]

log = logging.getLogger("poolnode.handlers")


async def reject_follow(inbound: Inbound) -> None:
    """Drop our stored Follow, if the rejecting actor is the one followed."""
    follow = await referenced_follow(inbound)
    if follow is None or follow.followee_uri != inbound.actor:
        log.debug("Reject %s names no Follow of its actor", inbound.activity["id"])
        return
    await drop_follow(inbound.app, follow)
