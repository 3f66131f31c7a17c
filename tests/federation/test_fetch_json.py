"""``Fetcher.fetch_json``: a node's plain JSON views, through the same address checks and caps."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from federation.errors import FetchError, RemoteAnswered, UnsafeAddress
from federation.fetch import Fetcher


def _respond(body: bytes, content_type: str) -> web.Response:
    return web.Response(body=body, headers={"Content-Type": content_type})


async def balances(request: web.Request) -> web.Response:
    return _respond(json.dumps({"fund": 5000, "headHash": "0" * 64}).encode(), "application/json")


async def activity(request: web.Request) -> web.Response:
    return _respond(json.dumps({"id": "elsewhere", "type": "Note"}).encode(),
                    "application/activity+json")


async def html(request: web.Request) -> web.Response:
    return _respond(b"<html>", "text/html")


async def broken(request: web.Request) -> web.Response:
    return _respond(b"{\"fund\":", "application/json")


async def big(request: web.Request) -> web.Response:
    return _respond(b"[" + b"1," * 600_000 + b"1]", "application/json")


async def refused(request: web.Request) -> web.Response:
    return web.json_response({"error": "the record of commons is visible to its members only",
                              "code": "unauthorized"}, status=401)


async def moved(request: web.Request) -> web.Response:
    raise web.HTTPFound("/balances")


@pytest.fixture
async def base(aiohttp_server: Any) -> str:
    app = web.Application()
    for path, handler in [("/balances", balances), ("/activity", activity), ("/html", html),
                          ("/broken", broken), ("/big", big), ("/moved", moved),
                          ("/refused", refused)]:
        app.router.add_get(path, handler)
    server = await aiohttp_server(app, host="127.0.0.1")
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with aiohttp.ClientSession() as session:
        yield Fetcher(session, allow_private_addresses=True)


async def test_plain_json_is_read_without_an_id(base: str, fetcher: Fetcher) -> None:
    assert await fetcher.fetch_json(base + "/balances") == {"fund": 5000, "headHash": "0" * 64}
    assert await fetcher.fetch_json(base + "/moved") == {"fund": 5000, "headHash": "0" * 64}
    # An AS2 body is JSON too; its id is not checked here.
    assert (await fetcher.fetch_json(base + "/activity"))["type"] == "Note"


async def test_what_is_not_json_is_refused(base: str, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="not JSON"):
        await fetcher.fetch_json(base + "/html")
    with pytest.raises(FetchError, match="not JSON"):
        await fetcher.fetch_json(base + "/broken")
    with pytest.raises(RemoteAnswered) as answered:
        await fetcher.fetch_json(base + "/missing")
    assert (answered.value.remote_status, answered.value.remote_reason) == (404, "")


async def test_a_refusal_keeps_the_reason_the_remote_gave(base: str, fetcher: Fetcher) -> None:
    for fetch in (fetcher.fetch, fetcher.fetch_json):
        with pytest.raises(RemoteAnswered) as answered:
            await fetch(base + "/refused")
        assert answered.value.remote_status == 401
        assert answered.value.remote_reason == "the record of commons is visible to its members only"


async def test_the_size_cap_and_address_policy_hold(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        small = Fetcher(session, allow_private_addresses=True, max_bytes=1000)
        with pytest.raises(FetchError, match="too large"):
            await small.fetch_json(base + "/big")
        strict = Fetcher(session)
        with pytest.raises(UnsafeAddress):
            await strict.fetch_json(base + "/balances")
