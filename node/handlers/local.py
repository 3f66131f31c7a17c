"""Side effects of activities a local actor posts to its own outbox (C2S)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.accounts import now_iso
from node.appkeys import FOLLOWS
from node.handlers import follow as follow_handler
from node.handlers.context import Inbound, local_actor_of, object_id
from node.storage import ActorRecord

__all__ = ["on_local_activity"]


async def on_local_activity(
    app: web.Application, actor: ActorRecord, activity: dict[str, Any]
) -> None:
    """After the outbox stored ``activity``: record an outgoing Follow as pending, or undo it.

    The followee's Accept, arriving at our inbox, moves the Follow to 'following'.
    """
    kind = activity.get("type")
    target = object_id(activity.get("object"))
    if target is None:
        return
    if kind == "Follow":
        await app[FOLLOWS].put(actor.uri, target, activity["id"], "pending", now_iso())
        if await local_actor_of(app, target) is not None:
            # Delivery lists a local recipient's copy without a trip through the inbox,
            # so a local followee decides here.
            await follow_handler.handle(Inbound(app, activity, actor.uri, ()))
    elif kind == "Undo":
        follow = await app[FOLLOWS].by_follow_id(target)
        if follow is None and isinstance(activity["object"], dict):
            followee = object_id(activity["object"].get("object"))
            follow = await app[FOLLOWS].get(actor.uri, followee) if followee else None
        if follow is None or follow.follower_uri != actor.uri:
            return
        followee_actor = await local_actor_of(app, follow.followee_uri)
        await app[FOLLOWS].remove(
            follow,
            followee_local_id=followee_actor.id if followee_actor else None,
            follower_local_id=actor.id,
        )
