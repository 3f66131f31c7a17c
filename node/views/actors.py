"""Actor documents and their collections: outbox, inbox (owner only), followers, members."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from governance import render_bylaws
from node.access import reader_of, require_record_reader
from node.activitypub import activity_response
from node.appkeys import ACTORS, CONFIG, OBJECTS
from node.auth import require_owner
from node.delivery.recipients import without_private_addressing
from node.discussion.hidden import as_served
from node.documents import (
    actor_document,
    collection_document,
    collection_page_document,
)
from node.errors import NotFound
from node.pools import bylaws_document, load_bylaws
from node.storage import ActorRecord
from node.views.paging import keyset_page, page_cursor, wants_page

__all__ = ["ACTOR_PATH", "ACTOR_PATHS", "local_actor", "routes"]

routes = web.RouteTableDef()

_KIND_OF_PATH = {"pools": "pool", "users": "member"}
ACTOR_PATH = r"/{kind:pools|users}/{name:[a-z0-9_]+}"
ACTOR_PATHS = {kind: rf"/{kind}/{{name:[a-z0-9_]+}}" for kind in _KIND_OF_PATH}
"""ACTOR_PATH with its kind spelled out, one per kind (see ``local_actor``)."""
# Collections whose items are embedded as full documents rather than listed by id.
_EMBEDDED = {"outbox", "inbox"}


async def local_actor(request: web.Request, kind_path: str | None = None) -> ActorRecord:
    """The local actor named by the route, or 404: by its ``kind`` and ``name``, or by
    ``kind_path`` ("pools", "users") for a route of ``ACTOR_PATHS``, which spells it out."""
    kind = _KIND_OF_PATH[kind_path if kind_path is not None else request.match_info["kind"]]
    actor = await request.app[ACTORS].by_username(request.match_info["name"], kind)
    if actor is None:
        raise NotFound(f"no {'pool' if kind == 'pool' else 'member'} named {request.match_info['name']!r}")
    return actor


@routes.get(ACTOR_PATH)
async def get_actor(request: web.Request) -> web.Response:
    """The actor document (Group or Person)."""
    actor = await local_actor(request)
    return activity_response(request, actor_document(request.app[CONFIG], actor))


async def _collection(
    request: web.Request, actor: ActorRecord, name: str, *, public_only: bool = False,
    readers: frozenset[str] = frozenset(),
) -> web.Response:
    objects = request.app[OBJECTS]
    collection_id = f"{actor.uri}/{name}"
    if not wants_page(request):
        total = await objects.collection_size(actor.id, name, public_only=public_only)
        return activity_response(request, collection_document(collection_id, total))
    before = page_cursor(request)
    page = await objects.collection_page(
        actor.id, name, before=before, limit=request.app[CONFIG].page_size, public_only=public_only
    )
    items: list[Any] = page.items
    if name in _EMBEDDED:
        documents = await objects.documents(page.items)
        items = [without_private_addressing(await as_served(request.app, documents[uri], readers))
                 if uri in documents else uri for uri in page.items]
    return activity_response(
        request,
        collection_page_document(collection_id, items, before=before, next_before=page.next_before),
    )


@routes.get(ACTOR_PATH + "/outbox")
async def get_outbox(request: web.Request) -> web.Response:
    """The actor's outbox, newest first: everything to its owner, public activities to others."""
    actor = await local_actor(request)
    reader = await reader_of(request)
    return await _collection(request, actor, "outbox", public_only=actor.uri not in reader.uris,
                             readers=reader.uris)


@routes.get(ACTOR_PATH + "/inbox")
async def get_inbox(request: web.Request) -> web.Response:
    """The actor's inbox, readable by its owner only (401 without a token, 403 for another)."""
    actor = await local_actor(request)
    await require_owner(request, actor)
    return await _collection(request, actor, "inbox", readers=frozenset({actor.uri}))


@routes.get(ACTOR_PATH + "/followers")
async def get_followers(request: web.Request) -> web.Response:
    """Accepted followers, newest first."""
    return await _collection(request, await local_actor(request), "followers")


@routes.get(ACTOR_PATH + "/following")
async def get_following(request: web.Request) -> web.Response:
    """Actors this actor follows (accepted), newest first."""
    return await _collection(request, await local_actor(request), "following")


@routes.get(r"/pools/{name:[a-z0-9_]+}/members")
async def get_members(request: web.Request) -> web.Response:
    """A pool's members as an OrderedCollection of actor ids, newest first."""
    actors = request.app[ACTORS]
    pool = await actors.by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(f"no pool named {request.match_info['name']!r}")
    await require_record_reader(request, pool)
    collection_id = pool.uri + "/members"
    if not wants_page(request):
        total = await actors.count_members(pool.id)
        return activity_response(request, collection_document(collection_id, total))
    return await keyset_page(
        request, collection_id,
        lambda limit, before: actors.memberships_of_pool(pool.id, limit=limit, before=before),
        item=lambda m: m.person_uri, cursor=lambda m: m.id)


@routes.get(r"/pools/{name:[a-z0-9_]+}/bylaws")
async def get_bylaws(request: web.Request) -> web.StreamResponse:
    """A pool's bylaws: an ActivityStreams object, or the Markdown agreement for text clients."""
    actors = request.app[ACTORS]
    pool = await actors.by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(f"no pool named {request.match_info['name']!r}")
    bylaws = await load_bylaws(actors, pool)
    accept = request.headers.get("Accept", "")
    if request.query.get("format") == "md" or accept.startswith(("text/markdown", "text/plain")):
        return web.Response(
            text=render_bylaws(bylaws), content_type="text/markdown", charset="utf-8"
        )
    return activity_response(request, bylaws_document(request.app[CONFIG], pool, bylaws))
