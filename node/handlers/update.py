"""Update: an actor changes its own profile or keys, or one of its objects (§7.3)."""

from __future__ import annotations

import time

from federation.errors import FetchError
from node.appkeys import RECEIVED, REMOTE_ACTORS
from node.handlers import thread_changes
from node.handlers.context import Inbound
from node.inbox.verify import forget_actor_keys
from node.remote import actor_from_document

__all__ = ["handle"]


async def handle(inbound: Inbound) -> None:
    """Replace what we hold; the inbox has checked that the actor owns the object."""
    obj = inbound.object
    if not isinstance(obj, dict):
        return  # by reference only: nothing to replace it with
    app = inbound.app
    if inbound.object_id == inbound.actor:
        try:
            actor = actor_from_document(obj, int(time.time() * 1000))
        except FetchError:
            return  # not a usable actor document: keep the cached one
        await app[REMOTE_ACTORS].put(actor)
        await forget_actor_keys(app, actor.uri)
        return
    if isinstance(obj.get("id"), str):
        await thread_changes.updated(inbound, obj)
    if not inbound.refused:  # a change a thread refused is not kept anywhere
        await app[RECEIVED].replace_remote(obj)
