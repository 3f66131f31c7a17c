"""Objects and activities created on this node, by their ids."""

from __future__ import annotations

from aiohttp import web

from node.activitypub import activity_response
from node.appkeys import CONFIG, OBJECTS
from node.errors import NotFound

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get(r"/{what:objects|activities}/{key:[0-9a-f-]{36}}")
async def get_object(request: web.Request) -> web.Response:
    """A local object or activity document."""
    uri = request.app[CONFIG].url(request.path)
    stored = await request.app[OBJECTS].get(uri)
    if stored is None or not stored.local:
        raise NotFound("no such object on this node")
    return activity_response(request, stored.document)
