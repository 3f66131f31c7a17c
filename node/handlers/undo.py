"""Undo of a Follow: the follower stops following (ActivityPub §7.11)."""

from __future__ import annotations

import logging

from node.appkeys import FOLLOWS
from node.handlers.context import Inbound, local_actor_of
from node.handlers.follows import referenced_follow

__all__ = ["undo_follow"]

log = logging.getLogger("poolnode.handlers")


async def undo_follow(inbound: Inbound) -> None:
    """Remove the follow relation, if the undoing actor is the follower."""
    follow = await referenced_follow(inbound)
    if follow is None or follow.follower_uri != inbound.actor:
        log.debug("Undo %s names no Follow by its actor", inbound.activity["id"])
        return
    follower = await local_actor_of(inbound.app, follow.follower_uri)
    followee = await local_actor_of(inbound.app, follow.followee_uri)
    await inbound.app[FOLLOWS].remove(
        follow,
        followee_local_id=followee.id if followee else None,
        follower_local_id=follower.id if follower else None,
    )
