"""The inbox baseline: a bare aiohttp app that reads the body and answers 202.

Run as ``python -m bench.baseline_server PORT``; binds 127.0.0.1 only.
"""

from __future__ import annotations

import sys

from aiohttp import web

__all__ = ["create_app"]


async def _inbox(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(status=202)


def create_app() -> web.Application:
    """The same route shape as the node's shared inbox, and nothing else."""
    app = web.Application()
    app.router.add_post("/inbox", _inbox)
    app.router.add_get("/nodeinfo/2.1", lambda request: _ok())
    return app


async def _ok() -> web.Response:
    return web.Response(text="ok")


if __name__ == "__main__":
    web.run_app(create_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
