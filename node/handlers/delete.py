"""Delete: an actor removes one of its objects, or itself (ActivityPub §7.4)."""

from __future__ import annotations

from node.appkeys import FOLLOWS, RECEIVED, REMOTE_ACTORS
from node.handlers import thread_changes
from node.handlers.context import Inbound
from node.handlers.follows import drop_follow
from node.inbox.verify import forget_actor_keys

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
        await thread_changes.deleted(inbound, target)
        return
    for follow in await app[FOLLOWS].of_actor(target):
        await drop_follow(app, follow)
    await app[REMOTE_ACTORS].delete(target)
    await forget_actor_keys(app, target)
