"""Which local thread a Note belongs in: what its ``inReplyTo`` (or ``outcomeOf``) names.

A thread is a local pool's proposal (named by its id or its Question's) or discussion. A reply
to a comment in a thread joins that thread, under the comment's top-level comment (one level
of nesting). Anything else is not a thread of this node.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from governance.discussion import top_level
from node.appkeys import ACTORS, CONFIG, DB
from node.pool_engine.common import store
from node.storage import ActorRecord, DiscussionStore, StoredComment

__all__ = ["Target", "Thread", "discussions", "target_of", "thread_of"]


def discussions(app: web.Application) -> DiscussionStore:
    """The discussion queries over the app's database (stateless, so built on demand)."""
    return DiscussionStore(app[DB])


@dataclass(frozen=True, slots=True)
class Thread:
    """A local thread: the pool it is in, the proposal's or discussion's id, and which it is."""

    pool: ActorRecord
    uri: str
    kind: str  # "proposal" or "discussion"
    closed: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """Where a reply goes: its thread, and the top-level comment it hangs under (if any)."""

    thread: Thread
    parent: StoredComment | None
    replied: StoredComment | None


async def thread_of(app: web.Application, uri: str) -> Thread | None:
    """The local thread with this id (a proposal, its Question, or a live discussion), or None."""
    if not uri.startswith(app[CONFIG].base_url + "/pools/"):
        return None
    uri = uri.removesuffix("/question")
    if "/proposals/" in uri:
        head = await store(app).proposal_head(uri)
        if head is None:
            return None
        pool = await app[ACTORS].by_id(head.pool_id)
        return Thread(pool, head.uri, "proposal", head.state == "closed") if pool else None
    if "/discussions/" in uri:
        found = await discussions(app).discussion(uri)
        if found is None or found.deleted_at is not None:
            return None
        pool = await app[ACTORS].by_id(found.pool_id)
        return Thread(pool, found.uri, "discussion") if pool else None
    return None


async def target_of(app: web.Application, in_reply_to: str) -> Target | None:
    """Where a Note replying to ``in_reply_to`` goes, or None if that is no local thread."""
    replied = await discussions(app).comment(in_reply_to)
    if replied is None:
        thread = await thread_of(app, in_reply_to)
        return Target(thread, None, None) if thread is not None else None
    thread = await thread_of(app, replied.thread_uri)
    if thread is None:
        return None
    top = top_level(replied.id, replied.parent_id)
    parent = replied if top == replied.id else await discussions(app).comment_by_row(top)
    return Target(thread, parent or replied, replied)
