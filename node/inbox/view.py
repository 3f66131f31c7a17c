"""POST to an inbox (ActivityPub §7): check, verify, persist, answer 202.

Nothing here has side effects beyond one row in the inbox queue: the worker applies
the activity later. Order of checks: the client address's rate limit (429), size (the
app's client_max_size, 413), JSON shape (400), HTTP signature (401), the sender's rate
limit (429), origin rules (403), then deduplication by activity id (a duplicate is answered
202 and stores nothing). An activity whose signer is not its actor was forwarded (§7.1.2):
it is kept only on its actor's word, a proof or its origin's copy (node/inbox/forwarded.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from federation.errors import ForbiddenOrigin
from node.activitypub import read_json_object
from node.appkeys import CONFIG, DELIVERY, INBOX, INBOX_LIMITS, INBOX_WRITER, RECEIVED
from node.client_address import client_address
from node.delivery import mark_host_alive
from node.inbox.forwarded import accept_forwarded
from node.inbox.origin import check_origins, check_shape, object_id
from node.inbox.verify import verify_signer
from node.storage import ActorRecord, InboxRow
from node.views.actors import ACTOR_PATHS, local_actor

__all__ = ["routes"]

routes = web.RouteTableDef()


async def _check_stored_owner(request: web.Request, activity: dict[str, Any]) -> None:
    """Update/Delete of an object we hold: its stored owner must be the actor."""
    target = object_id(activity.get("object"))
    if target is None or target == activity["actor"]:
        return
    stored = await request.app[RECEIVED].owner_of(target)
    if stored is not None and (stored[1] or stored[0] != activity["actor"]):
        raise ForbiddenOrigin(f"only the object's owner may {activity['type'].lower()} it")


async def _host_is_alive(app: web.Application, actor: str) -> None:
    """A verified activity proves its host is up: reopen delivery to it if we had given up.

    Only a set lookup per request; the delivery queue writes the change in its next batch.
    """
    queue = app.get(DELIVERY)
    if queue is None:
        return
    host = actor.split("/", 3)[2].rpartition("@")[2].lower()
    if queue.needs_revival(host):
        await mark_host_alive(app, host)


def _check_address(request: web.Request) -> None:
    """The first check of every inbox POST: one dictionary lookup, before any other work."""
    request.app[INBOX_LIMITS].check_address(client_address(request, request.app[CONFIG]))


async def _receive(request: web.Request, recipient: ActorRecord | None) -> web.Response:
    received = await read_json_object(request)
    body = await request.read()  # cached by aiohttp: the exact bytes the digest covers
    activity = check_shape(received)
    signer = await verify_signer(request, body)
    request.app[INBOX_LIMITS].check_sender(signer)
    await _host_is_alive(request.app, signer)
    checked = check_origins(activity)
    if checked["type"] in ("Update", "Delete"):
        await _check_stored_owner(request, checked)
    writer = request.app[INBOX_WRITER]
    if checked["id"] in writer.recent:
        return web.Response(status=202)
    if signer != activity["actor"]:
        # Forwarded: one check at the origin per activity, so a copy already kept ends here.
        if await request.app[INBOX].by_activity_id(checked["id"]) is not None:
            return web.Response(status=202)
        kept = await accept_forwarded(request.app, received, checked, signer, recipient)
        checked = kept if kept is checked else check_origins(check_shape(kept))
    document = body.decode("utf-8") if checked is received else json.dumps(
        checked, separators=(",", ":"), ensure_ascii=False
    )
    await writer.submit(
        InboxRow(
            activity_id=checked["id"],
            activity_type=checked["type"],
            actor_uri=checked["actor"],
            recipient_id=recipient.id if recipient is not None else None,
            document=document,
            received_at=int(time.time() * 1000),
        )
    )
    return web.Response(status=202)


def _actor_inbox(kind_path: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def post_actor_inbox(request: web.Request) -> web.Response:
        """An actor's own inbox: 404 for an unknown actor, then as the shared inbox."""
        _check_address(request)
        actor = await local_actor(request, kind_path)
        return await _receive(request, actor)

    return post_actor_inbox


# One route per kind of actor, the kind spelled out: aiohttp looks a path up among the routes
# that share its text up to their first variable, so "/pools/{name}/inbox" is among the first
# few under "/pools", where "/{kind}/{name}/inbox" came after the 70 web and collection
# routes under "/pools", each matched first (about 30 us of every POST to a pool's inbox).
for _kind, _path in ACTOR_PATHS.items():
    routes.post(_path + "/inbox")(_actor_inbox(_kind))


@routes.post("/inbox")
async def post_shared_inbox(request: web.Request) -> web.Response:
    """The node's shared inbox (ActivityPub §7.1.3): recipients come from the addressing."""
    _check_address(request)
    return await _receive(request, None)

