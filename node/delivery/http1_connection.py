"""One pooled socket of the delivery client: a request out, a response in, framed by h11.

h11 (python-hyper's sans-IO HTTP/1.1) does the RFC 9112 framing both ways: the request's
bytes, and the status line, header fields, ``Content-Length``, chunked and read-to-close
bodies of the response. This module feeds it the socket's bytes and adds what a client
talking to any server on the internet needs on top: caps on the head (bytes and fields)
and on the body, at most a few interim (1xx) answers, and the decision whether the socket
may carry another request. :mod:`node.delivery.http1` pools these connections.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import h11

__all__ = ["Closed", "Connection", "Limits", "Malformed"]

_BUFFER_HIGH = 256 * 1024
"""Stop reading from the socket while this much is received and not yet parsed."""
_MAX_INTERIM = 8
_VERSIONS = (b"1.0", b"1.1")


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
class Answer:
    """What the exchange learnt: the final status, its Retry-After, and whether to reuse."""

    status: int
    retry_after: str | None
    reusable: bool


def _tokens(headers: list[tuple[bytes, bytes]], name: bytes) -> list[bytes]:
    return [t.strip().lower() for n, v in headers if n == name for t in v.split(b",") if t.strip()]


class Connection(asyncio.Protocol):
    """One socket: received bytes wait here until the exchange in progress parses them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limits: Limits) -> None:
        self._loop = loop
        self._limits = limits
        self.transport: asyncio.Transport | None = None
        self._chunks: list[bytes] = []
        self._pending = 0
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
        self._eof_fed = False
        """Whether h11 was told of the end of the socket (a read-to-close body ends there)."""

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
        self._chunks.append(data)
        self._pending += len(data)
        self.received += len(data)
        if self._pending > _BUFFER_HIGH and self.transport is not None and not self._paused:
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
        return not self.eof and not self._chunks and self.transport is not None \
            and not self.transport.is_closing()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    async def exchange(self, request: h11.Request, body: bytes) -> Answer:
        """Send one request and read its response within the caps (RFC 9112 §4-§7).

        Raises :class:`Malformed` for a response that breaks the framing or a cap on the
        head, :class:`Closed` when the connection ends before the response is complete.
        A body over the cap is not read: the status stands and the socket is not reused.
        """
        assert self.transport is not None
        # A new h11 state machine per exchange: h11 keeps HTTP/1.0 connections for one
        # request only, while a 1.0 server that says keep-alive may get another one here.
        h = h11.Connection(h11.CLIENT, max_incomplete_event_size=self._limits.head_bytes)
        out = h.send(request) or b""
        if body:
            out += h.send(h11.Data(data=body)) or b""
        out += h.send(h11.EndOfMessage()) or b""
        self.busy = True
        self.received = 0
        self._eof_fed = False
        self.transport.write(out)
        response = await self._head(h)
        headers = list(response.headers)
        reusable = await self._body(h, headers)
        if self._eof_fed:
            reusable = False
        elif h.their_state is not h11.DONE:
            # h11 closes after HTTP/1.0 or Connection: close; a 1.0 server may ask to keep it.
            connection = _tokens(headers, b"connection")
            reusable = reusable and response.http_version == b"1.0" \
                and b"keep-alive" in connection and b"close" not in connection
        if reusable and (self._chunks or self._leftover(h)):
            reusable = False  # bytes nobody asked for: the exchange is out of step
        self.busy = False
        self.requests += 1
        retry_after = next((v for n, v in headers if n == b"retry-after"), None)
        return Answer(
            response.status_code,
            retry_after.decode("latin-1")[:200] if retry_after is not None else None,
            reusable,
        )

    # ---- internals ---------------------------------------------------------------------------

    async def _head(self, h: h11.Connection) -> h11.Response:
        """The final response's head, after at most a few interim answers."""
        interim = 0
        fed_before = 0
        while True:
            event = await self._next(h, in_head=True)
            if not isinstance(event, h11.InformationalResponse | h11.Response):
                raise Malformed(f"unexpected {type(event).__name__} before the response head")
            # h11 caps a head that arrives in pieces; this catches one that came whole
            # (possible only once more than the cap has arrived; interim heads are counted
            # so that the final head is measured alone).
            if self.received > self._limits.head_bytes or isinstance(
                event, h11.InformationalResponse
            ):
                consumed = self.received - self._pending - len(h.trailing_data[0])
                if consumed - fed_before > self._limits.head_bytes:
                    raise Malformed(f"response head over {self._limits.head_bytes} bytes")
                fed_before = consumed
            if len(event.headers) > self._limits.header_count:
                raise Malformed(f"more than {self._limits.header_count} header fields")
            if event.http_version not in _VERSIONS:
                raise Malformed(f"unsupported HTTP version {event.http_version[:8]!r}")
            if isinstance(event, h11.Response):
                return event
            if interim == _MAX_INTERIM:
                raise Malformed(f"more than {_MAX_INTERIM} interim responses")
            interim += 1

    async def _body(self, h: h11.Connection, headers: list[tuple[bytes, bytes]]) -> bool:
        """Read and discard the body; whether the connection may carry another request."""
        names = {n for n, _ in headers}
        # With Content-Length too, Transfer-Encoding wins but the message is suspect.
        reusable = not (b"transfer-encoding" in names and b"content-length" in names)
        length = next((v for n, v in headers if n == b"content-length"), None)
        if length is not None and int(length) > self._limits.body_bytes:
            return False
        total = 0
        while True:
            event = await self._next(h, in_head=False)
            if isinstance(event, h11.Data):
                total += len(event.data)
                if total > self._limits.body_bytes:
                    return False
            elif isinstance(event, h11.EndOfMessage):
                return reusable
            else:
                raise Malformed(f"unexpected {type(event).__name__} in the body")

    async def _next(self, h: h11.Connection, *, in_head: bool) -> h11.Event:
        """The next event of the response, feeding h11 what the socket received."""
        while True:
            try:
                event = h.next_event()
            except h11.RemoteProtocolError as exc:
                if in_head and "buffer too long" in str(exc):
                    raise Malformed(f"response head over {self._limits.head_bytes} bytes") from None
                raise Malformed(str(exc)[:200]) from None
            if event is h11.PAUSED:
                raise Malformed("data after the end of the response")
            if event is not h11.NEED_DATA:
                assert isinstance(event, h11.Event)
                return event
            if self._chunks:
                data = b"".join(self._chunks) if len(self._chunks) > 1 else self._chunks[0]
                self._chunks.clear()
                self._pending = 0
                h.receive_data(data)
                continue
            if self.eof:
                return self._at_eof(h)
            await self._more()

    def _at_eof(self, h: h11.Connection) -> h11.Event:
        """The socket ended with h11 waiting for more: the end of a read-to-close body, or Closed."""
        closed = Closed(f"{type(self.error).__name__}: {self.error}" if self.error else "")
        if self._eof_fed:
            raise closed
        self._eof_fed = True
        h.receive_data(b"")
        try:
            event = h.next_event()
        except h11.RemoteProtocolError:
            raise closed from None
        if not isinstance(event, h11.EndOfMessage):
            raise closed
        return event

    @staticmethod
    def _leftover(h: h11.Connection) -> bool:
        try:
            return h.next_event() is not h11.NEED_DATA
        except h11.RemoteProtocolError:
            return True

    async def _more(self) -> None:
        """Wait until more bytes arrive or the socket ends."""
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
