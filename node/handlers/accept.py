"""Accept of a Follow: the followee agrees; the relation is listed on both sides (§7.6)."""

from __future__ import annotations

import logging

from node.accounts import now_iso
from node.appkeys import FOLLOWS
from node.handlers.context import Inbound, local_actor_of
from node.handlers.follows import referenced_follow

__all__ = ["accept_follow"]

log = logging.getLogger("poolnode.handlers")


async def accept_follow(inbound: Inbound) -> None:
    """Mark our stored Follow accepted, if the accepting actor is the one followed."""
    follow = await referenced_follow(inbound)
    if follow is None or follow.followee_uri != inbound.actor:
        log.debug("Accept %s names no Follow of its actor", inbound.activity["id"])
        return
    follower = await local_actor_of(inbound.app, follow.follower_uri)
    followee = await local_actor_of(inbound.app, follow.followee_uri)
    await inbound.app[FOLLOWS].set_state(
        follow,
        "accepted",
        now_iso(),
        followee_local_id=followee.id if followee else None,
        follower_local_id=follower.id if follower else None,
    )
