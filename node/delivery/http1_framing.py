"""HTTP/1.1 response framing for the delivery client: one socket's buffer, the head, the body.

Strict and capped (RFC 9112 §4-§7), because the other side is any server on the internet;
:mod:`node.delivery.http1` pools the connections and sends the requests.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

__all__ = [
    "Closed",
    "Connection",
    "Limits",
    "Malformed",
    "ResponseHead",
    "ResponseReader",
    "content_length",
    "header_tokens",
    "parse_head",
]

_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([1-9][0-9][0-9])(?: [^\x00-\x08\x0a-\x1f\x7f]*)?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?")
_BUFFER_HIGH = 256 * 1024
"""Stop reading from the socket while this much is buffered and not yet consumed."""
_MAX_LINE = 4096


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what a server may send us, and how long idle connections are kept."""

    head_bytes: int = 64 * 1024
    header_count: int = 100
    body_bytes: int = 1024 * 1024
    per_origin: int = 4
    idle_seconds: float = 30.0


class Malformed(Exception):
    """The response broke HTTP/1.1 framing or a cap: the connection cannot be trusted."""


class Closed(Exception):
    """The connection ended (EOF or reset) before the response was complete."""


@dataclass(frozen=True, slots=True)
class ResponseHead:
    status: int
    version: int  # the minor version: 0 or 1
    headers: dict[str, list[str]]


def parse_head(head: bytes, limits: Limits) -> ResponseHead:
    """Status line and header fields (RFC 9112 §4, §5); no obs-fold, CRLF line ends only."""
    lines = head.split(b"\r\n")
    match = _STATUS_LINE.fullmatch(lines[0])
    if match is None:
        raise Malformed(f"bad status line {lines[0][:80]!r}")
    if len(lines) - 1 > limits.header_count:
        raise Malformed(f"more than {limits.header_count} header fields")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or _TOKEN.fullmatch(name) is None:
            raise Malformed(f"bad header line {line[:80]!r}")
        value = value.strip(b" \t")
        if _BAD_VALUE.search(value):
            raise Malformed(f"bad value in header {name[:40]!r}")
        headers.setdefault(name.decode("ascii").lower(), []).append(value.decode("latin-1"))
    return ResponseHead(int(match[2]), int(match[1]), headers)


def header_tokens(head: ResponseHead, name: str) -> list[str]:
    return [t.strip().lower() for v in head.headers.get(name, ()) for t in v.split(",") if t.strip()]


def content_length(head: ResponseHead) -> int | None:
    values = {v.strip() for raw in head.headers.get("content-length", ()) for v in raw.split(",")}
    if not values:
        return None
    if len(values) > 1 or not all(v.isdigit() and v.isascii() and len(v) <= 18 for v in values):
        raise Malformed("bad Content-Length")
    return int(values.pop())


class Connection(asyncio.Protocol):
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
        """Wait until more bytes arrive; raises Closed at EOF or after a reset."""
        if self.eof:
            raise Closed(f"{type(self.error).__name__}: {self.error}" if self.error else "")
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


class ResponseReader:
    """Reads one response from a connection's buffer, strictly and within the caps."""

    def __init__(self, conn: Connection, limits: Limits) -> None:
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
        raise Malformed(f"response head over {self.limits.head_bytes} bytes")

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
                raise Malformed("line too long in the body framing")
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
                raise Malformed("bad chunk size")
            size = int(match[1], 16)
            if size == 0:
                break
            total += size
            if total > self.limits.body_bytes:
                return False
            await self.skip(size)
            if await self.line(0) != b"":
                raise Malformed("chunk not followed by CRLF")
        trailer_bytes, fields = 0, 0
        while True:
            line = await self.line(self.limits.head_bytes)
            if not line:
                return True
            trailer_bytes += len(line) + 2
            fields += 1
            if trailer_bytes > self.limits.head_bytes or fields > self.limits.header_count:
                raise Malformed("trailers over the cap")

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
            except Closed:
                return
