"""The delivery POST client against real loopback servers: keep-alive, retries, pinning, TLS.

The framing of odd and hostile answers is in test_delivery_http1_framing.py.
"""

from __future__ import annotations

import asyncio
import datetime
import socket
import ssl
import struct

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from federation.pinning import PinnedURL
from tests.node.http1_servers import (
    OK,
    RawServer,
    client_fixture,  # noqa: F401 (the ``client`` fixture)
    pin,
    post,
    raw_fixture,  # noqa: F401 (the ``raw`` fixture)
    start_answering,
)

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


@pytest.mark.parametrize(
    ("headers", "reason"),
    [({"X-A": "caf\u00e9 \u20ac"}, "cannot send a header outside Latin-1"),
     ({"X-A": "padded "}, "cannot send this request:"),  # h11: no trailing whitespace
     ({"Bad Name": "x"}, "cannot send header 'Bad Name'")],
)
async def test_headers_h11_or_we_refuse_are_errors_without_a_connection(raw, client, headers,
                                                                        reason):
    server = await start_answering(raw, OK)
    c = client()
    pinned = await pin(f"http://peer.example:{server.port}/inbox")
    answer = await c.request("POST", pinned, headers, b"{}", seconds=5)
    assert isinstance(answer, str) and answer.startswith(reason), answer
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
