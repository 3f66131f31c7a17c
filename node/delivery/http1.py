"""A small HTTP/1.1 client for delivery POSTs: keep-alive pools on pinned addresses.

Why not aiohttp here: a fan-out sends thousands of small POSTs from one event loop, and
aiohttp's client request path costs about three times the event-loop CPU of a bare protocol.
This client does only what a delivery needs: one request (``Content-Length`` body, never
chunked), one response, read strictly and with caps, because the other side is any server
on the internet. It connects to the address :class:`federation.pinning.AddressPinner`
checked (never resolving the name again), sends the original name as ``Host`` and as the
TLS server name, and never follows redirects (RFC 9112 for the framing below).
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

from federation.pinning import PinnedURL

__all__ = ["HTTP1Client", "Limits", "Origin"]

_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([1-9][0-9][0-9])(?: [^\x00-\x08\x0a-\x1f\x7f]*)?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?")
_BAD_HEADER_TEXT = re.compile(r"[\x00\r\n]")
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
_BUFFER_HIGH = 256 * 1024
"""Stop reading from the socket while this much is buffered and not yet consumed."""
_MAX_INTERIM = 8
_MAX_LINE = 4096
_NO_BODY = frozenset({204, 304})


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what a server may send us, and how long idle connections are kept."""

    head_bytes: int = 64 * 1024
    header_count: int = 100
    body_bytes: int = 1024 * 1024
    per_origin: int = 4
    idle_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class Origin:
    """Where pooled connections go: the checked address, and the TLS name to check."""

    scheme: str
    address: str
    port: int
    server_hostname: str | None


class _Malformed(Exception):
    """The response broke HTTP/1.1 framing or a cap: the connection cannot be trusted."""


class _Closed(Exception):
    """The connection ended (EOF or reset) before the response was complete."""


@dataclass(frozen=True, slots=True)
class _Head:
    status: int
    version: int  # the minor version: 0 or 1
    headers: dict[str, list[str]]


def _parse_head(head: bytes, limits: Limits) -> _Head:
    """Status line and header fields (RFC 9112 §4, §5); no obs-fold, CRLF line ends only."""
    lines = head.split(b"\r\n")
    match = _STATUS_LINE.fullmatch(lines[0])
    if match is None:
        raise _Malformed(f"bad status line {lines[0][:80]!r}")
    if len(lines) - 1 > limits.header_count:
        raise _Malformed(f"more than {limits.header_count} header fields")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or _TOKEN.fullmatch(name) is None:
            raise _Malformed(f"bad header line {line[:80]!r}")
        value = value.strip(b" \t")
        if _BAD_VALUE.search(value):
            raise _Malformed(f"bad value in header {name[:40]!r}")
        headers.setdefault(name.decode("ascii").lower(), []).append(value.decode("latin-1"))
    return _Head(int(match[2]), int(match[1]), headers)


def _tokens(head: _Head, name: str) -> list[str]:
    return [t.strip().lower() for v in head.headers.get(name, ()) for t in v.split(",") if t.strip()]


def _content_length(head: _Head) -> int | None:
    values = {v.strip() for raw in head.headers.get("content-length", ()) for v in raw.split(",")}
    if not values:
        return None
    if len(values) > 1 or not all(v.isdigit() and v.isascii() and len(v) <= 18 for v in values):
        raise _Malformed("bad Content-Length")
    return int(values.pop())


