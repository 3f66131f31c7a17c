"""Inbox forwarding (ActivityPub §7.1.2): a received reply addressed to a collection of ours.

The origin server cannot expand our followers or members collections, so when an activity
arrives for the first time (the inbox keeps each activity id once), was not refused by its
handler (the inbox worker does not call :func:`forward` then), is addressed (``to``, ``cc``,
``audience``) to a local actor's ``followers`` or a local pool's ``members``, and concerns an
object this node holds (its ``inReplyTo``, ``object``, ``target`` or ``tag`` names one, followed
through embedded objects and the comments of our threads, at most :data:`MAX_DEPTH` deep: an
object or activity of ours not deleted, a local actor, a pool's proposal, its Question or a live
discussion, or a comment in one of their threads; a URL that merely looks like ours is not one),
the collection's owner delivers the activity, unchanged, to the collection (not back to its
author), unless it blocks the author (§6.9; a pool's stewards' block, node/discussion/blocks.py).
A receiver cannot take a forwarded copy on the forwarder's word: poolnode's own inbox
keeps one only on its actor's proof or as its actor's origin serves it (node/inbox/forwarded.py).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from aiohttp import web

from node.appkeys import ACTORS, CONFIG, DELIVERY, OBJECTS
from node.delivery import enqueue_activity
from node.discussion.threads import discussions, thread_of
from node.pool_engine.common import member_uris
from node.storage import ActorRecord

__all__ = ["MAX_DEPTH", "forward"]

MAX_DEPTH = 3
_FORWARDED = frozenset({"Create", "Update", "Delete"})
_LINKS = ("inReplyTo", "object", "target", "tag")


def _ids(value: Any) -> list[str]:
    out: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for key in ("id", "href"):
                if isinstance(item.get(key), str):
                    out.append(item[key])
    return out[:50]


async def _held(app: web.Application, uri: str) -> bool:
    """Whether this node holds an object with the id ``uri`` (see the module docstring)."""
    comment = await discussions(app).comment(uri)
    if comment is not None:
        return comment.thread_uri.startswith(app[CONFIG].base_url + "/")
    if not uri.startswith(app[CONFIG].base_url + "/"):
        return False
    if await thread_of(app, uri) is not None or await app[ACTORS].by_uri(uri) is not None:
        return True
    stored = await app[OBJECTS].get(uri)
    return stored is not None and stored.local and stored.type != "Tombstone"


async def _ours(app: web.Application, value: Any, depth: int) -> bool:
    """Whether ``value`` (or what it links to, ``depth`` levels down) is an object of ours."""
    for uri in _ids(value):
        if await _held(app, uri):
            return True
    if depth <= 0:
        return False
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            for key in _LINKS:
                if key in item and await _ours(app, item[key], depth - 1):
                    return True
    return False


async def _collections(app: web.Application, activity: dict[str, Any]) -> dict[int, tuple[ActorRecord, set[str]]]:
    """Local collections the activity is addressed to, by owner: {owner id: (owner, names)}."""
    base = app[CONFIG].base_url + "/"
    found: dict[int, tuple[ActorRecord, set[str]]] = {}
    for field in ("to", "cc", "audience"):
        for uri in _ids(activity.get(field)):
            owner_uri, _, name = uri.rpartition("/")
            if not uri.startswith(base) or name not in ("followers", "members"):
                continue
            owner = await app[ACTORS].by_uri(owner_uri)
            if owner is None or (name == "members" and not owner.is_pool):
                continue
            found.setdefault(owner.id, (owner, set()))[1].add(name)
    return found


async def forward(app: web.Application, activity: dict[str, Any], author: str,
                  blockers: Collection[int] = ()) -> int:
    """Forward a first-seen activity to the local collections it names; deliveries queued. An
    owner among ``blockers`` (local actors whose block of the author holds) forwards nothing."""
    if activity.get("type") not in _FORWARDED:
        return 0
    targets = {k: v for k, v in (await _collections(app, activity)).items() if k not in blockers}
    if not targets:
        return 0
    for key in _LINKS:
        if key in activity and await _ours(app, activity[key], MAX_DEPTH):
            break
    else:
        return 0
    written = 0
    for owner, names in targets.values():
        people: list[str] = []
        if "followers" in names:
            people += await app[DELIVERY].store.follower_uris(owner.id)
        if "members" in names:
            people += await member_uris(app, owner)
        people = [p for p in dict.fromkeys(people) if p != author]
        if people:
            written += await enqueue_activity(app, owner, activity, people)
    return written
