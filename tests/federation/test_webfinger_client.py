"""WebFinger lookups (RFC 7033) through the Fetcher: a handle to an actor id, or a reason."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from federation.errors import FetchError, UnsafeAddress
from federation.fetch import Fetcher

ANSWERS: dict[str, Any] = {
    "acct:garden@127.0.0.1": {"subject": "acct:garden@127.0.0.1", "links": [
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": "https://x/p"},
        {"rel": "self", "type": "application/activity+json", "href": "https://pools.example/pools/garden"},
    ]},
    "acct:noactor@127.0.0.1": {"subject": "acct:noactor@127.0.0.1", "links": [
        {"rel": "self", "type": "text/html", "href": "https://pools.example/x"}]},
    "acct:junk@127.0.0.1": "not an object",
}


async def webfinger(request: web.Request) -> web.Response:
    # The resource names the host as the handle does, port included (acct:garden@127.0.0.1:PORT).
    resource = request.query.get("resource", "").rpartition(":")[0]
    assert request.query["resource"].endswith(f"@127.0.0.1:{request.url.port}")
    if resource not in ANSWERS:
        raise web.HTTPNotFound()
    return web.Response(body=json.dumps(ANSWERS[resource]).encode(),
                        headers={"Content-Type": "application/jrd+json"})


@pytest.fixture
async def server(aiohttp_server: Any) -> Any:
    app = web.Application()
    app.router.add_get("/.well-known/webfinger", webfinger)
    return await aiohttp_server(app, host="127.0.0.1")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def test_a_handle_resolves_to_its_activitypub_actor(server: Any, session: Any) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    found = await fetcher.webfinger("garden", f"127.0.0.1:{server.port}", scheme="http")
    assert found == "https://pools.example/pools/garden"


@pytest.mark.parametrize("user", ["nobody", "noactor", "junk"])
async def test_no_actor_is_a_fetch_error(server: Any, session: Any, user: str) -> None:
    fetcher = Fetcher(session, allow_private_addresses=True)
    with pytest.raises(FetchError):
        await fetcher.webfinger(user, f"127.0.0.1:{server.port}", scheme="http")


async def test_a_private_address_is_refused_before_connecting(server: Any, session: Any) -> None:
    fetcher = Fetcher(session)
    with pytest.raises(UnsafeAddress):
        await fetcher.webfinger("garden", f"127.0.0.1:{server.port}", scheme="http")
