"""A pool's witnessing, for other nodes and verifiers: who witnessed its ledger head (each
witness's latest signed HeadAttestation), the heads it attested of other pools, every ledger
conflict it holds (signed LedgerConflicts), and the documents it signed, each at its id."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.access import require_record_reader
from node.activitypub import activity_response
from node.appkeys import ACTORS
from node.documents import collection_document
from node.errors import NotFound
from node.storage import ActorRecord
from node.views.paging import keyset_page, wants_page
from node.wire.witness import recount_path
from node.witness import witnesses
from node.witness.common import MAX_WITNESSES
from node.witness.links import MAX_WITNESSED
from schemas import AS_CONTEXT_URL, POOLNODE_CONTEXT_URL

__all__ = ["routes"]

routes = web.RouteTableDef()

POOL = r"/pools/{name:[a-z0-9_]+}"
_CONTEXT = [AS_CONTEXT_URL, POOLNODE_CONTEXT_URL]


async def _pool(request: web.Request) -> ActorRecord:
    pool = await request.app[ACTORS].by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(f"no pool named {request.match_info['name']!r}")
    await require_record_reader(request, pool)
    return pool


def _inline(collection_id: str, items: list[Any]) -> dict[str, Any]:
    return {"@context": _CONTEXT, "id": collection_id, "type": "OrderedCollection",
            "totalItems": len(items), "orderedItems": items}


@routes.get(POOL + "/witnesses")
async def get_witnesses(request: web.Request) -> web.Response:
    """The latest HeadAttestation of each witness of this pool's ledger, newest first."""
    pool = await _pool(request)
    kept = await witnesses(request.app).witnesses_of(pool.uri, MAX_WITNESSES)
    return activity_response(request, _inline(pool.uri + "/witnesses", [a.document for a in kept]))


@routes.get(POOL + "/witnessing")
async def get_witnessing(request: web.Request) -> web.Response:
    """The latest HeadAttestation this pool signed of each ledger it witnesses, newest first."""
    pool = await _pool(request)
    kept = await witnesses(request.app).attested_by(pool.uri, MAX_WITNESSED + MAX_WITNESSES)
    return activity_response(request, _inline(pool.uri + "/witnessing", [a.document for a in kept]))


@routes.get(POOL + r"/witnessing/{key:[0-9a-f]{32}}/{number:[0-9]{1,12}}")
async def get_attestation(request: web.Request) -> web.Response:
    """One HeadAttestation this pool signed, while it is the latest of that ledger."""
    pool = await _pool(request)
    uri = f"{pool.uri}/witnessing/{request.match_info['key']}/{request.match_info['number']}"
    kept = await witnesses(request.app).attestation_by_uri(uri)
    if kept is None or kept.witness_uri != pool.uri:
        raise NotFound(f"no such attestation: only the latest of each ledger is kept (see "
                       f"{pool.uri}/witnessing)")
    return activity_response(request, kept.document)


@routes.get(POOL + "/conflicts")
async def get_conflicts(request: web.Request) -> web.Response:
    """Every ledger conflict this pool holds (as witness or witnessed), newest first, paged."""
    pool = await _pool(request)
    store = witnesses(request.app)
    collection_id = pool.uri + "/conflicts"
    if not wants_page(request):
        document = collection_document(collection_id, await store.count_alarms(pool.id))
        document["@context"] = _CONTEXT
        return activity_response(request, document)
    return await keyset_page(
        request, collection_id,
        lambda limit, before: store.alarms_page(pool.id, limit=limit, before=before),
        item=lambda a: a.document, cursor=lambda a: a.id)


@routes.get(POOL + r"/conflicts/{key:[0-9a-f-]{36}}")
async def get_conflict(request: web.Request) -> web.Response:
    """One LedgerConflict this pool signed."""
    pool = await _pool(request)
    kept = await witnesses(request.app).alarm_by_uri(f"{pool.uri}/conflicts/{request.match_info['key']}")
    if kept is None or kept.pool_id != pool.id:
        raise NotFound("no such ledger conflict")
    return activity_response(request, kept.document)


@routes.get(POOL + r"/recounts/{key:[0-9a-f]{32}}")
async def get_recount(request: web.Request) -> web.Response:
    """One Recount this pool signed of another pool's final tally."""
    pool = await _pool(request)
    kept = await witnesses(request.app).report_by_uri(f"{pool.uri}/recounts/{request.match_info['key']}")
    if kept is None or kept.reporter_uri != pool.uri or kept.uri != recount_path(pool.uri, kept.proposal_uri):
        raise NotFound("no such recount")
    return activity_response(request, kept.document)
