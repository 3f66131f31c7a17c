"""Scripted loopback HTTP servers and a pinned POST, for the delivery client's tests.

The fixtures are named ``raw`` and ``client``; a test module imports ``raw_fixture`` and
``client_fixture`` to use them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from federation.pinning import AddressPinner, PinnedURL
from node.delivery.http1 import HTTP1Client, Limits

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]
OK = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"


class RawServer:
    """A scripted HTTP server on 127.0.0.1: ``handler(reader, writer, n)`` for connection n."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []
        self.closed_by_client = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> RawServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=ssl_context)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def read_request(self, reader: asyncio.StreamReader) -> bytes | None:
        """One request (head and Content-Length body), or None at EOF."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            self.closed_by_client.set()
            return None
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        request = head + await reader.readexactly(length)
        self.requests.append(request)
        return request

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(reader, writer, self.connections)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture(name="raw")
async def raw_fixture():  # type: ignore[no-untyped-def]
    started: list[RawServer] = []

    async def start(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> RawServer:
        server = await RawServer(handler).start(ssl_context)
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()


@pytest.fixture(name="client")
async def client_fixture():  # type: ignore[no-untyped-def]
    made: list[HTTP1Client] = []

    def make(**kw: Any) -> HTTP1Client:
        ssl_context = kw.pop("ssl_context", None)
        made.append(HTTP1Client(Limits(**kw), ssl_context=ssl_context))
        return made[-1]

    yield make
    for c in made:
        await c.close()


async def pin(url: str) -> PinnedURL:
    """Pin ``url`` with peer.example resolving to loopback (never the system resolver)."""

    async def resolve(host: str, port: int) -> list[Any]:
        assert host == "peer.example"
        return [ipaddress.ip_address("127.0.0.1")]

    return await AddressPinner(allow_private_addresses=True, resolver=resolve).pin(url)


async def post(c: HTTP1Client, port: int, body: bytes = b"{}", scheme: str = "http",
               seconds: float = 5.0) -> tuple[int, str | None] | str:
    pinned = await pin(f"{scheme}://peer.example:{port}/inbox")
    return await c.request("POST", pinned, {"Content-Type": "application/activity+json"}, body,
                           seconds=seconds)


async def start_answering(raw: Any, *responses: bytes, then_close: bool = False,
                          ssl_context: ssl.SSLContext | None = None) -> RawServer:
    """A server whose every connection answers ``responses`` in turn, then waits for EOF."""
    holder: list[RawServer] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        for response in responses:
            if await holder[0].read_request(reader) is None:
                return
            writer.write(response)
            await writer.drain()
        if not then_close:
            await reader.read()
            holder[0].closed_by_client.set()

    holder.append(await raw(handler, ssl_context))
    return holder[0]
