"""A small HTTP/1.1 client for delivery POSTs: keep-alive pools on pinned addresses.

Why not aiohttp here: a fan-out sends thousands of small POSTs from one event loop, and
aiohttp's client request path costs about three times the event-loop CPU of a bare protocol.
This client does only what a delivery needs: one request (``Content-Length`` body, never
chunked), one response, read strictly and with caps, because the other side is any server
on the internet. It connects to the address :class:`federation.pinning.AddressPinner`
checked (never resolving the name again), sends the original name as ``Host`` and as the
TLS server name, and never follows redirects. The HTTP/1.1 framing both ways is h11's
(:mod:`node.delivery.http1_connection`).
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

import h11

from federation.pinning import PinnedURL
from node.delivery.http1_connection import Closed, Connection, Limits, Malformed

__all__ = ["HTTP1Client", "Limits", "Origin"]

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_HEADER_TEXT = re.compile(r"[\x00\r\n]")
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})
_DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Origin:
    """Where pooled connections go: the checked address, and the TLS name to check."""

    scheme: str
    address: str
    port: int
    server_hostname: str | None


class HTTP1Client:
    """Keep-alive connection pools per origin (checked address, port, TLS name)."""

    def __init__(self, limits: Limits = _DEFAULT_LIMITS, ssl_context: ssl.SSLContext | None = None) -> None:
        self.limits = limits
        self._ssl = ssl_context
        self._idle: dict[Origin, list[Connection]] = {}
        self._slots: dict[Origin, asyncio.Semaphore] = {}
        self._users: dict[Origin, int] = {}  # requests holding or waiting for a slot
        self._all: set[Connection] = set()
        self._sweep: asyncio.TimerHandle | None = None
        self._closed = False
        self.opened = 0
        """Connections opened so far (tests and benchmarks read it)."""

    async def request(
        self,
        method: str,
        pinned: PinnedURL,
        headers: Mapping[str, str],
        body: bytes = b"",
        *,
        seconds: float,
    ) -> tuple[int, str | None] | str:
        """Send one request to the pinned address within ``seconds``: (status, Retry-After) or an error.

        A 3xx is a result like any other (redirects are never followed). A reused connection
        that turns out closed before any byte of the answer is retried once on a new one.
        """
        url = pinned.url
        target = url.raw_path_qs or "/"
        if url.scheme not in ("http", "https") or url.port is None or _BAD_TARGET.search(target):
            return f"cannot send to {str(url)[:200]!r}"
        origin = Origin(url.scheme, str(pinned.address), url.port, pinned.server_hostname)
        try:
            request = self._request(method, target, pinned.host_header, headers, body)
        except ValueError as exc:
            return str(exc)[:500]
        slots = self._slots.get(origin)
        if slots is None:
            slots = self._slots[origin] = asyncio.Semaphore(self.limits.per_origin)
        self._users[origin] = self._users.get(origin, 0) + 1
        conn: Connection | None = None
        try:
            async with asyncio.timeout(seconds):
                async with slots:
                    conn = await self._connection(origin, fresh=False)
                    try:
                        return await self._exchange(origin, conn, request, body)
                    except Closed:
                        if conn.requests == 0 or conn.received:
                            raise
                    # The server had closed this idle connection: once more on a new one.
                    conn.abort()
                    conn = await self._connection(origin, fresh=True)
                    return await self._exchange(origin, conn, request, body)
        except TimeoutError:
            return "timed out"
        except Malformed as exc:
            return f"malformed response: {exc}"[:500]
        except Closed as exc:
            detail = f" ({exc})" if str(exc) else ""
            return f"connection closed before the response was complete{detail}"[:500]
        except OSError as exc:  # connection refused or reset, TLS and certificate failures
            return f"{type(exc).__name__}: {exc}"[:500]
        finally:
            if conn is not None and conn.busy:
                conn.abort()  # cancelled or failed mid-exchange: its state is unknown
            users = self._users[origin] - 1
            if users:
                self._users[origin] = users
            else:
                del self._users[origin]
                self._slots.pop(origin, None)

    async def close(self) -> None:
        """Close every connection (idle or not) and wait briefly for the sockets to go."""
        self._closed = True
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        conns = list(self._all)
        self._idle.clear()
        for conn in conns:
            conn.close()
        if conns:
            await asyncio.wait([c.lost for c in conns], timeout=1.0)
            for conn in conns:
                if not conn.lost.done():
                    conn.abort()

    # ---- internals ---------------------------------------------------------------------------

    @staticmethod
    def _request(
        method: str, target: str, host: str, headers: Mapping[str, str], body: bytes
    ) -> h11.Request:
        """The request's head as an h11 event; ValueError for a header that cannot be sent."""
        fields: list[tuple[bytes, bytes]] = []
        if not any(name.lower() == "host" for name in headers):
            headers = {"Host": host, **headers}
        for name, value in headers.items():
            if name.lower() in _FRAMING:
                continue
            raw_name = name.encode("latin-1", "replace")
            if _TOKEN.fullmatch(raw_name) is None or _BAD_HEADER_TEXT.search(value):
                raise ValueError(f"cannot send header {name[:40]!r}")
            try:
                fields.append((raw_name, value.encode("latin-1")))
            except UnicodeEncodeError:
                raise ValueError("cannot send a header outside Latin-1") from None
        if body or method not in ("GET", "HEAD"):
            fields.append((b"Content-Length", str(len(body)).encode("ascii")))
        try:
            return h11.Request(method=method, target=target, headers=fields)
        except h11.LocalProtocolError as exc:
            raise ValueError(f"cannot send this request: {exc}") from None

    async def _connection(self, origin: Origin, *, fresh: bool) -> Connection:
        if self._closed:
            raise Closed("the client is closed")
        idle = self._idle.get(origin)
        if idle and not fresh:
            loop = asyncio.get_running_loop()
            oldest = loop.time() - self.limits.idle_seconds
            while idle:
                conn = idle.pop()  # the most recently used: the least likely to be stale
                if conn.usable and conn.idle_since > oldest:
                    return conn
                conn.close()
        loop = asyncio.get_running_loop()
        context: ssl.SSLContext | None = None
        if origin.scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        conn = Connection(loop, self.limits)
        self._all.add(conn)
        conn.lost.add_done_callback(lambda _f: self._all.discard(conn))
        self.opened += 1
        try:
            await loop.create_connection(
                lambda: conn, origin.address, origin.port,
                ssl=context, server_hostname=origin.server_hostname if context else None,
            )
        except BaseException:
            self._all.discard(conn)
            raise
        return conn

    async def _exchange(
        self, origin: Origin, conn: Connection, request: h11.Request, body: bytes
    ) -> tuple[int, str | None]:
        answer = await conn.exchange(request, body)
        if answer.reusable and conn.usable and not self._closed:
            self._release(origin, conn)
        else:
            conn.close()
        return answer.status, answer.retry_after

    def _release(self, origin: Origin, conn: Connection) -> None:
        loop = asyncio.get_running_loop()
        conn.idle_since = loop.time()
        self._idle.setdefault(origin, []).append(conn)
        if self._sweep is None:
            self._sweep = loop.call_later(self.limits.idle_seconds, self._expire)

    def _expire(self) -> None:
        """Close connections idle for longer than the limit; run again while any remain."""
        self._sweep = None
        loop = asyncio.get_running_loop()
        oldest = loop.time() - self.limits.idle_seconds
        for origin, conns in list(self._idle.items()):
            keep = [c for c in conns if c.idle_since > oldest and c.usable]
            for conn in conns:
                if conn not in keep:
                    conn.close()
            if keep:
                self._idle[origin] = keep
            else:
                del self._idle[origin]
        if self._idle:
            self._sweep = loop.call_later(self.limits.idle_seconds / 2, self._expire)
