"""Unauthenticated bodies cannot make a 500 (issue 12, item 8): deep nesting, huge numbers, slow
or vanished clients. The slow clients are real sockets against a real loopback server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from federation.bounded_json import MAX_DEPTH, JSONTooComplex, loads_bounded
from node.app import create_app
from node.appkeys import INBOX, OBJECTS
from tests.conftest import make_node

DEEP = "[" * 100_000 + "]" * 100_000
HUGE_INT = '{"type": "Note", "n": ' + "9" * 5000 + "}"
BODIES = {
    "deep arrays": DEEP,
    "deep objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "huge integer": HUGE_INT,
    "huge float": '{"n": 1e999999}',
    "NaN": '{"n": NaN}',
}
JSON = {"Content-Type": "application/activity+json"}


async def _outbox_size(client: Any, node: Any) -> int:
    return int(await client.app[OBJECTS].collection_size(node.admin.id, "outbox"))


@pytest.mark.parametrize("name", list(BODIES))
async def test_inbox_refuses_unbounded_json_with_400(client, name: str) -> None:  # type: ignore[no-untyped-def]
    for path in ("/inbox", "/users/alice/inbox"):
        resp = await client.post(path, data=BODIES[name].encode(), headers=JSON)
        assert resp.status == 400, (path, await resp.text())
        assert "request body is refused" in (await resp.json())["error"]
    assert await client.app[INBOX].count() == 0


@pytest.mark.parametrize("name", list(BODIES))
async def test_outbox_refuses_unbounded_json_with_400(client, node, name: str) -> None:  # type: ignore[no-untyped-def]
    resp = await client.post("/users/admin/outbox", data=BODIES[name].encode(),
                             headers={**JSON, "Authorization": f"Bearer {node.admin_token}"})
    assert resp.status == 400, await resp.text()
    assert "request body is refused" in (await resp.json())["error"]
    assert await _outbox_size(client, node) == 0


def test_bounded_json_keeps_ordinary_documents_and_brackets_in_strings() -> None:
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads_bounded(nested) is not None
    with pytest.raises(JSONTooComplex):
        loads_bounded("[" + nested + "]")
    text = '{"content": "' + "[{" * 1000 + '", "n": 9007199254740991, "x": 0.1}'
    assert loads_bounded(text)["n"] == 2**53 - 1


# ---- slow and vanished clients over real sockets -----------------------------------------------

@asynccontextmanager
async def _serving(tmp_path: Path, body_timeout: float) -> AsyncIterator[tuple[web.Application, int]]:
    """The app served as `poolnode serve` serves it (web.run_app's defaults: handlers are not
    cancelled when the client goes away), on a free loopback port."""
    setup = await make_node(tmp_path / "data", body_read_timeout=body_timeout)
    app = create_app(setup.config)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield app, runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def _send_headers_and_part(port: int, path: str = "/inbox") -> tuple[Any, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"POST {path} HTTP/1.1\r\nHost: node.test\r\nContent-Type: application/activity+json\r\n"
                 "Content-Length: 1000\r\n\r\n{\"type\":".encode())
    await writer.drain()
    return reader, writer


async def test_a_slow_body_is_answered_408_and_logged_as_a_client_timeout(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    async with _serving(tmp_path, 0.5) as (app, port):
        reader, writer = await _send_headers_and_part(port)
        # The only wait is for the server's own deadline; the margin is generous for a busy machine.
        answer = await asyncio.wait_for(reader.read(), timeout=60)
        writer.close()
        stored = await app[INBOX].count()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"did not arrive within 0.5 seconds" in answer
    assert any("client timeout" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert stored == 0


async def test_a_client_that_hangs_up_mid_body_is_logged_as_such(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    async with _serving(tmp_path, 60) as (app, port):
        for path in ("/inbox", "/users/admin/outbox", "/pools/commons/ledger/record"):
            _, writer = await _send_headers_and_part(port, path)
            writer.close()
            await writer.wait_closed()
        closed: list[logging.LogRecord] = []
        for _ in range(600):  # until the server noticed all three (at most 60 s on a busy machine)
            closed = [r for r in caplog.records if "client closed the connection" in r.getMessage()]
            if len(closed) == 3:
                break
            await asyncio.sleep(0.1)
        stored = await app[INBOX].count()
    assert len(closed) == 3, [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert stored == 0
