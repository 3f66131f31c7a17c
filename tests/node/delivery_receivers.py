"""Small aiohttp servers on 127.0.0.1 that play remote nodes for the delivery tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from node.storage import DeliveryTarget

AP = "application/activity+json"


@dataclass
class Received:
    """One POST an inbox received."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A fake remote node: actors with a shared inbox, and scripted inbox answers."""

    shared_inbox: bool = True
    # Called per POST: (status, extra headers); default 202.
    answer: Callable[[Received], tuple[int, dict[str, str]]] = lambda _r: (202, {})
    hang: bool = False
    received: list[Received] = field(default_factory=list)
    base: str = ""
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/actors/{name}", self._actor)
        app.router.add_post("/inbox", self._inbox)
        app.router.add_post("/actors/{name}/inbox", self._inbox)
        app.router.add_get("/.well-known/nodeinfo", self._nodeinfo)
        return app

    def actor(self, name: str) -> str:
        return f"{self.base}/actors/{name}"

    async def _actor(self, request: web.Request) -> web.Response:
        uri = self.actor(request.match_info["name"])
        document: dict[str, object] = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": uri,
            "type": "Person",
            "inbox": uri + "/inbox",
            "outbox": uri + "/outbox",
        }
        if self.shared_inbox:
            document["endpoints"] = {"sharedInbox": self.base + "/inbox"}
        return web.json_response(document, content_type=AP)

    async def _nodeinfo(self, request: web.Request) -> web.Response:
        return web.json_response({"links": []})

    async def _inbox(self, request: web.Request) -> web.Response:
        if self.hang:
            await self.released.wait()
        item = Received(request.path, dict(request.headers), await request.read(), time.time())
        self.received.append(item)
        status, headers = self.answer(item)
        return web.Response(status=status, headers=headers)


async def start_receiver(aiohttp_server, receiver: Receiver) -> Receiver:  # type: ignore[no-untyped-def]
    server = await aiohttp_server(receiver.app(), host="127.0.0.1")
    receiver.base = f"http://127.0.0.1:{server.port}"
    return receiver


async def wait_for(predicate: Callable[[], bool], within: float = 60.0) -> None:
    """Poll until the predicate holds, failing after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def wait_for_async(predicate: Callable[[], Awaitable[bool]], within: float = 60.0) -> None:
    """Like ``wait_for`` for a check that reads the database (a receiver counts a POST
    before its answer reaches the worker that books the row as delivered)."""
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def enqueue_rows(setup: Any, queue: Any, receiver: Receiver, n: int) -> str:
    """Queue ``n`` deliveries of small bodies from the pool to ``receiver``'s inbox and wake the
    queue; the receiver's host."""
    host = receiver.base.removeprefix("http://")
    for i in range(n):
        await queue.store.enqueue(
            sender_id=setup.pool.id, activity_uri=f"urn:x:{i}", body=b'{"n":%d}' % i,
            targets=[DeliveryTarget(receiver.base + "/inbox", host)], local_owner_ids=[],
            now=time.time(), now_iso="2025-01-01T00:00:00Z",
        )
    queue.wake()
    return host
