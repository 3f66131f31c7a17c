"""Follow: someone asks to follow a local actor (ActivityPub §7.5)."""

from __future__ import annotations

import logging
from typing import Literal

from node.accounts import now_iso
from node.appkeys import FOLLOWS
from node.delivery import replies
from node.handlers.context import Inbound, local_actor_of
from node.remote import resolve_actor
from node.storage import ActorRecord, RemoteActor

__all__ = ["FollowDecision", "follow_policy", "handle"]

log = logging.getLogger("poolnode.handlers")

FollowDecision = Literal["accept", "pending", "reject"]


def follow_policy(pool: ActorRecord, follower: RemoteActor, *, approved: bool = False) -> FollowDecision:
    """Whether a pool accepts a follower now, later (after a decision) or not at all.

    People are accepted at once. Another pool (a Group) following us is the start of a
    flood link, which a passed proposal will have to approve: it waits as 'pending'
    unless ``approved`` (the pool passed a JoinFlood proposal naming the follower).
    """
    if follower.type == "Person" or approved:
        return "accept"
    return "pending"


async def handle(inbound: Inbound) -> None:
    """Record the follow of a local actor; Accept, Reject or keep it pending."""
    app = inbound.app
    followee = await local_actor_of(app, inbound.object_id)
    if followee is None:
        log.debug("Follow %s is not of a local actor", inbound.activity["id"])
        return
    if followee.is_pool:
        from node.floods import follow_approved, link_lock

        sender = await resolve_actor(app, inbound.actor)
        # Decided and stored under the lock a JoinFlood's approval takes (node/floods/links.py).
        async with link_lock(app, followee):
            decision = follow_policy(followee, sender,
                                     approved=await follow_approved(app, followee, inbound.actor))
            await _record(inbound, followee, decision)
    else:
        await _record(inbound, followee, "accept")  # members' accounts do not moderate followers


async def _record(inbound: Inbound, followee: ActorRecord, decision: FollowDecision) -> None:
    app = inbound.app
    follower = await local_actor_of(app, inbound.actor)
    state = {"accept": "accepted", "pending": "pending", "reject": "rejected"}[decision]
    follow = await app[FOLLOWS].put(
        inbound.actor,
        followee.uri,
        inbound.activity["id"],
        state,
        now_iso(),
        followee_local_id=followee.id,
        follower_local_id=follower.id if follower else None,
    )
    if decision == "reject":
        await app[FOLLOWS].remove(follow, followee_local_id=followee.id)
        await replies.reply(app, followee, "Reject", inbound.activity, inbound.actor)
    elif follow.state == "accepted":
        # Also for a repeated Follow: the follower may have lost our first Accept.
        await replies.reply(app, followee, "Accept", inbound.activity, inbound.actor)
