"""What this node knows of other nodes' pools: verified documents and our recounts (JSON)."""

from __future__ import annotations

from aiohttp import web

from node.errors import InvalidRequest, NotFound
from node.pool_engine.remote_results import remote_pool, remote_proposal

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/remote")
async def get_remote(request: web.Request) -> web.Response:
    """``?proposal=<id>``: a remote proposal's verified documents, ballots and recount;
    ``?pool=<id>``: a remote pool's known proposals (with their result) and ledger entries."""
    proposal, pool = request.query.get("proposal"), request.query.get("pool")
    target = proposal or pool
    if target is None or not target.startswith(("https://", "http://")):
        raise InvalidRequest("give ?proposal=<id> or ?pool=<id> (an http(s) URL)")
    found = await (remote_proposal(request.app, target) if proposal else remote_pool(request.app, target))
    if found is None:
        raise NotFound("this node holds no verified document of it")
    return web.json_response(found)
