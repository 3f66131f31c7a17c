"""Mentions: ``@name`` and ``@name@host`` typed in a comment become links and ``Mention`` tags.

A handle on this node is looked up in the actors table, another server's by WebFinger
(node/handles.py), at most :data:`~node.discussion.content.MAX_MENTIONS` per comment and all at
once; a handle nobody answers for stays plain text. The same bound holds for the ``Mention``
tags of every Note or Page, however it arrives (C2S, the inbox, an Update): past it, the post
is refused (:func:`check_mentions`), never cut short. Who a comment mentions is recorded
(node/storage/discussions.py, ``mentions``) for notifications to read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from node.appkeys import CONFIG
from node.discussion.content import MAX_MENTIONS, find_handles
from node.errors import InvalidRequest, NotFound
from node.handles import resolve_handle

__all__ = ["check_mentions", "mention_tags", "mentioned_actors", "resolve_mentions"]

_TOO_MANY = f"a comment mentions at most {MAX_MENTIONS} people"


async def resolve_mentions(app: web.Application, text: str) -> dict[str, str]:
    """Handle -> actor id for each handle in ``text`` that resolves; InvalidRequest past the limit."""
    handles = find_handles(text)
    if len(handles) > MAX_MENTIONS:
        raise InvalidRequest(_TOO_MANY)

    async def one(handle: str) -> str | None:
        try:
            return await resolve_handle(app, handle)
        except (InvalidRequest, NotFound):
            return None

    found = await asyncio.gather(*(one(h) for h in handles))
    return {handle: uri for handle, uri in zip(handles, found, strict=True) if uri is not None}


def mention_tags(app: web.Application, mentions: dict[str, str]) -> list[dict[str, Any]]:
    """The Note's ``tag`` entries: ``{"type": "Mention", "href", "name": "@name@host"}``."""
    domain = app[CONFIG].domain
    return [{"type": "Mention", "href": uri, "name": handle if handle.count("@") == 2 else f"{handle}@{domain}"}
            for handle, uri in mentions.items()]


def _mention_tags(note: dict[str, Any]) -> list[dict[str, Any]]:
    tags = note.get("tag")
    return [t for t in (tags if isinstance(tags, list) else [tags])
            if isinstance(t, dict) and t.get("type") == "Mention"]


def check_mentions(note: dict[str, Any]) -> None:
    """InvalidRequest when a Note or Page mentions more than ``MAX_MENTIONS`` people (its
    ``Mention`` tags, one per person named by ``href``, else by ``name``)."""
    named = {str(t.get("href") or t.get("name")) for t in _mention_tags(note)}
    if len(named) > MAX_MENTIONS:
        raise InvalidRequest(_TOO_MANY)


def mentioned_actors(note: dict[str, Any]) -> tuple[str, ...]:
    """The actors a received Note's ``Mention`` tags name (http(s) ids, the first few)."""
    found: list[str] = []
    for tag in _mention_tags(note):
        href = tag.get("href")
        if isinstance(href, str) and href.startswith(("https://", "http://")) and len(href) <= 2048:
            found.append(href)
    return tuple(dict.fromkeys(found))[:MAX_MENTIONS]
