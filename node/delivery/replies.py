"""Replies a local actor sends while processing (Accept, Reject): stored, then delivered."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.accounts import now_iso
from node.appkeys import CONFIG, OBJECTS
from node.documents import AS_CONTEXT
from node.storage import ActorRecord
from node.urls import new_object_uri

__all__ = ["reply"]


async def reply(
    app: web.Application, sender: ActorRecord, kind: str, obj: Any, to: str,
    *, summary: str | None = None,
) -> dict[str, Any]:
    """Store ``{kind} obj`` in the sender's outbox and enqueue it for ``to`` (``summary``: why)."""
    published = now_iso()
    activity: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": new_object_uri(app[CONFIG], "activities"),
        "type": kind,
        "actor": sender.uri,
        "object": obj,
        "to": [to],
        "published": published,
    }
    if summary:
        activity["summary"] = summary
    await app[OBJECTS].put_local_activity(sender.id, activity, None, published)
    # Looked up when called, through the package: its ``enqueue_activity`` is the one seam
    # (tests replace it there).
    from node import delivery

    await delivery.enqueue_activity(app, sender, activity, [to])
    return activity
