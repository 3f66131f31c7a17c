"""Mentions: ``@name`` and ``@name@host`` typed in a comment become links and ``Mention`` tags.

A handle on this node is looked up in the actors table, another server's by WebFinger
(node/handles.py), at most :data:`~node.discussion.content.MAX_MENTIONS` per comment and all at
once; a handle nobody answers for stays plain text. Who a comment mentions is recorded
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

__all__ = ["mention_tags", "mentioned_actors", "resolve_mentions"]


async def resolve_mentions(app: web.Application, text: str) -> dict[str, str]:
    """Handle -> actor id for each handle in ``text`` that resolves; InvalidRequest past the limit."""
    handles = find_handles(text)
    if len(handles) > MAX_MENTIONS:
        raise InvalidRequest(f"a comment mentions at most {MAX_MENTIONS} people")

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


def mentioned_actors(note: dict[str, Any]) -> tuple[str, ...]:
    """The actors a received Note's ``Mention`` tags name (http(s) ids, the first few)."""
    tags = note.get("tag")
    found: list[str] = []
    for tag in tags if isinstance(tags, list) else [tags]:
        if isinstance(tag, dict) and tag.get("type") == "Mention":
            href = tag.get("href")
            if isinstance(href, str) and href.startswith(("https://", "http://")) and len(href) <= 2048:
                found.append(href)
    return tuple(dict.fromkeys(found))[:MAX_MENTIONS]
