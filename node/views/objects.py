"""Objects and activities created on this node, by their ids, served to those addressed.

Who may read which object is node/access.py's rule; anyone else gets the same 404 as for an
id that does not exist, so a private object's existence is not revealed.
"""

from __future__ import annotations

from aiohttp import web

from node.access import may_read_object, reader_of
from node.activitypub import activity_response
from node.appkeys import CONFIG, OBJECTS
from node.delivery.recipients import without_private_addressing
from node.discussion.hidden import as_served
from node.errors import NotFound

__all__ = ["routes"]

routes = web.RouteTableDef()

_NOT_FOUND = "no such object on this node"


@routes.get(r"/{what:objects|activities}/{key:[0-9a-f-]{36}}")
async def get_object(request: web.Request) -> web.Response:
    """A local object or activity document, to a reader it is addressed to (else 404)."""
    reader = await reader_of(request)  # before the lookup: a 401 must not tell what exists
    uri = request.app[CONFIG].url(request.path)
    stored = await request.app[OBJECTS].get(uri)
    if stored is None or not stored.local or not await may_read_object(request.app, stored, reader):
        raise NotFound(_NOT_FOUND)
    # A deleted object is a Tombstone, answered with 410 Gone (ActivityPub §6.4); a comment a
    # steward hid is served as its Tombstone with the reason (node/discussion/hidden.py).
    status = 410 if stored.type == "Tombstone" else 200
    document = await as_served(request.app, stored.document, reader.uris)
    return activity_response(request, without_private_addressing(document), status=status)
