"""Closing proposals at their end time, and what a passed proposal does.

We close at ``closesAt`` only, never early: members may change their ballot until the close,
so ``decided_early`` would publish a result that is not yet binding (docs/PROTOCOL.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from aiohttp import web

from governance import BylawsChange, GovernanceError, Kind, Outcome, Proposal, Tally
from node.appkeys import ACTORS
from node.pool_engine.common import POOL_LOCKS, clock_worker, iso, pool_lock, publish, store
from node.pool_engine.tallies import OPEN_HEADS, OPENED, RUNNING, question_of, recount
from node.storage import ActorRecord, StoredProposal

__all__ = ["CLOSING_INTERVAL", "close_due", "closing_ctx"]

log = logging.getLogger("poolnode.pools")

CLOSING_INTERVAL: web.AppKey[float] = web.AppKey("closing_interval", float)
"""Seconds between checks for proposals due to close (default 1)."""


async def close_due(app: web.Application, now: datetime) -> list[str]:
    """Close every open proposal whose ``closesAt`` is at or before ``now``; their ids."""
    closed = []
    for stored in await store(app).due_proposals(iso(now)):
        if await close(app, stored, now):
            closed.append(stored.uri)
    return closed


async def close(app: web.Application, stored: StoredProposal, now: datetime) -> bool:
    """Publish the final tally and apply a passed proposal's effect."""
    pool = await app[ACTORS].by_id(stored.pool_id)
    assert pool is not None
    proposal = Proposal.from_dict(stored.proposal)
    at = max(now, proposal.rule.closes_at)
    async with pool_lock(app, pool):
        result, document = await recount(app, pool, stored, at, final=True)
        if not await store(app).close_proposal(stored.id, result.outcome.value, document, iso(at)):
            return False
    await publish(app, pool, "Update", document)
    refreshed = await store(app).proposal(stored.uri)
    assert refreshed is not None
    await publish(app, pool, "Update", await question_of(app, pool, refreshed), members=False)
    if result.outcome is Outcome.PASSED:
        try:
            await _carry_out(app, pool, proposal, result, refreshed, at)
        except GovernanceError as exc:
            # The decision stands; its effect could not be booked (e.g. the fund cannot cover
            # a disbursement). Other due proposals must still close, so this is not raised.
            log.warning("%s passed but could not be carried out: %s (%s)",
                        proposal.id, exc.reason, exc.code)
    return True


async def _carry_out(app: web.Application, pool: ActorRecord, proposal: Proposal, result: Tally,
                     refreshed: StoredProposal, at: datetime) -> None:
    """What a passed proposal does."""
    if proposal.kind is Kind.DISBURSEMENT:
        from node.pool_engine.ledger import book_commitment

        await book_commitment(app, pool, proposal, result, at)
    elif proposal.kind is Kind.ADMISSION:
        from node.pool_engine.membership import admit

        person = getattr(proposal.motion, "person", "")
        await admit(app, pool, person, at, vote=(proposal, result))
    elif proposal.kind in (Kind.JOIN_FLOOD, Kind.LEAVE_FLOOD):
        from node.floods import decided

        await decided(app, pool, refreshed, at)
    elif proposal.kind is Kind.EXPULSION:
        from node.pool_engine.membership import expel

        await expel(app, pool, proposal, result, at)
    elif proposal.kind is Kind.BYLAWS_CHANGE:
        await _amend_bylaws(app, pool, proposal)


async def _amend_bylaws(app: web.Application, pool: ActorRecord, proposal: Proposal) -> None:
    """A passed bylaws change replaces the pool's bylaws; proposals already open keep their rule."""
    motion = proposal.motion
    assert isinstance(motion, BylawsChange)
    await app[ACTORS].set_bylaws_json(pool.id, json.dumps(motion.bylaws.to_dict()))
    log.info("%s: bylaws amended by %s", pool.uri, proposal.id)


async def closing_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the pools' locks, and a worker closing due proposals (it reads the clock)."""
    interval = app.get(CLOSING_INTERVAL, 1.0)
    app[POOL_LOCKS] = {}
    app[RUNNING] = {}
    app[OPENED] = {}
    app[OPEN_HEADS] = {}

    async with clock_worker("pool-closing", interval, lambda now: close_due(app, now), log,
                            "closing proposals failed"):
        yield
