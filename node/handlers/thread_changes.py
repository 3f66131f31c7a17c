"""Update and Delete of a comment or a discussion draft by its remote author (node/discussion).

The inbox has checked the actor owns the object (its origin, ``attributedTo``, and the stored
owner); here the thread checks it is the comment's author, applies the change and has the pool
relay it. A refusal (not the author, deleted already, content too long) is a ``Reject``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from node.appkeys import ACTORS
from node.discussion import (
    DISCUSSION_TYPES,
    delete_comment,
    delete_discussion,
    discussions,
    edit_comment,
    edit_discussion,
)
from node.handlers.context import Inbound
from node.handlers.refusals import refusing

__all__ = ["deleted", "updated"]


async def _pool_of(inbound: Inbound, uri: str) -> Any:
    store = discussions(inbound.app)
    comment = await store.comment(uri)
    found = comment or await store.discussion_by_source(uri)
    return await inbound.app[ACTORS].by_id(found.pool_id) if found is not None else None


async def updated(inbound: Inbound, obj: dict[str, Any]) -> None:
    """A new version of a comment or a discussion draft held in a local thread."""
    pool = await _pool_of(inbound, obj["id"])
    if pool is None:
        return
    now = datetime.now(UTC)
    if obj.get("type") in DISCUSSION_TYPES:
        await refusing(inbound, pool, lambda: edit_discussion(inbound.app, inbound.actor, obj, now))
    else:
        await refusing(inbound, pool, lambda: edit_comment(
            inbound.app, inbound.actor, obj, inbound.activity, now))


async def deleted(inbound: Inbound, uri: str) -> None:
    """A comment (a Tombstone stays) or a discussion draft (the discussion goes) deleted."""
    pool = await _pool_of(inbound, uri)
    if pool is None:
        return
    now = datetime.now(UTC)
    if await discussions(inbound.app).comment(uri) is not None:
        await refusing(inbound, pool, lambda: delete_comment(
            inbound.app, inbound.actor, uri, inbound.activity, now))
    else:
        await refusing(inbound, pool, lambda: delete_discussion(inbound.app, inbound.actor, uri, now))
