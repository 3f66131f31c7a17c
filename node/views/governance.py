"""A pool's governance documents: proposals (also as Questions), electorates, tallies, ballots, ledger."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.access import require_record_reader
from node.activitypub import activity_response
from node.appkeys import ACTORS
from node.auth import authenticated_actor
from node.documents import collection_document
from node.errors import Forbidden, NotFound
from node.pool_engine import UNSIGNED_BALLOTS, balances, question_of, tally_of
from node.pool_engine.common import roster_of, store
from node.storage import ActorRecord, StoredProposal
from node.views.paging import keyset_page, wants_page
from schemas import OBJECT_CONTEXT, POOLNODE_CONTEXT_URL, load_context

__all__ = ["PROPOSAL", "proposal_of", "routes"]

routes = web.RouteTableDef()

POOL = r"/pools/{name:[a-z0-9_]+}"
PROPOSAL = POOL + r"/proposals/{key:[0-9a-f-]{36}}"


async def _pool(request: web.Request) -> ActorRecord:
    """The pool named by the route, whose record this reader may see (its bylaws' visibility)."""
    pool = await request.app[ACTORS].by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(f"no pool named {request.match_info['name']!r}")
    await require_record_reader(request, pool)
    return pool


async def proposal_of(request: web.Request) -> tuple[ActorRecord, StoredProposal]:
    """The pool and the proposal named by the route, if this reader may read the pool's record."""
    pool = await _pool(request)
    uri = f"{pool.uri}/proposals/{request.match_info['key']}"
    stored = await store(request.app).proposal(uri)
    if stored is None:
        raise NotFound("no such proposal")
    return pool, stored


@routes.get("/ns/v1")
async def get_vocabulary(request: web.Request) -> web.Response:
    """Our JSON-LD context (canonically https://poolnode.org/ns/v1), served from the bundle."""
    return web.json_response(load_context(POOLNODE_CONTEXT_URL), content_type="application/ld+json")


@routes.get(POOL + "/proposals")
async def get_proposals(request: web.Request) -> web.Response:
    """The pool's proposals, newest first, as full pool-signed Proposal documents."""
    pool = await _pool(request)
    governance = store(request.app)
    collection_id = pool.uri + "/proposals"
    if not wants_page(request):
        total = await governance.count_proposals(pool.id)
        return activity_response(request, collection_document(collection_id, total))
    return await keyset_page(
        request, collection_id,
        lambda limit, before: governance.proposals_of_pool(pool.id, limit=limit, before=before),
        item=lambda r: r.document, cursor=lambda r: r.id)


@routes.get(PROPOSAL)
async def get_proposal(request: web.Request) -> web.Response:
    """One pool-signed Proposal document."""
    _, stored = await proposal_of(request)
    return activity_response(request, stored.document)


@routes.get(PROPOSAL + "/electorate")
async def get_electorate(request: web.Request) -> web.Response:
    """The frozen, pool-signed Electorate of a proposal."""
    _, stored = await proposal_of(request)
    return activity_response(request, stored.electorate_document)


@routes.get(PROPOSAL + "/question")
async def get_question(request: web.Request) -> web.Response:
    """The proposal as an ActivityStreams Question (what Mastodon shows as a poll)."""
    pool, stored = await proposal_of(request)
    if stored.kind == "budget_round":
        raise NotFound("a budget round is no poll: it has no Question")
    return activity_response(request, await question_of(request.app, pool, stored))


@routes.get(PROPOSAL + "/tally")
async def get_tally(request: web.Request) -> web.Response:
    """The latest pool-signed Tally (``final`` once the proposal closed), as stored: a reader
    never makes the pool sign. A running one comes with ``Poolnode-Unsigned-Ballots``, the
    ballots accepted since it was signed (the running-tally clock signs them within its
    interval; docs/PROTOCOL.md, "Running tallies")."""
    pool = await _pool(request)
    uri = f"{pool.uri}/proposals/{request.match_info['key']}"
    served = await tally_of(request.app, uri)  # one query: no document of the proposal read
    if served is None:
        raise NotFound("no such proposal")
    if served.kind == "budget_round":
        raise NotFound(f"a budget round has no tally: its result is at {uri}/result")
    if served.document is None:
        raise NotFound("no tally yet")
    response = activity_response(request, served.document)
    if not served.final:
        response.headers[UNSIGNED_BALLOTS] = str(served.unsigned)
    return response


@routes.get(PROPOSAL + "/effect")
async def get_effect(request: web.Request) -> web.Response:
    """What became of a closed proposal's decision (docs/PROTOCOL.md, "Effects"); unsigned: the
    signed facts are the final Tally and the ledger entries it refers to."""
    pool, stored = await proposal_of(request)
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT, "id": stored.uri + "/effect", "type": "Effect",
        "pool": pool.uri, "proposal": stored.uri, "outcome": stored.outcome,
        "effect": "open" if stored.state == "open" else stored.effect,
    }
    if stored.effect_reason and stored.effect in ("waiting_funds", "refused", "lapsed"):
        document["effectReason"] = stored.effect_reason
    if stored.effect_at and stored.state == "closed":
        document["effectSince"] = stored.effect_at
    return activity_response(request, document)


