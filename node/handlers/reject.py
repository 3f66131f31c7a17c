"""Reject of a Follow: the followee refuses, or ends an accepted follow (§7.7)."""

from __future__ import annotations

import logging

from node.appkeys import FOLLOWS
from node.handlers.context import Inbound, local_actor_of
from node.handlers.follows import referenced_follow

__all__ = ["reject_follow"]

log = logging.getLogger("poolnode.handlers")


async def reject_follow(inbound: Inbound) -> None:
    """Drop our stored Follow, if the rejecting actor is the one followed."""
    follow = await referenced_follow(inbound)
    if follow is None or follow.followee_uri != inbound.actor:
        log.debug("Reject %s names no Follow of its actor", inbound.activity["id"])
        return
    follower = await local_actor_of(inbound.app, follow.follower_uri)
    followee = await local_actor_of(inbound.app, follow.followee_uri)
    await inbound.app[FOLLOWS].remove(
        follow,
        followee_local_id=followee.id if followee else None,
        follower_local_id=follower.id if follower else None,
    )
