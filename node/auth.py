"""Bearer-token authentication for the client-to-server API."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import ACTORS, TOKENS
from node.errors import Forbidden, Unauthorized
from node.storage import ActorRecord

__all__ = ["SIGNED_IN", "authenticated_actor", "require_owner", "signed_in"]

SIGNED_IN: web.RequestKey[ActorRecord | None] = web.RequestKey("web_user")
"""The member signed in to the web app on this request (set by node.web.sessions)."""


def signed_in(request: web.Request) -> ActorRecord | None:
    """The web app's signed-in member of this request, or None."""
    return request.get(SIGNED_IN)


async def authenticated_actor(request: web.Request) -> ActorRecord:
    """The local actor whose token authorises this request; 401 when there is none."""
    header = request.headers.get("Authorization")
    if not header:
        raise Unauthorized("authentication required: send 'Authorization: Bearer <token>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    actor_id = await request.app[TOKENS].actor_for(token.strip())
    if actor_id is None:
        raise Unauthorized("the token is not valid (unknown or revoked)")
    actor = await request.app[ACTORS].by_id(actor_id)
    if actor is None:
        raise Unauthorized("the token's account no longer exists")
    return actor


async def require_owner(request: web.Request, owner: ActorRecord) -> ActorRecord:
    """The authenticated actor, which must be ``owner``; 401 without a token, 403 for another."""
    actor = await authenticated_actor(request)
    if actor.id != owner.id:
        raise Forbidden(f"this belongs to {owner.username}; your token is for {actor.username}")
    return actor
