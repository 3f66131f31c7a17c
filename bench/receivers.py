"""Run as ``python -m bench.receivers``: many loopback inboxes for the fan-out benchmark.

Request (stdin, first line JSON): hosts, time_limit. Starts ``hosts`` aiohttp servers on
127.0.0.1 (one port each: one delivery "host" each), prints ``{"ports": [...]}``, then
counts POSTs per path until stdin says "stop" (or the time limit). Answers the counts.
Each receiver reads the body and answers 202, as a fast remote inbox would.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from aiohttp import web

__all__ = ["main"]


async def run(hosts: int, time_limit: float) -> dict[str, object]:
    """Serve until told to stop; returns total POSTs and distinct paths seen."""
    received: dict[str, int] = {}
    busy = {"first": 0.0, "cpu_at_first": 0.0, "last_cpu": 0.0}

    async def inbox(request: web.Request) -> web.Response:
        if not received:
            busy["cpu_at_first"] = time.process_time()
        await request.read()
        key = f"{request.host}{request.path}"
        received[key] = received.get(key, 0) + 1
        busy["last_cpu"] = time.process_time()
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/{tail:.*}", inbox)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    ports = []
    for _ in range(hosts):
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    print(json.dumps({"ports": ports}), flush=True)
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(time_limit):
            await loop.run_in_executor(None, sys.stdin.readline)
    except TimeoutError:
        pass
    await runner.cleanup()
    return {"posts": sum(received.values()), "distinct": len(received),
            "duplicates": sum(n - 1 for n in received.values() if n > 1),
            # CPU the receivers spent from the first POST to the last: on a 2-core machine
            # this is time the sender cannot use.
            "cpu_seconds": round(busy["last_cpu"] - busy["cpu_at_first"], 4)}


def main() -> None:
    """Read the request, serve, print the counts."""
    request = json.loads(sys.stdin.readline())
    print(json.dumps(asyncio.run(run(int(request["hosts"]), float(request["time_limit"])))),
          flush=True)


if __name__ == "__main__":
    main()
