"""A small HTTP/1.1 client for delivery POSTs: keep-alive pools on pinned addresses.

Why not aiohttp here: a fan-out sends thousands of small POSTs from one event loop, and
aiohttp's client request path costs about three times the event-loop CPU of a bare protocol.
This client does only what a delivery needs: one request (``Content-Length`` body, never
chunked), one response, read strictly and with caps, because the other side is any server
on the internet. It connects to the address :class:`federation.pinning.AddressPinner`
checked (never resolving the name again), sends the original name as ``Host`` and as the
TLS server name, and never follows redirects (the RFC 9112 response framing is in
:mod:`node.delivery.http1_framing`).
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

from federation.pinning import PinnedURL
from node.delivery.http1_framing import (
    Closed,
    Connection,
    Limits,
    Malformed,
    ResponseHead,
    ResponseReader,
    content_length,
    header_tokens,
    parse_head,
)

__all__ = ["HTTP1Client", "Limits", "Origin"]

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_HEADER_TEXT = re.compile(r"[\x00\r\n]")
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
_MAX_INTERIM = 8
_NO_BODY = frozenset({204, 304})
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
            request = self._encode(method, target, pinned.host_header, headers, body)
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
                        return await self._exchange(origin, conn, request, method)
                    except Closed:
                        if conn.requests == 0 or conn.received:
                            raise
                    # The server had closed this idle connection: once more on a new one.
                    conn.abort()
                    conn = await self._connection(origin, fresh=True)
                    return await self._exchange(origin, conn, request, method)
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
    def _encode(
        method: str, target: str, host: str, headers: Mapping[str, str], body: bytes
    ) -> bytes:
        lines = [f"{method} {target} HTTP/1.1"]
        if not any(name.lower() == "host" for name in headers):
            lines.append(f"Host: {host}")
        for name, value in headers.items():
            if name.lower() in ("content-length", "transfer-encoding", "connection"):
                continue
            if _TOKEN.fullmatch(name.encode("latin-1", "replace")) is None \
                    or _BAD_HEADER_TEXT.search(value):
                raise ValueError(f"cannot send header {name[:40]!r}")
            lines.append(f"{name}: {value}")
        if body or method not in ("GET", "HEAD"):
            lines.append(f"Content-Length: {len(body)}")
        try:
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError("cannot send a header outside Latin-1") from None
        return head + body

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
        conn = Connection(loop)
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
        self, origin: Origin, conn: Connection, request: bytes, method: str
    ) -> tuple[int, str | None]:
        assert conn.transport is not None
        conn.busy = True
        conn.received = 0
        conn.transport.write(request)
        reader = ResponseReader(conn, self.limits)
        interim = 0
        while True:
            head = parse_head(await reader.head(), self.limits)
            if not 100 <= head.status < 200:
                break
            if head.status == 101 or interim == _MAX_INTERIM:
                raise Malformed(f"unexpected {head.status} interim response")
            interim += 1
        reusable = await self._body(reader, head, method)
        connection = header_tokens(head, "connection")
        if "close" in connection or (head.version == 0 and "keep-alive" not in connection):
            reusable = False
        conn.busy = False
        conn.requests += 1
        retry_after = head.headers.get("retry-after")
        if reusable and conn.usable and not self._closed:
            self._release(origin, conn)
        else:
            conn.close()
        return head.status, retry_after[0][:200] if retry_after else None

    async def _body(self, reader: ResponseReader, head: ResponseHead, method: str) -> bool:
        """Read and discard the body; whether the connection may carry another request."""
        if method == "HEAD" or head.status in _NO_BODY:
            return True
        codings = header_tokens(head, "transfer-encoding")
        if codings:
            # With Content-Length too, Transfer-Encoding wins but the message is suspect.
            suspect = "content-length" in head.headers
            if codings[-1] != "chunked":
                await reader.to_eof()
                return False
            return await reader.chunked() and not suspect
        length = content_length(head)
        if length is None:
            await reader.to_eof()
            return False
        if length > self.limits.body_bytes:
            return False
        await reader.skip(length)
        return True

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
