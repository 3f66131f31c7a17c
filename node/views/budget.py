"""A budget round's documents: its buckets, its members' allocations and its result.

Read like the rest of the pool's record (its bylaws' visibility). While a round is open and
its rules keep allocations private (``allocationsVisible: false``), the allocations collection
answers 403 with the reason: who gave what is published when the round closes; the result,
with every bucket's total, is always readable.
"""

from __future__ import annotations

from aiohttp import web

from governance import Proposal
from governance.proposals import BudgetRound
from node.activitypub import activity_response
from node.budget import buckets as budget_store
from node.budget import current_result, round_of
from node.documents import collection_document
from node.errors import Forbidden, NotFound
from node.storage import ActorRecord, StoredProposal
from node.views.governance import PROPOSAL, proposal_of
from node.views.paging import keyset_page, wants_page

__all__ = ["routes"]

routes = web.RouteTableDef()


async def _round(request: web.Request) -> StoredProposal:
    _, stored = await proposal_of(request)
    await round_of(request.app, stored.uri)  # 404 for any other kind of proposal
    return stored


async def _pool_round(request: web.Request) -> tuple[ActorRecord, StoredProposal]:
    pool, stored = await round_of(request.app, (await _round(request)).uri)
    return pool, stored


@routes.get(PROPOSAL + "/result")
async def get_result(request: web.Request) -> web.Response:
    """The round's latest pool-signed BudgetResult (``final`` once it closed)."""
    pool, stored = await _pool_round(request)
    document = await current_result(request.app, pool, stored)
    if document is None:
        raise NotFound("no result yet")
    return activity_response(request, document)


@routes.get(PROPOSAL + "/buckets")
async def get_buckets(request: web.Request) -> web.Response:
    """Every accepted bucket as its pool-signed document, newest first."""
    stored = await _round(request)
    rows = budget_store(request.app)
    collection_id = stored.uri + "/buckets"
    if not wants_page(request):
        return activity_response(request, collection_document(collection_id, await rows.count_buckets(stored.id)))
    return await keyset_page(
        request, collection_id,
        lambda limit, before: rows.buckets_page(stored.id, limit=limit, before=before),
        item=lambda r: r.document, cursor=lambda r: r.id)


@routes.get(PROPOSAL + r"/buckets/{number:[0-9]{1,9}}")
async def get_bucket(request: web.Request) -> web.Response:
    """One pool-signed Bucket."""
    stored = await _round(request)
    found = await budget_store(request.app).bucket(f"{stored.uri}/buckets/{request.match_info['number']}")
    if found is None:
        raise NotFound("no such bucket")
    return activity_response(request, found.document)


@routes.get(PROPOSAL + "/allocations")
async def get_allocations(request: web.Request) -> web.Response:
    """Every accepted allocation as its member signed it, newest first: the inputs a recount
    reads (docs/PROTOCOL.md §Budget rounds)."""
    stored = await _round(request)
    motion = Proposal.from_dict(stored.proposal).motion
    if (stored.state == "open" and isinstance(motion, BudgetRound) and motion.rules is not None
            and not motion.rules.allocations_visible):
        raise Forbidden("this pool's bylaws keep who allocated what private until the round closes")
    rows = budget_store(request.app)
    collection_id = stored.uri + "/allocations"
    if not wants_page(request):
        total = await rows.count_allocations(stored.id)
        return activity_response(request, collection_document(collection_id, total))
    return await keyset_page(
        request, collection_id,
        lambda limit, before: rows.allocations_page(stored.id, limit=limit, before=before),
        item=lambda r: r.document, cursor=lambda r: r.id)
