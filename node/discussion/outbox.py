"""A member's Note or Page posted to their outbox (C2S, or the web app posting for them).

* ``Create(Note)`` replying to a thread of a local pool (``inReplyTo`` a proposal, its Question,
  a discussion or a comment in one; or ``outcomeOf`` a closed proposal) is put in the thread at
  once: a refusal is the response, and nothing is stored. Replying to another server's thread,
  the pool it belongs to is addressed when this node knows it. Every Note's content is
  sanitised, and the actors its ``Mention`` tags name are addressed.
* ``Create(Page)`` whose ``audience`` is a local pool opens a discussion there; for another
  server's pool it is addressed to that pool, which opens it.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from node.appkeys import ACTORS, CONFIG, DB, OBJECTS
from node.discussion.comments import add_comment, reply_target
from node.discussion.content import MAX_HTML_CHARS, sanitize
from node.discussion.discussions import DISCUSSION_TYPES, draft_pool, open_discussion
from node.discussion.documents import addressing
from node.discussion.mentions import check_mentions, mentioned_actors
from node.discussion.threads import target_of
from node.errors import InvalidRequest
from node.outbox import PreparedActivity
from node.pools import load_bylaws
from node.storage import ActorRecord, RemoteResultStore

__all__ = ["discussion_outbox"]


def _addressed(holder: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for field in ("to", "cc", "audience"):
        value = holder.get(field)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                found.add(item)
    return found


def _add_cc(obj: dict[str, Any], activity: dict[str, Any], uris: list[str]) -> None:
    """Add ``uris`` to the object's and the activity's ``cc`` unless they are addressed."""
    for holder in (obj, activity):
        missing = [u for u in uris if u not in _addressed(holder)]
        if missing:
            cc = holder.get("cc")
            holder["cc"] = [*(cc if isinstance(cc, list) else [cc] if isinstance(cc, str) else []), *missing]


async def _remote_audience(app: web.Application, uri: str) -> str | None:
    """The pool (or author) of another server's object we hold, to address a reply to it: a
    remote pool's proposal (or its Question) we keep as a member, or any object received."""
    kept = await RemoteResultStore(app[DB]).get(uri.removesuffix("/question"))
    if kept is not None:
        return kept.pool_uri
    stored = await app[OBJECTS].get(uri)
    if stored is None:
        return None
    document = stored.document
    for key in ("audience", "pool", "attributedTo"):
        value = document.get(key)
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            return value
    return None


async def discussion_outbox(app: web.Application, owner: ActorRecord,
                            prepared: PreparedActivity) -> PreparedActivity:
    """Apply a Note to a local thread or a Page to a local pool before the outbox stores it."""
    obj = prepared.created_object
    if prepared.activity.get("type") != "Create" or obj is None:
        return prepared
    kind = obj.get("type")
    if kind not in ("Note", *DISCUSSION_TYPES):
        return prepared
    obj, activity = dict(obj), dict(prepared.activity)
    check_mentions(obj)  # wherever it goes: each Mention is a delivery and a notification
    content = obj.get("content")
    if isinstance(content, str):
        if len(content) > MAX_HTML_CHARS:
            raise InvalidRequest(f"the content is at most {MAX_HTML_CHARS} characters of HTML")
        obj["content"] = sanitize(content)
    now = datetime.now(UTC)
    if kind == "Note":
        await _note(app, owner, obj, activity, now)
    else:
        pool = draft_pool(obj)
        if pool is not None:
            _add_cc(obj, activity, [pool])
            local = await app[ACTORS].by_uri(pool)
            if local is not None and local.is_pool:
                await open_discussion(app, obj, owner.uri, now)
    activity["object"] = obj
    return dataclasses.replace(prepared, activity=activity, created_object=obj)


async def _note(app: web.Application, owner: ActorRecord, obj: dict[str, Any],
                activity: dict[str, Any], now: datetime) -> None:
    if isinstance(obj.get("outcomeOf"), str):
        obj["inReplyTo"] = obj["outcomeOf"]  # an outcome statement answers its proposal
    mentioned = list(mentioned_actors(obj))
    target_uri = reply_target(obj)
    target = await target_of(app, target_uri) if target_uri else None
    if target is not None:
        pool = target.thread.pool
        if "to" not in obj:  # unaddressed: the thread's own readers
            public = (await load_bylaws(app[ACTORS], pool)).visibility.value == "public"
            obj["to"] = activity["to"] = addressing(pool.uri, public=public)["to"]
        _add_cc(obj, activity, [pool.uri, *mentioned])
        await add_comment(app, obj, owner.uri, now)
        return
    if "outcomeOf" in obj and str(obj["outcomeOf"]).startswith(app[CONFIG].base_url + "/"):
        await add_comment(app, obj, owner.uri, now)  # no such proposal here: refused with why
    audience = await _remote_audience(app, target_uri) if target_uri else None
    _add_cc(obj, activity, [a for a in (audience, *mentioned) if a])
