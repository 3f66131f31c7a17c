"""Posting comments and discussions through a member's outbox, and reading threads back."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from governance import OutsideReplies
from node.appkeys import ACTORS, OBJECTS
from node.discussion import discussions
from node.pools import load_bylaws
from node.storage import StoredComment
from tests.node.pools.helpers import POOL, get, post

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def comment(client: Any, user: str, token: str, in_reply_to: str, text: str = "<p>I agree</p>",
                  status: int = 201, **extra: Any) -> dict[str, Any]:
    """A member's Note replying to ``in_reply_to``; the Create activity the outbox answered."""
    resp = await post(client, user, token, {"type": "Note", "content": text,
                                            "inReplyTo": in_reply_to, **extra})
    body = await resp.json(content_type=None)
    assert resp.status == status, body
    return dict(body)


async def replies(client: Any, thread: str) -> list[dict[str, Any]]:
    """Every item of a thread's replies collection, newest first."""
    collection = await get(client, thread + "/replies")
    items: list[dict[str, Any]] = []
    page: str | None = collection["first"]
    while page:
        body = await get(client, page)
        items += body["orderedItems"]
        page = body.get("next")
    assert len(items) == collection["totalItems"]
    return items


async def stored(client: Any, uri: str) -> StoredComment | None:
    return await discussions(client.app).comment(uri)


async def pool_outbox(client: Any) -> list[dict[str, Any]]:
    """The pool's activities, newest first."""
    pool = await client.app[ACTORS].get("commons", "pool")
    page = await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=200)
    documents = await client.app[OBJECTS].documents(page.items)
    return [documents[uri] for uri in page.items]


async def announced(client: Any, uri: str) -> list[dict[str, Any]]:
    """The pool's Announces whose object is (or updates or deletes) ``uri``."""
    found = []
    for activity in await pool_outbox(client):
        obj = activity.get("object")
        if activity["type"] != "Announce" or not isinstance(obj, dict):
            continue
        inner = obj.get("object")
        if obj.get("id") == uri or inner == uri or (isinstance(inner, dict) and inner.get("id") == uri):
            found.append(activity)
    return found


async def set_outside_replies(client: Any, policy: OutsideReplies) -> None:
    actors = client.app[ACTORS]
    pool = await actors.get("commons", "pool")
    bylaws = dataclasses.replace(await load_bylaws(actors, pool), outside_replies=policy)
    await actors.set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))


async def start_discussion(client: Any, user: str, token: str, title: str = "Which tools first?",
                           text: str = "<p>A drill, or a saw?</p>", status: int = 201) -> dict[str, Any]:
    resp = await post(client, user, token, {"type": "Page", "name": title, "content": text,
                                            "audience": POOL})
    body = await resp.json(content_type=None)
    assert resp.status == status, body
    return dict(body)


async def discussion_list(client: Any) -> list[dict[str, Any]]:
    return list((await get(client, "/pools/commons/discussions?page=true"))["orderedItems"])
