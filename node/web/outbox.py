"""Acting as a signed-in member: the web posts to the member's outbox like any C2S client."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import CONFIG, OBJECTS
from node.c2s import governance_outbox
from node.delivery import enqueue_activity
from node.delivery.recipients import addressed
from node.handlers import on_local_activity
from node.outbox import prepare_client_activity
from node.storage import ActorRecord

__all__ = ["post_as"]


async def post_as(app: web.Application, member: ActorRecord, body: dict[str, Any]) -> dict[str, Any]:
    """Post ``body`` to ``member``'s outbox (the same steps as POST /users/NAME/outbox)."""
    prepared = prepare_client_activity(app[CONFIG], member, body)
    prepared = await governance_outbox(app, member, body, prepared)
    await app[OBJECTS].put_local_activity(
        member.id, prepared.activity, prepared.created_object, prepared.published,
        private_recipients=prepared.private_recipients,
    )
    recipients = addressed(prepared.activity) + list(prepared.private_recipients)
    await enqueue_activity(app, member, prepared.activity, recipients)
    await on_local_activity(app, member, prepared.activity)
    activity: dict[str, Any] = prepared.activity
    return activity
