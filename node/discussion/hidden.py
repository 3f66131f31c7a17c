"""A comment a steward hid is kept, not served: wherever this node serves it (the Note's id, an
activity embedding it, an outbox page), it is the same ``Tombstone`` its thread's ``replies``
collection lists, with the reason as ``summary``. Its author and the pool's stewards, who see it
on the thread's page, still read it at its id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from node.appkeys import ACTORS
from node.discussion.documents import reply_item
from node.discussion.threads import discussions
from node.pool_engine.common import store
from node.storage import StoredComment

__all__ = ["as_served"]

_EMBEDDING = frozenset({"Create", "Update", "Announce"})


async def _may_see(app: web.Application, comment: StoredComment, readers: frozenset[str]) -> bool:
    if comment.author_uri in readers:
        return True
    pool = await app[ACTORS].by_id(comment.pool_id)
    for reader in readers:
        membership = await store(app).membership(pool.id, reader) if pool is not None else None
        if membership is not None and membership.state == "member" and "steward" in membership.roles:
            return True
    return False


async def _stand_in(app: web.Application, uri: object, readers: frozenset[str]) -> dict[str, Any] | None:
    """The Tombstone served for the hidden comment ``uri`` to these readers; None to serve it."""
    if not isinstance(uri, str):
        return None
    comment = await discussions(app).comment(uri)
    if comment is None or comment.hidden_at is None or comment.deleted_at is not None:
        return None
    if await _may_see(app, comment, readers):
        return None
    return reply_item(comment.document, hidden_reason=comment.hidden_reason, deleted_at=None,
                      hidden_at=comment.hidden_at)


async def as_served(app: web.Application, document: dict[str, Any],
                    readers: Iterable[str] = ()) -> dict[str, Any]:
    """``document`` as served to ``readers``: a hidden comment, or an activity embedding one
    (a Create, an Update, the pool's Announce of either), with the Tombstone in its place."""
    who = frozenset(readers)
    if document.get("type") == "Note":
        return await _stand_in(app, document.get("id"), who) or document
    if document.get("type") not in _EMBEDDING or not isinstance(document.get("object"), dict):
        return document
    return {**document, "object": await as_served(app, document["object"], who)}
