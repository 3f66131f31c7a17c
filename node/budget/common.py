"""What every part of a budget round reads: the round, its state, its stored running result."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from governance import Allocation, Bucket, Budget, Kind, Proposal
from governance.codec import datetime_from_str
from node.appkeys import ACTORS, DB
from node.errors import NotFound
from node.pool_engine.common import iso, signed, store
from node.storage import ActorRecord, BudgetStore, StoredProposal
from node.wire.budget import result_document

__all__ = ["RUNNING_RESULTS", "buckets", "budget_of", "current_result", "round_of", "signed_result"]


def buckets(app: web.Application) -> BudgetStore:
    """The budget queries over the app's database (stateless, so built on demand)."""
    return BudgetStore(app[DB])


async def round_of(app: web.Application, uri: object) -> tuple[ActorRecord, StoredProposal]:
    """A local pool's budget round by its id, and the pool; NotFound otherwise."""
    stored = await store(app).proposal(uri) if isinstance(uri, str) else None
    if stored is None or stored.kind != Kind.BUDGET_ROUND:
        raise NotFound("no such budget round on this node")
    pool = await app[ACTORS].by_id(stored.pool_id)
    if pool is None:
        raise NotFound("no such pool on this node")
    return pool, stored


async def budget_of(app: web.Application, stored: StoredProposal) -> Budget:
    """The round recounted from what the pool accepted: its buckets in the order of their
    numbers, then each member's allocations of their greatest sequence (the counting order
    picks among them; one with a smaller sequence never counts, so it is not even read)."""
    proposal = Proposal.from_dict(stored.proposal)
    store_ = buckets(app)
    accepted = [(Bucket.from_dict(b.bucket), datetime_from_str(b.document["published"]))
                for b in await store_.buckets(stored.id)]
    allocations = [Allocation.from_dict(a) for a in await store_.latest_allocations(stored.id)]
    return Budget.recount(proposal, accepted, allocations)


async def signed_result(app: web.Application, pool: ActorRecord, stored: StoredProposal,
                        budget: Budget, at: datetime, *, final: bool) -> dict[str, Any]:
    """The round's BudgetResult as of now, signed by the pool."""
    ids = await buckets(app).allocation_ids(stored.id)
    document = result_document(budget, pool.uri, ids, final=final, updated=iso(at))
    return signed(document, pool, at)


RUNNING_RESULTS: web.AppKey[dict[int, tuple[tuple[int, int], dict[str, Any]]]] = web.AppKey(
    "running_round_results", dict)
"""Each open round's last signed running result, with the (buckets, allocations) counts it was
signed at: signed again only when a reader asks after something was added."""


async def current_result(app: web.Application, pool: ActorRecord,
                         stored: StoredProposal) -> dict[str, Any] | None:
    """The round's result as a reader gets it: the final one once it closed; while it is
    open, a running one signed now over everything accepted (not stored, not delivered).

    Signing lists every allocation id, so it is done on reading, once per change, not on
    every allocation under the pool's lock."""
    if stored.state != "open":
        return await store(app).tally_document(stored.id)
    counts = await buckets(app).counts(stored.id)
    cache = app.get(RUNNING_RESULTS)
    kept = cache.get(stored.id) if cache is not None else None
    if kept is not None and kept[0] == counts:
        return kept[1]
    document = await signed_result(app, pool, stored, await budget_of(app, stored),
                                   datetime.now(UTC), final=False)
    if cache is not None:
        cache[stored.id] = (counts, document)
    return document
