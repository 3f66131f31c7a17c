"""Finding the stored Follow an Accept, Reject or Undo refers to, and dropping it."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import FOLLOWS
from node.handlers.context import Inbound, local_actor_of, object_id
from node.storage import Follow

__all__ = ["drop_follow", "referenced_follow"]


async def referenced_follow(inbound: Inbound) -> Follow | None:
    """The Follow named by the activity's object: by its id, else by who follows whom.

    Only what we stored counts: an embedded Follow's content is not trusted as sent.
    """
    store = inbound.app[FOLLOWS]
    target = inbound.object_id
    follow = await store.by_follow_id(target) if target is not None else None
    obj = inbound.object
    if follow is None and isinstance(obj, dict):
        follower, followee = object_id(obj.get("actor")), object_id(obj.get("object"))
        if follower is not None and followee is not None:
            follow = await store.get(follower, followee)
    return follow


async def drop_follow(app: web.Application, follow: Follow) -> None:
    """Remove a follow relation and the local actors' followers/following listings of it."""
    follower = await local_actor_of(app, follow.follower_uri)
    followee = await local_actor_of(app, follow.followee_uri)
    await app[FOLLOWS].remove(
        follow,
        followee_local_id=followee.id if followee else None,
        follower_local_id=follower.id if follower else None,
    )
