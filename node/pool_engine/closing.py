"""Closing proposals at their end time, and what a passed proposal does.

We close at ``closesAt`` only, never early: members may change their ballot until the close,
so ``decided_early`` would publish a result that is not yet binding (docs/PROTOCOL.md).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from governance import Kind, Outcome, Proposal
from node.appkeys import ACTORS, CONFIG, DB, WORKERS
from node.pool_engine.common import (
    POOL_LOCKS,
    clock_worker,
    iso,
    named_lock,
    pool_lock,
    publish,
    store,
)
from node.pool_engine.effects import carry_out, carry_out_pending, crash_point, effect_on_close
from node.pool_engine.extensions import BUDGET_RESULT
from node.pool_engine.running import sign_due, tick_of
from node.pool_engine.tallies import (
    CLOSED_TOPIC,
    OPEN_HEADS,
    OPENED,
    RUNNING,
    forget_closed,
    question_of,
    recount,
)
from node.storage import ActorRecord, StoredProposal

__all__ = ["CLOSING_INTERVAL", "close_due", "close_round", "closing_ctx"]

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
    """Publish the final tally and carry out a passed proposal's effect.

    The close and the effect's 'pending' state commit together; the effect is then carried out
    (and, after a crash, by the next round: ``carry_out_pending``).
    """
    pool = await app[ACTORS].by_id(stored.pool_id)
    assert pool is not None
    proposal = Proposal.from_dict(stored.proposal)
    at = max(now, proposal.rule.closes_at)
    async with pool_lock(app, pool):
        if proposal.kind is Kind.BUDGET_ROUND:
            # A round has no tally: node/budget signs its result (extensions.py).
            outcome, document = await app[BUDGET_RESULT](app, pool, stored, at)
        else:
            result, document = await recount(app, pool, stored, at, final=True)
            outcome = result.outcome.value
        effect = effect_on_close(proposal.kind, Outcome(outcome))
        if not await store(app).close_proposal(stored.id, outcome, document, iso(at), effect):
            return False
    await app[DB].notify(CLOSED_TOPIC, f"{stored.id} {stored.uri}")
    crash_point()
    refreshed = await store(app).proposal(stored.uri)
    assert refreshed is not None
    await announce(app, pool, refreshed, document)
    if effect == "pending":
        await carry_out(app, pool, refreshed, at)
    return True


async def announce(app: web.Application, pool: ActorRecord, stored: StoredProposal,
                   document: dict[str, Any]) -> None:
    """Publish a closed proposal's final tally and its closed Question, then mark it done.

    Once, whichever process gets there first (the closer, or another process's round finding
    it unannounced): the check and the publication hold the proposal's announcing lock."""
    async with named_lock(app, f"announce:{stored.id}"):
        if await store(app).announced(stored.id):
            return
        # Each member by name: a node recounting a final Tally fetches the record as the member
        # it reached (a members-only pool's), and the collection names nobody there.
        await publish(app, pool, "Update", document)
        if stored.kind != Kind.BUDGET_ROUND:  # a round is no poll: it has no Question
            await publish(app, pool, "Update", await question_of(app, pool, stored), members=False)
        await store(app).mark_announced(stored.id, iso(datetime.now(UTC)))


async def announce_pending(app: web.Application) -> None:
    """Publish the final tally of every proposal closed by a node that stopped before it could
    (at least once: a crash right after publishing publishes it again)."""
    for stored in await store(app).unannounced():
        pool = await app[ACTORS].by_id(stored.pool_id)
        document = await store(app).tally_document(stored.id)
        if pool is not None and document is not None:
            await announce(app, pool, stored, document)


async def close_round(app: web.Application, now: datetime) -> None:
    """One round of the closing worker: what a crash left unpublished or pending, then due
    proposals."""
    await announce_pending(app)
    await carry_out_pending(app, now)
    await close_due(app, now)


async def closing_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the pools' locks, a worker closing due proposals (it reads the clock)
    and the running-tally clock (node/pool_engine/running.py)."""
    interval = app.get(CLOSING_INTERVAL, 1.0)
    running = app.get(WORKERS, True)
    app[POOL_LOCKS] = {}
    app[RUNNING] = {}
    app[OPENED] = {}
    app[OPEN_HEADS] = {}
    # Another process on a shared database closed a proposal this one may keep in memory.
    await app[DB].on_notice(CLOSED_TOPIC, lambda key: forget_closed(app, key))

    async with (
        clock_worker("pool-closing", interval, lambda now: close_round(app, now), log,
                     "closing proposals failed", running=running),
        clock_worker("running-tallies", tick_of(app[CONFIG].tally_interval),
                     lambda now: sign_due(app, now), log, "signing running tallies failed",
                     running=running),
    ):
        yield
