"""A pool's discussions and every thread's ``replies`` collection, as ActivityStreams documents.

They are part of the pool's record: readable as its bylaws' ``visibility`` says, like proposals.
"""

from __future__ import annotations

from aiohttp import web

from node.access import require_record_reader
from node.activitypub import activity_response
from node.appkeys import ACTORS
from node.discussion import discussions
from node.discussion.documents import reply_item
from node.documents import collection_document
from node.errors import NotFound
from node.pool_engine.common import store
from node.storage import ActorRecord, StoredComment
from node.views.paging import keyset_page, wants_page

__all__ = ["routes"]

routes = web.RouteTableDef()

POOL = r"/pools/{name:[a-z0-9_]+}"
KEY = r"{key:[0-9a-f-]{36}}"


async def _pool(request: web.Request) -> ActorRecord:
    pool = await request.app[ACTORS].by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(f"no pool named {request.match_info['name']!r}")
    await require_record_reader(request, pool)
    return pool


def _item(comment: StoredComment) -> object:
    return reply_item(comment.document, hidden_reason=comment.hidden_reason,
                      deleted_at=comment.deleted_at, hidden_at=comment.hidden_at)


async def _replies(request: web.Request, thread_uri: str) -> web.Response:
    collection_id = thread_uri + "/replies"
    threads = discussions(request.app)
    if not wants_page(request):
        return activity_response(request, collection_document(
            collection_id, await threads.count_thread(thread_uri)))
    return await keyset_page(
        request, collection_id,
        lambda limit, before: threads.replies_page(thread_uri, limit=limit, before=before),
        item=_item, cursor=lambda c: c.id)


@routes.get(POOL + "/discussions")
async def get_discussions(request: web.Request) -> web.Response:
    """The pool's discussions, newest first, as the pool's Page documents."""
    pool = await _pool(request)
    threads = discussions(request.app)
    collection_id = pool.uri + "/discussions"
    if not wants_page(request):
        return activity_response(request, collection_document(
            collection_id, await threads.count_discussions(pool.id)))
    return await keyset_page(
        request, collection_id,
        lambda limit, before: threads.discussions_of_pool(pool.id, limit=limit, before=before),
        item=lambda d: d.document, cursor=lambda d: d.id)


@routes.get(POOL + "/discussions/" + KEY)
async def get_discussion(request: web.Request) -> web.Response:
    """One discussion's Page (a Tombstone, 410, once its author deleted it)."""
    pool = await _pool(request)
    found = await discussions(request.app).discussion(f"{pool.uri}/discussions/{request.match_info['key']}")
    if found is None:
        raise NotFound("no such discussion")
    return activity_response(request, found.document, status=410 if found.deleted_at else 200)


@routes.get(POOL + "/discussions/" + KEY + "/replies")
async def get_discussion_replies(request: web.Request) -> web.Response:
    """A discussion's comments, newest first (paged)."""
    pool = await _pool(request)
    uri = f"{pool.uri}/discussions/{request.match_info['key']}"
    if await discussions(request.app).discussion(uri) is None:
        raise NotFound("no such discussion")
    return await _replies(request, uri)


@routes.get(POOL + "/proposals/" + KEY + "/replies")
async def get_proposal_replies(request: web.Request) -> web.Response:
    """A proposal's comments and outcome statement, newest first (paged)."""
    pool = await _pool(request)
    uri = f"{pool.uri}/proposals/{request.match_info['key']}"
    if await store(request.app).proposal_row_id(uri) is None:
        raise NotFound("no such proposal")
    return await _replies(request, uri)
