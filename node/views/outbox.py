"""Client-to-server posting to an actor's outbox (ActivityPub §6)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.activitypub import read_json_object
from node.appkeys import CONFIG, OBJECTS
from node.auth import require_owner
from node.c2s import governance_outbox
from node.delivery import enqueue_activity
from node.delivery.recipients import addressed
from node.handlers import on_local_activity
from node.idempotency import idempotency_key, once_per_key
from node.outbox import prepare_client_activity
from node.storage import ActorRecord
from node.views.actors import ACTOR_PATH, local_actor

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.post(ACTOR_PATH + "/outbox")
async def post_outbox(request: web.Request) -> web.Response:
    """Store the client's activity (a bare object is wrapped in a Create, §6.2); 201 + Location.

    With an ``Idempotency-Key`` header a retry gets the first response (node/idempotency.py).
    """
    owner = await local_actor(request)
    await require_owner(request, owner)
    key = idempotency_key(request)
    if key is None:
        return await _post(request, owner)
    return await once_per_key(request, owner.id, key, lambda: _post(request, owner))


async def _post(request: web.Request, owner: ActorRecord) -> web.Response:
    body = await read_json_object(request)
    prepared = prepare_client_activity(request.app[CONFIG], owner, body)
    # Governance objects are signed with the member's key, and a local pool applies them now.
    prepared = await governance_outbox(request.app, owner, body, prepared)
    await request.app[OBJECTS].put_local_activity(
        owner.id, prepared.activity, prepared.created_object, prepared.published,
        private_recipients=prepared.private_recipients,
    )
    # bto/bcc were taken out of the stored activity; they still name recipients.
    recipients = addressed(prepared.activity) + list(prepared.private_recipients)
    await enqueue_activity(request.app, owner, prepared.activity, recipients)
    await on_local_activity(request.app, owner, prepared.activity)
    headers = {"Location": prepared.activity["id"]}
    document: dict[str, Any] = prepared.activity
    return web.json_response(document, status=201, headers=headers, content_type="application/activity+json")
