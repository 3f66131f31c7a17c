"""``poolnode verify`` stops where its bounds say, and reports what it checked until then."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web

from node.cli import _parser
from node.cli.common import Output
from schemas import validation_errors

AS2 = "application/activity+json"


async def pool(request: web.Request) -> web.Response:
    me = str(request.url)
    return web.Response(body=json.dumps({"id": me, "type": "Group", "proposals": me + "/proposals",
                                         "ledger": me + "/ledger"}).encode(),
                        headers={"Content-Type": AS2})


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(5)
    raise web.HTTPNotFound()


@pytest.fixture
async def base(aiohttp_server: Any) -> str:
    app = web.Application()
    app.router.add_get("/pools/commons", pool)
    app.router.add_get("/pools/commons/{rest:.*}", slow)
    server = await aiohttp_server(app, host="127.0.0.1")
    return f"http://127.0.0.1:{server.port}"


async def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    args = _parser().parse_args(["verify", *argv, "--json", "--quiet", "--allow-private-addresses"])
    code = await args.run(args, Output(True))
    report = json.loads(capsys.readouterr().out)
    assert validation_errors("verify-report", report) == []
    return int(code), report


async def test_the_whole_run_stops_at_its_timeout(base: str, capsys: pytest.CaptureFixture[str]) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    code, report = await _run(capsys, base + "/pools/commons", "--timeout", "0.5")
    assert loop.time() - started < 3
    assert code == 2 and report["kind"] == "pool"
    (stopped,) = [c for c in report["checks"] if c["check"] == "time"]
    assert stopped["verdict"] == "error" and "--timeout" in stopped["detail"]


async def test_a_response_over_the_size_bound_is_refused(base: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = await _run(capsys, base + "/pools/commons", "--max-bytes", "20")
    assert code == 2
    (target,) = report["checks"]
    assert (target["check"], target["verdict"]) == ("target", "error")
    assert target["detail"].startswith("response too large")


async def test_the_request_bound_is_reported(base: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = await _run(capsys, base + "/pools/commons", "--max-requests", "1")
    assert code == 2
    assert any("bound of 1 requests" in c["detail"] for c in report["checks"] if c["verdict"] == "error")
