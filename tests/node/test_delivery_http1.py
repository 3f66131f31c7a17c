"""The delivery POST client against real loopback servers, well-behaved and odd."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


@pytest.fixture
async def raw():  # type: ignore[no-untyped-def]
    started: list[RawServer] = []

    async def start(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> RawServer:
        server = await RawServer(handler).start(ssl_context)
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()


@pytest.fixture
async def client():  # type: ignore[no-untyped-def]
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


# ---- keep-alive, Host and pinning -------------------------------------------------------------


async def test_keep_alive_reuses_one_connection_and_sends_the_original_host(
    aiohttp_server, client
):
    seen: list[tuple[str, str | None, bytes]] = []

    async def inbox(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        seen.append((request.headers["Host"], peer[0] if peer else None, await request.read()))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    server = await aiohttp_server(app, host="127.0.0.1")
    c = client()
    for n in range(3):
        assert await post(c, server.port, b'{"n":%d}' % n) == (202, None)
    assert c.opened == 1
    # Connected to the pinned address; the Host header names the inbox's host.
    assert seen == [(f"peer.example:{server.port}", "127.0.0.1", b'{"n":%d}' % n) for n in range(3)]


async def test_retry_after_is_returned(aiohttp_server, client):
    async def inbox(request: web.Request) -> web.Response:
        return web.Response(status=503, headers={"Retry-After": "120"})

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    server = await aiohttp_server(app, host="127.0.0.1")
    assert await post(client(), server.port) == (503, "120")


async def test_a_redirect_is_a_result_not_followed(raw, client):
    server = await start_answering(
        raw, b"HTTP/1.1 308 Permanent Redirect\r\nLocation: http://10.0.0.1/\r\n"
             b"Content-Length: 0\r\n\r\n")
    assert await post(client(), server.port) == (308, None)
    assert server.connections == 1 and len(server.requests) == 1


async def test_the_request_is_well_formed(raw, client):
    server = await start_answering(raw, OK)
    assert await post(client(), server.port, b'{"a":1}') == (202, None)
    head, body = server.requests[0].split(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /inbox HTTP/1.1"
    assert f"Host: peer.example:{server.port}".encode() in lines
    assert b"Content-Length: 7" in lines and body == b'{"a":1}'


async def test_a_get_has_no_body_and_no_content_length(raw, client):
    server = await start_answering(raw, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    pinned = await pin(f"http://peer.example:{server.port}/.well-known/nodeinfo")
    assert await client().request("GET", pinned, {"Accept": "application/json"}, seconds=5) == (200, None)
    head = server.requests[0]
    assert head.startswith(b"GET /.well-known/nodeinfo HTTP/1.1\r\n") and head.endswith(b"\r\n\r\n")
    assert b"content-length" not in head.lower()


async def test_header_injection_is_refused_without_a_connection(raw, client):
    server = await start_answering(raw, OK)
    c = client()
    pinned = await pin(f"http://peer.example:{server.port}/inbox")
    answer = await c.request("POST", pinned, {"X-A": "1\r\nX-B: 2"}, b"{}", seconds=5)
    assert isinstance(answer, str) and "cannot send header" in answer
    assert c.opened == 0 and server.connections == 0


# ---- stale connections and retries ------------------------------------------------------------


@pytest.mark.parametrize("reset", [False, True])
async def test_an_idle_connection_the_server_closed_is_retried_once(raw, client, reset):
    holder: list[RawServer] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        assert await holder[0].read_request(reader) is not None
        writer.write(OK)
        await writer.drain()
        if n == 1:
            # Reads the next request and closes without a byte of answer, as a server
            # whose keep-alive timeout ended just as the request arrived.
            await holder[0].read_request(reader)
            if reset:  # an RST instead of a FIN
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
            return
        await reader.read()

    holder.append(await raw(handler))
    c = client()
    assert await post(c, holder[0].port) == (202, None)
    assert await post(c, holder[0].port) == (202, None)
    assert holder[0].connections == 2 and c.opened == 2
    assert len(holder[0].requests) == 3  # the first, the one lost, the retry


async def test_no_retry_after_part_of_an_answer(raw, client):
    server = await start_answering(raw, OK, b"HTTP/1.1 20", then_close=True)
    c = client()
    assert await post(c, server.port) == (202, None)
    answer = await post(c, server.port)
    assert isinstance(answer, str) and answer.startswith("connection closed before the response")
    assert server.connections == 1 and len(server.requests) == 2


async def test_a_new_connection_closed_before_answering_is_not_retried(raw, client):
    holder: list[RawServer] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await holder[0].read_request(reader)

    holder.append(await raw(handler))
    answer = await post(client(), holder[0].port)
    assert isinstance(answer, str) and answer.startswith("connection closed before the response")
    assert holder[0].connections == 1


async def test_a_truncated_body_is_an_error_and_not_retried(raw, client):
    holder: list[RawServer] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await holder[0].read_request(reader)
        writer.write(OK)
        await holder[0].read_request(reader)
        writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n\r\nabc")

    holder.append(await raw(handler))
    c = client()
    assert await post(c, holder[0].port) == (202, None)
    answer = await post(c, holder[0].port)
    assert isinstance(answer, str) and answer.startswith("connection closed before the response")
    assert holder[0].connections == 1 and c.opened == 1


# ---- response framing -------------------------------------------------------------------------


async def test_chunked_answer_with_extensions_and_trailers_keeps_the_connection(raw, client):
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\nhello\r\n1A\r\n" + b"x" * 26 + b"\r\n0\r\nX-Trailer: t\r\n\r\n")
    server = await start_answering(raw, chunked, chunked)
    c = client()
    assert await post(c, server.port) == (200, None)
    assert await post(c, server.port) == (200, None)
    assert c.opened == 1 and server.connections == 1


async def test_chunked_answer_over_the_cap_closes_the_connection(raw, client):
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"800\r\n" + b"x" * 0x800 + b"\r\n0\r\n\r\n")
    server = await start_answering(raw, chunked, chunked)
    c = client(body_bytes=1024)
    assert await post(c, server.port) == (200, None)
    await asyncio.wait_for(server.closed_by_client.wait(), 5)
    assert await post(c, server.port) == (200, None)
    assert c.opened == 2


async def test_a_bad_chunk_size_is_an_error(raw, client):
    server = await start_answering(
        raw, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    answer = await post(client(), server.port)
    assert isinstance(answer, str) and answer.startswith("malformed response: bad chunk size")


async def test_interim_answers_are_skipped(raw, client):
    server = await start_answering(
        raw, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
             + OK, OK)
    c = client()
    assert await post(c, server.port) == (202, None)
    assert await post(c, server.port) == (202, None)
    assert c.opened == 1


async def test_a_body_over_the_cap_is_not_read_and_the_status_stands(raw, client):
    holder: list[RawServer] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await holder[0].read_request(reader)
        writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 100000000\r\n\r\n")
        try:
            for _ in range(10_000):  # until the client hangs up
                writer.write(b"x" * 65536)
                await writer.drain()
        except ConnectionError:
            holder[0].closed_by_client.set()

    holder.append(await raw(handler))
    c = client()
    assert await post(c, holder[0].port) == (202, None)
    await asyncio.wait_for(holder[0].closed_by_client.wait(), 5)
    assert await post(c, holder[0].port) == (202, None)
    assert c.opened == 2


async def test_a_small_body_is_read_and_the_connection_kept(raw, client):
    answer = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\nnope!"
    server = await start_answering(raw, answer, OK)
    c = client()
    assert await post(c, server.port) == (400, None)
    assert await post(c, server.port) == (202, None)
    assert c.opened == 1


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 099 Weird\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
    ],
)
async def test_a_malformed_answer_is_an_error_string(raw, client, response):
    server = await start_answering(raw, response)
    c = client()
    answer = await post(c, server.port)
    assert isinstance(answer, str) and answer.startswith("malformed response:"), answer
    await asyncio.wait_for(server.closed_by_client.wait(), 5)  # and the connection is closed


async def test_an_oversized_head_is_an_error_string(raw, client):
    server = await start_answering(
        raw, b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 70_000 + b"\r\n\r\n")
    answer = await post(client(), server.port)
    assert answer == "malformed response: response head over 65536 bytes"
    await asyncio.wait_for(server.closed_by_client.wait(), 5)


async def test_too_many_header_fields_is_an_error_string(raw, client):
    server = await start_answering(
        raw, b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n")
    answer = await post(client(), server.port)
    assert answer == "malformed response: more than 100 header fields"


async def test_connection_close_is_honoured(raw, client):
    # The server says close but keeps the socket open: the client must not reuse it.
    server = await start_answering(
        raw, b"HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", OK)
    c = client()
    assert await post(c, server.port) == (202, None)
    assert await post(c, server.port) == (202, None)
    assert c.opened == 2 and server.connections == 2


async def test_http_1_0_answers(raw, client):
    server = await start_answering(raw, b"HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n", OK)
    c = client()
    assert await post(c, server.port) == (202, None)
    assert await post(c, server.port) == (202, None)
    assert c.opened == 2  # HTTP/1.0 without keep-alive: not reused
    kept = await start_answering(
        raw, b"HTTP/1.0 202 Accepted\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", OK)
    k = client()
    assert await post(k, kept.port) == (202, None)
    assert await post(k, kept.port) == (202, None)
    assert k.opened == 1


async def test_a_body_to_the_end_of_the_connection(raw, client):
    holder: list[RawServer] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await holder[0].read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nsome body until the end")

    holder.append(await raw(handler))
    c = client()
    assert await post(c, holder[0].port) == (200, None)
    assert await post(c, holder[0].port) == (200, None)
    assert c.opened == 2


async def test_204_has_no_body_even_if_the_server_sends_one(raw, client):
    server = await start_answering(raw, b"HTTP/1.1 204 No Content\r\n\r\n", OK)
    c = client()
    assert await post(c, server.port) == (204, None)
    assert await post(c, server.port) == (202, None)
    assert c.opened == 1


async def test_a_silent_server_times_out_and_the_connection_is_closed(raw, client):
    holder: list[RawServer] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await holder[0].read_request(reader)
        await reader.read()
        holder[0].closed_by_client.set()

    holder.append(await raw(handler))
    assert await post(client(), holder[0].port, seconds=0.2) == "timed out"
    await asyncio.wait_for(holder[0].closed_by_client.wait(), 5)


async def test_data_on_an_idle_connection_makes_it_unusable(raw, client):
    server = await start_answering(raw, OK + b"HTTP/1.1 200 OK\r\n\r\n", OK)
    c = client()
    assert await post(c, server.port) == (202, None)
    assert await post(c, server.port) == (202, None)
    assert c.opened == 2


async def test_idle_connections_are_closed_after_the_idle_timeout(raw, client):
    server = await start_answering(raw, OK, OK)
    c = client(idle_seconds=0.1)
    assert await post(c, server.port) == (202, None)
    await asyncio.wait_for(server.closed_by_client.wait(), 5)
    assert await post(c, server.port) == (202, None)
    assert c.opened == 2


async def test_at_most_per_origin_connections_at_once(raw, client):
    holder: list[RawServer] = []
    busy = [0, 0]  # now, most

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while await holder[0].read_request(reader) is not None:
            busy[0] += 1
            busy[1] = max(busy)
            await asyncio.sleep(0.05)
            busy[0] -= 1
            writer.write(OK)

    holder.append(await raw(handler))
    c = client(per_origin=2)
    answers = await asyncio.gather(*(post(c, holder[0].port) for _ in range(6)))
    assert answers == [(202, None)] * 6
    assert holder[0].connections == 2 and busy[1] == 2 and c.opened == 2


async def test_close_closes_idle_connections(raw, client):
    server = await start_answering(raw, OK, OK)
    c = client()
    assert await post(c, server.port) == (202, None)
    await c.close()
    await asyncio.wait_for(server.closed_by_client.wait(), 5)
    answer = await post(c, server.port)
    assert isinstance(answer, str) and "closed" in answer


# ---- TLS --------------------------------------------------------------------------------------


def _certificate(name: str) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@pytest.fixture
def tls(tmp_path):  # type: ignore[no-untyped-def]
    """A server context for peer.example, and a client context trusting only that cert."""
    cert, key = _certificate("peer.example")
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    trusting = ssl.create_default_context(cadata=cert.decode())
    return server, trusting


async def test_tls_checks_the_certificate_against_the_inbox_host(raw, client, tls):
    server_ctx, trusting = tls
    server = await start_answering(raw, OK, OK, ssl_context=server_ctx)
    c = client(ssl_context=trusting)
    assert await post(c, server.port, scheme="https") == (202, None)
    assert await post(c, server.port, scheme="https") == (202, None)
    assert c.opened == 1
    assert f"Host: peer.example:{server.port}".encode() in server.requests[0]


async def test_tls_refuses_a_certificate_for_another_name(raw, client, tls):
    server_ctx, trusting = tls
    holder: list[RawServer] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await holder[0].read_request(reader)

    holder.append(await raw(handler, server_ctx))
    c = client(ssl_context=trusting)
    pinned = await pin(f"https://peer.example:{holder[0].port}/inbox")
    wrong = PinnedURL(pinned.url, pinned.host_header, "other.example", pinned.address)
    answer = await c.request("POST", wrong, {}, b"{}", seconds=5)
    assert isinstance(answer, str) and answer.startswith("SSLCertVerificationError"), answer
    assert "other.example" in answer and holder[0].requests == []
