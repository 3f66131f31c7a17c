"""Delete: an actor removes one of its objects, or itself (ActivityPub §7.4)."""

from __future__ import annotations

from node.appkeys import FOLLOWS, KEY_CACHE, RECEIVED, REMOTE_ACTORS
from node.handlers.context import Inbound, local_actor_of

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Forget the object, or the actor with its keys and follow relations."""
    app = inbound.app
    target = inbound.object_id
    if target is None:
        return
    if target != inbound.actor:
        stored = await app[RECEIVED].owner_of(target)
        if stored is not None and stored[0] == inbound.actor:
            await app[RECEIVED].delete_remote(target)
        return
    for follow in await app[FOLLOWS].of_actor(target):
        follower = await local_actor_of(app, follow.follower_uri)
        followee = await local_actor_of(app, follow.followee_uri)
        await app[FOLLOWS].remove(
            follow,
            followee_local_id=followee.id if followee else None,
            follower_local_id=follower.id if follower else None,
        )
    await app[REMOTE_ACTORS].delete(target)
    app[KEY_CACHE].forget_owner(target)