class _Connection(asyncio.Protocol):
    """One socket: bytes received are buffered until the request in progress consumes them."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: Exception | None = None
        self.busy = False
        self.received = 0
        """Bytes received since the current request was sent."""
        self.requests = 0
        self.idle_since = 0.0
        self.lost: asyncio.Future[None] = loop.create_future()
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False

    # ---- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if not self.busy:
            # Nothing was asked: a server talking out of turn has broken the exchange.
            self.eof = True
            self.close()
            return
        self.buffer += data
        self.received += len(data)
        if len(self.buffer) > _BUFFER_HIGH and self.transport is not None and not self._paused:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        if not self.lost.done():
            self.lost.set_result(None)
        self._wake()

    # ---- used by the client ------------------------------------------------------------------

    @property
    def usable(self) -> bool:
        """Idle, open, and nothing unread."""
        return not self.eof and not self.buffer and self.transport is not None \
            and not self.transport.is_closing()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    async def more(self) -> None:
        """Wait until more bytes arrive; raises _Closed at EOF or after a reset."""
        if self.eof:
            raise _Closed(f"{type(self.error).__name__}: {self.error}" if self.error else "")
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class _Reader:
    """Reads one response from a connection's buffer, strictly and within the caps."""

    def __init__(self, conn: _Connection, limits: Limits) -> None:
        self.conn = conn
        self.limits = limits

    async def head(self) -> bytes:
        """Bytes up to the blank line that ends the head (not included), at most the cap."""
        buf = self.conn.buffer
        start = 0
        while True:
            end = buf.find(b"\r\n\r\n", start)
            if end >= 0:
                if end + 4 > self.limits.head_bytes:
                    break
                head = bytes(buf[:end])
                del buf[: end + 4]
                return head
            if len(buf) >= self.limits.head_bytes:
                break
            start = max(0, len(buf) - 3)
            await self.conn.more()
        raise _Malformed(f"response head over {self.limits.head_bytes} bytes")

    async def line(self, cap: int) -> bytes:
        """One CRLF-terminated line (without the CRLF) of at most ``cap`` bytes."""
        buf = self.conn.buffer
        while True:
            end = buf.find(b"\r\n")
            if end >= 0 and end <= cap:
                line = bytes(buf[:end])
                del buf[: end + 2]
                return line
            if end > cap or len(buf) > cap + 1:
                raise _Malformed("line too long in the body framing")
            await self.conn.more()

    async def skip(self, n: int) -> None:
        """Discard exactly ``n`` body bytes."""
        buf = self.conn.buffer
        while n > 0:
            if not buf:
                await self.conn.more()
                continue
            taken = min(n, len(buf))
            del buf[:taken]
            n -= taken

    async def chunked(self) -> bool:
        """Discard a chunked body and its trailers (RFC 9112 §7.1); False if over the cap."""
        total = 0
        while True:
            match = _CHUNK_SIZE.fullmatch(await self.line(_MAX_LINE))
            if match is None:
                raise _Malformed("bad chunk size")
            size = int(match[1], 16)
            if size == 0:
                break
            total += size
            if total > self.limits.body_bytes:
                return False
            await self.skip(size)
            if await self.line(0) != b"":
                raise _Malformed("chunk not followed by CRLF")
        trailer_bytes, fields = 0, 0
        while True:
            line = await self.line(self.limits.head_bytes)
            if not line:
                return True
            trailer_bytes += len(line) + 2
            fields += 1
            if trailer_bytes > self.limits.head_bytes or fields > self.limits.header_count:
                raise _Malformed("trailers over the cap")

    async def to_eof(self) -> None:
        """Discard a body delimited by the end of the connection, up to the cap."""
        total = 0
        while True:
            total += len(self.conn.buffer)
            self.conn.buffer.clear()
            if total > self.limits.body_bytes:
                return
            try:
                await self.conn.more()
            except _Closed:
                return


class HTTP1Client:
    """Keep-alive connection pools per origin (checked address, port, TLS name)."""

    def __init__(self, limits: Limits = Limits(), ssl_context: ssl.SSLContext | None = None) -> None:
        self.limits = limits
        self._ssl = ssl_context
        self._idle: dict[Origin, list[_Connection]] = {}
        self._slots: dict[Origin, asyncio.Semaphore] = {}
        self._users: dict[Origin, int] = {}  # requests holding or waiting for a slot
        self._all: set[_Connection] = set()
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
        conn: _Connection | None = None
        try:
            async with asyncio.timeout(seconds):
                async with slots:
                    conn = await self._connection(origin, fresh=False)
                    try:
                        return await self._exchange(origin, conn, request, method)
                    except _Closed:
                        if conn.requests == 0 or conn.received:
                            raise
                    # The server had closed this idle connection: once more on a new one.
                    conn.abort()
                    conn = await self._connection(origin, fresh=True)
                    return await self._exchange(origin, conn, request, method)
        except TimeoutError:
            return "timed out"
        except _Malformed as exc:
            return f"malformed response: {exc}"[:500]
        except _Closed as exc:
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

    async def _connection(self, origin: Origin, *, fresh: bool) -> _Connection:
        if self._closed:
            raise _Closed("the client is closed")
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
        conn = _Connection(loop)
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
        self, origin: Origin, conn: _Connection, request: bytes, method: str
    ) -> tuple[int, str | None]:
        assert conn.transport is not None
        conn.busy = True
        conn.received = 0
        conn.transport.write(request)
        reader = _Reader(conn, self.limits)
        interim = 0
        while True:
            head = _parse_head(await reader.head(), self.limits)
            if not 100 <= head.status < 200:
                break
            if head.status == 101 or interim == _MAX_INTERIM:
                raise _Malformed(f"unexpected {head.status} interim response")
            interim += 1
        reusable = await self._body(reader, head, method)
        connection = _tokens(head, "connection")
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

    async def _body(self, reader: _Reader, head: _Head, method: str) -> bool:
        """Read and discard the body; whether the connection may carry another request."""
        if method == "HEAD" or head.status in _NO_BODY:
            return True
        codings = _tokens(head, "transfer-encoding")
        if codings:
            # With Content-Length too, Transfer-Encoding wins but the message is suspect.
            suspect = "content-length" in head.headers
            if codings[-1] != "chunked":
                await reader.to_eof()
                return False
            return await reader.chunked() and not suspect
        length = _content_length(head)
        if length is None:
            await reader.to_eof()
            return False
        if length > self.limits.body_bytes:
            return False
        await reader.skip(length)
        return True

    def _release(self, origin: Origin, conn: _Connection) -> None:
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