@routes.get(PROPOSAL + "/call")
async def get_call(request: web.Request) -> web.Response:
    """A passed investment's capital call: each member's due, paid and outstanding
    (docs/PROTOCOL.md, "Capital calls"); unsigned, like the Effect, as it sums signed entries."""
    from node.assets.investment import call_document, call_view

    pool, stored = await proposal_of(request)
    view = await call_view(request.app, pool, stored) if stored.kind == "investment" else None
    if view is None:
        raise NotFound("this proposal has no capital call")
    return activity_response(request, call_document(view, pool.uri))


@routes.get(PROPOSAL + "/ballots")
async def get_ballots(request: web.Request) -> web.Response:
    """Every accepted ballot as its signed document, newest first, paged on arrival order.

    The inputs anyone can recount from (docs/PROTOCOL.md §Recounting a result): follow
    ``first`` and each page's ``next`` until a page has none.
    """
    pool = await _pool(request)
    governance = store(request.app)
    uri = f"{pool.uri}/proposals/{request.match_info['key']}"
    # Only the row id: a page must not decode the proposal's documents (the electorate
    # lists every member).
    proposal_id = await governance.proposal_row_id(uri)
    if proposal_id is None:
        raise NotFound("no such proposal")
    collection_id = uri + "/ballots"
    if not wants_page(request):
        total = await governance.count_ballots(proposal_id)
        return activity_response(request, collection_document(collection_id, total))
    return await keyset_page(
        request, collection_id,
        lambda limit, before: governance.ballots_page(proposal_id, limit=limit, before=before),
        item=lambda r: r.document, cursor=lambda r: r.id)


@routes.get(POOL + "/ledger")
async def get_ledger(request: web.Request) -> web.Response:
    """The pool's ledger: pool-signed LedgerEntry documents, newest first, paged by sequence."""
    pool = await _pool(request)
    governance = store(request.app)
    collection_id = pool.uri + "/ledger"
    if not wants_page(request):
        summary = await balances(request.app, pool)
        document = collection_document(collection_id, summary["entries"])
        document["@context"] = ["https://www.w3.org/ns/activitystreams", POOLNODE_CONTEXT_URL]
        document["headHash"] = summary["headHash"]
        return activity_response(request, document)
    return await keyset_page(
        request, collection_id,
        lambda limit, before: governance.ledger_page(pool.id, limit=limit, before=before),
        item=lambda r: r.document, cursor=lambda r: r.sequence)


@routes.get(POOL + "/applications")
async def get_applications(request: web.Request) -> web.Response:
    """Pending applicants with their share claim and confirmed capital (stewards and treasurers)."""
    pool = await _pool(request)
    viewer = await authenticated_actor(request)
    governance = store(request.app)
    membership = await governance.membership(pool.id, viewer.uri)
    if membership is None or membership.state != "member" or not (
            {"steward", "treasurer"} & set(membership.roles)):
        raise Forbidden("only a steward or treasurer of this pool sees its applications")
    _, bylaws, ledger = await roster_of(request.app, pool)
    applications = [
        {"person": m.person_uri, "join": join_id, "since": m.joined_at, "sharePayment": claim,
         "sharePaid": ledger.capital_of(m.person_uri)}
        for m, join_id, claim in await governance.applications(pool.id)
    ]
    return web.json_response({"pool": pool.uri, "admission": bylaws.admission.value,
                              "minimumShare": bylaws.min_share, "currency": bylaws.currency,
                              "applications": applications})


@routes.get(POOL + "/ledger/balances")
async def get_balances(request: web.Request) -> web.Response:
    """Balances from a replay of the ledger, and the head hash a replay must reach."""
    pool = await _pool(request)
    return web.json_response({"pool": pool.uri, **await balances(request.app, pool)})


@routes.get(POOL + r"/ledger/{sequence:[0-9]+}")
async def get_entry(request: web.Request) -> web.Response:
    """One LedgerEntry document."""
    pool = await _pool(request)
    entry = await store(request.app).entry(f"{pool.uri}/ledger/{request.match_info['sequence']}")
    if entry is None:
        raise NotFound("no such ledger entry")
    return activity_response(request, entry.document)
