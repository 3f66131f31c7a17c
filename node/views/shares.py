"""A pool's share register as JSON for clients: members only (docs/PROTOCOL.md, "The share
register")."""

from __future__ import annotations

from aiohttp import web

from node.access import reader_of
from node.activitypub import activity_response
from node.appkeys import ACTORS
from node.errors import Forbidden, NotFound
from node.pool_engine.common import store
from node.pool_engine.shares import owing, register_of
from node.pools import load_bylaws
from node.wire.shares import share_register_document

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get(r"/pools/{name:[a-z0-9_]+}/shares")
async def get_share_register(request: web.Request) -> web.Response:
    """The pool's ShareRegister, for a member of the pool (a token, a session or a signed GET)."""
    pool = await request.app[ACTORS].by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(f"no pool named {request.match_info['name']!r}")
    reader = await reader_of(request)
    rows = [await store(request.app).membership(pool.id, uri) for uri in reader.uris]
    if not any(row is not None and row.state == "member" for row in rows):
        raise Forbidden("only a member of this pool reads its share register")
    register = await register_of(request.app, pool)
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    document = share_register_document(register, bylaws, pool.uri,
                                       await owing(request.app, pool, bylaws, register))
    return activity_response(request, document)
