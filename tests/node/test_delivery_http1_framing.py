"""The delivery client reads odd and hostile answers strictly, within its caps (h11 framing)."""

from __future__ import annotations

import asyncio

import pytest

from tests.node.http1_servers import (
    OK,
    RawServer,
    client_fixture,  # noqa: F401 (the ``client`` fixture)
    post,
    raw_fixture,  # noqa: F401 (the ``raw`` fixture)
    start_answering,
)


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
    assert isinstance(answer, str) and answer.startswith("malformed response: illegal chunk header")


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


async def test_a_head_that_never_ends_is_cut_at_the_cap(raw, client):
    holder: list[RawServer] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await holder[0].read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        try:
            for i in range(2_000):  # 2,000 header lines of 40 bytes, never the blank line
                writer.write(b"X-Pad-%04d: %s\r\n" % (i, b"a" * 26))
                await writer.drain()
            await reader.read()
        except ConnectionError:
            pass
        holder[0].closed_by_client.set()

    holder.append(await raw(handler))
    answer = await post(client(), holder[0].port)
    assert answer == "malformed response: response head over 65536 bytes"
    await asyncio.wait_for(holder[0].closed_by_client.wait(), 5)


async def test_more_than_eight_interim_answers_is_an_error(raw, client):
    server = await start_answering(raw, b"HTTP/1.1 100 Continue\r\n\r\n" * 9 + OK)
    answer = await post(client(), server.port)
    assert answer == "malformed response: more than 8 interim responses"
    many = await start_answering(raw, b"HTTP/1.1 100 Continue\r\n\r\n" * 8 + OK)
    assert await post(client(), many.port) == (202, None)


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/0.9 200 OK\r\nContent-Length: 0\r\n\r\n",
        # Only chunked is a transfer coding a client must know (RFC 9112 §7).
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
)
async def test_unsupported_versions_and_codings_are_errors(raw, client, response):
    server = await start_answering(raw, response)
    answer = await post(client(), server.port)
    assert isinstance(answer, str) and answer.startswith("malformed response:"), answer
    await asyncio.wait_for(server.closed_by_client.wait(), 5)


async def test_chunked_with_content_length_too_is_read_but_not_reused(raw, client):
    suspect = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
               b"5\r\nhello\r\n0\r\n\r\n")
    server = await start_answering(raw, suspect, OK)
    c = client()
    assert await post(c, server.port) == (200, None)
    await asyncio.wait_for(server.closed_by_client.wait(), 5)
    assert await post(c, server.port) == (200, None)
    assert c.opened == 2


async def test_a_large_body_under_the_cap_is_read_through_and_the_connection_kept(raw, client):
    # 600 KB: more than the client buffers before it pauses reading the socket.
    body = b"y" * 600_000
    big = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    server = await start_answering(raw, big, big, OK)
    c = client()
    for _ in range(2):
        assert await post(c, server.port) == (200, None)
    assert await post(c, server.port) == (202, None)
    assert c.opened == 1 and server.connections == 1


async def test_retry_after_as_a_date_is_returned_as_sent(raw, client):
    server = await start_answering(
        raw, b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: Wed, 21 Oct 2037 07:28:00 GMT\r\n"
             b"Content-Length: 0\r\n\r\n")
    assert await post(client(), server.port) == (429, "Wed, 21 Oct 2037 07:28:00 GMT")


async def test_interim_heads_do_not_count_towards_the_final_heads_cap(raw, client):
    holder: list[RawServer] = []
    pad = b"X-Pad: " + b"p" * 9_000 + b"\r\n"

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await holder[0].read_request(reader)
        # 48 KB of interim heads first, then a 36 KB final head: each under the 64 KB cap.
        writer.write(b"HTTP/1.1 103 Early Hints\r\n" + pad * 5 + b"\r\n")
        writer.write(b"HTTP/1.1 103 Early Hints\r\n" + pad * 1 + b"\r\n")
        await writer.drain()
        await asyncio.sleep(0.2)
        writer.write(b"HTTP/1.1 202 Accepted\r\n" + pad * 4 + b"Content-Length: 0\r\n\r\n")
        await reader.read()

    holder.append(await raw(handler))
    assert await post(client(), holder[0].port) == (202, None)
