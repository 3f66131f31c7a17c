"""Handles people type (``@ana``, ``@garden@pools.example``) to actor ids, by WebFinger (RFC 7033).

A handle on this node resolves from the actors table; another server's through its WebFinger
endpoint. An actor address (``https://...``) is taken as it is.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aiohttp import web

from federation.errors import FetchError
from node.appkeys import ACTORS, CONFIG, FETCHER
from node.errors import InvalidRequest, NotFound

__all__ = ["resolve_handle"]

_HANDLE = re.compile(r"^@?([A-Za-z0-9_.-]{1,64})(?:@([A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?))?$")


async def resolve_handle(app: web.Application, text: str) -> str:
    """The actor id a person means by ``text``; InvalidRequest or NotFound with the reason."""
    text = text.strip()
    if text.startswith(("https://", "http://")):
        if not urlsplit(text).netloc:
            raise InvalidRequest(f"{text} is not an address")
        return text
    match = _HANDLE.match(text)
    if match is None:
        raise InvalidRequest(f"{text!r} is not a handle: write @name or @name@server")
    user, host = match[1], match[2]
    config = app[CONFIG]
    if host is None or host.lower() == config.domain.lower():
        actor = await app[ACTORS].by_username(user.lower())
        if actor is None:
            raise NotFound(f"there is nobody called @{user} on this server")
        return actor.uri
    # A node served over plain HTTP (a development cluster) asks its peers over HTTP too.
    scheme = urlsplit(config.base_url).scheme
    try:
        return await app[FETCHER].webfinger(user, host, scheme=scheme)
    except FetchError as exc:
        raise NotFound(f"{host} did not tell us who @{user}@{host} is ({exc.reason})") from None
