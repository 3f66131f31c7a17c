"""What every part of a budget round reads: the round, its state, its stored running result."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from governance import Allocation, Bucket, Budget, Kind, Proposal
from governance.codec import datetime_from_str
from node.appkeys import ACTORS, DB
from node.errors import NotFound
from node.pool_engine.common import iso, signed, store
from node.storage import ActorRecord, BudgetStore, StoredProposal
from node.wire.budget import result_document

__all__ = ["buckets", "budget_of", "refresh_result", "round_of", "signed_result"]


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
    numbers, then every accepted allocation (the counting order picks each member's)."""
    proposal = Proposal.from_dict(stored.proposal)
    store_ = buckets(app)
    accepted = [(Bucket.from_dict(b.bucket), datetime_from_str(b.document["published"]))
                for b in await store_.buckets(stored.id)]
    allocations = [Allocation.from_dict(a.allocation) for a in await store_.allocations(stored.id)]
    return Budget.recount(proposal, accepted, allocations)


async def signed_result(app: web.Application, pool: ActorRecord, stored: StoredProposal,
                        budget: Budget, at: datetime, *, final: bool) -> dict[str, object]:
    """The round's BudgetResult as of now, signed by the pool."""
    ids = [a.uri for a in await buckets(app).allocations(stored.id)]
    document = result_document(budget, pool.uri, ids, final=final, updated=iso(at))
    return signed(document, pool, at)


async def refresh_result(app: web.Application, pool: ActorRecord, stored: StoredProposal,
                         budget: Budget, at: datetime) -> None:
    """Store the running result after a bucket or an allocation (the pool's lock is held)."""
    document = await signed_result(app, pool, stored, budget, at, final=False)
    await store(app).set_tally(stored.id, str(document["outcome"]), document, iso(at))
