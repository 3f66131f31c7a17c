"""A pool's floods: the floods it is linked in, flood documents, flood proposals with their
electorates, the flood tally (with every pool's attestation and any mismatch)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from node.access import require_record_reader
from node.activitypub import activity_response
from node.appkeys import ACTORS
from node.errors import InvalidRequest, NotFound
from node.floods import compute, flood_pools, flood_status, floods, list_complete, shares_view
from node.storage import ActorRecord
from node.wire.floods import ballot_list_document, ballot_list_id, flood_document

__all__ = ["routes"]

routes = web.RouteTableDef()

POOL = r"/pools/{name:[a-z0-9_]+}"
KEY = r"{key:[0-9a-f]{32}}"


async def _pool(request: web.Request) -> ActorRecord:
    pool = await request.app[ACTORS].by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(f"no pool named {request.match_info['name']!r}")
    return pool


async def _record_of(request: web.Request) -> ActorRecord:
    """The pool, whose flood record (proposals, electorates, ballot lists, attestations, tallies)
    this reader may see: its members and the pools of its floods when the bylaws say members."""
    pool = await _pool(request)
    await require_record_reader(request, pool)
    return pool


@routes.get(POOL + "/floods")
async def get_floods(request: web.Request) -> web.Response:
    """The floods the pool takes part in: each with the pools it is linked with and its links."""
    pool = await _pool(request)
    seen: dict[str, dict[str, Any]] = {}
    for link in await floods(request.app).links(pool.id):
        entry = seen.setdefault(link.flood_uri, {"id": link.flood_uri, "name": link.flood_name,
                                                 "links": []})
        entry["links"].append({"peer": link.peer_uri, "state": link.state})
    for flood, entry in seen.items():
        entry["pools"] = await flood_pools(request.app, pool, flood)
        entry["proposals"] = [p.uri for p in await floods(request.app).proposals_of_flood(flood)]
    return web.json_response({"pool": pool.uri, "floods": list(seen.values())})


@routes.get(POOL + "/floods/tally")
async def get_flood_tally(request: web.Request) -> web.Response:
    """The flood tally of ``?proposal=`` as this node computes it, and the pools' attestations."""
    await _record_of(request)
    uri = request.query.get("proposal")
    if not uri:
        raise InvalidRequest("name the flood proposal: ?proposal=<id>")
    store = floods(request.app)
    stored = await store.proposal(uri)
    if stored is None:
        raise NotFound("no such flood proposal on this node")
    result = stored.result
    if stored.state == "open":
        computed = await compute(request.app, uri)
        result = computed[1] if computed is not None else None
    attestations = await store.attestations(uri)
    status, pending = await flood_status(request.app, stored, datetime.now(UTC))
    return web.json_response({
        "proposal": uri,
        "flood": stored.flood_uri,
        "pools": list(stored.pools),
        "status": status,
        "final": status == "final",
        "pendingPools": pending,
        "shares": await shares_view(request.app, uri),
        "closedAt": stored.closed_at,
        "result": result,
        "attestations": [{"pool": a.pool_uri, "id": a.uri, "matches": a.matches,
                          "outcome": a.document.get("outcome"),
                          "tallyDigest": a.document.get("tallyDigest")} for a in attestations],
        "mismatches": [{"pool": a.pool_uri, "id": a.uri, "reason": a.reason}
                       for a in attestations if a.matches is False],
    })


@routes.get(POOL + r"/floods/proposals/{key:[0-9a-f-]{36}}")
async def get_flood_proposal(request: web.Request) -> web.Response:
    """A flood proposal this pool opened (pool-signed)."""
    pool = await _record_of(request)
    stored = await floods(request.app).proposal(f"{pool.uri}/floods/proposals/{request.match_info['key']}")
    if stored is None:
        raise NotFound("no such flood proposal")
    return activity_response(request, stored.document)


@routes.get(POOL + "/floods/electorates/" + KEY)
async def get_flood_electorate(request: web.Request) -> web.Response:
    """The pool's signed electorate for a flood proposal."""
    pool = await _record_of(request)
    document = await floods(request.app).electorate_by_uri(
        f"{pool.uri}/floods/electorates/{request.match_info['key']}")
    if document is None:
        raise NotFound("no such electorate")
    return activity_response(request, document)


@routes.get(POOL + "/floods/ballots/" + KEY)
async def get_flood_ballot_list(request: web.Request) -> web.Response:
    """The ids of the ballots the pool accepted from its own members for a flood proposal."""
    pool = await _record_of(request)
    store = floods(request.app)
    # The pool's own electorate for the proposal has the same key and names the proposal.
    electorate = await store.electorate_by_uri(f"{pool.uri}/floods/electorates/{request.match_info['key']}")
    stored = await store.proposal(electorate["proposal"]) if electorate is not None else None
    if stored is not None and ballot_list_id(pool.uri, stored.uri).endswith(request.match_info["key"]):
        closes = stored.document["closesAt"]
        return activity_response(request, ballot_list_document(
            pool.uri, stored.uri, closes, sorted(await store.ballot_ids(stored.uri, pool.uri)),
            list_complete(closes, datetime.now(UTC))))
    raise NotFound("no such ballot list")


@routes.get(POOL + "/floods/attestations/" + KEY)
async def get_flood_attestation(request: web.Request) -> web.Response:
    """The pool's signed attestation of a flood proposal's result."""
    pool = await _record_of(request)
    document = await floods(request.app).attestation_by_uri(
        f"{pool.uri}/floods/attestations/{request.match_info['key']}")
    if document is None:
        raise NotFound("no such attestation")
    return activity_response(request, document)


@routes.get(POOL + r"/floods/{slug:[a-z0-9-]+}")
async def get_flood(request: web.Request) -> web.Response:
    """A flood named under this pool: the pools linked in it, as this pool sees them."""
    pool = await _pool(request)
    uri = f"{pool.uri}/floods/{request.match_info['slug']}"
    links = await floods(request.app).links(pool.id, uri)
    if not links:
        raise NotFound("no such flood")
    pools = await flood_pools(request.app, pool, uri)
    return activity_response(request, flood_document(uri, links[0].flood_name, pool.uri, pools))
