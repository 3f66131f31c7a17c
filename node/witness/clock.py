"""The witnessing clock: every ``witness_interval`` seconds each pool checks each ledger it
witnesses (its flood peers', and those its stewards chose), attests a grown head and tells back
its recounts.

The clock is durable: each witness link keeps the time of its next check in the database, so a
node that was stopped checks at once what fell due meanwhile. On a database several processes
share, a process claims a due check by moving that time on (a conditional UPDATE: one process
wins) and holds the link's lock (``witness:<id>``) while it checks, so no check runs twice.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from aiohttp import web

from node.appkeys import ACTORS, CONFIG, DB, FOLLOWS, WORKERS
from node.pool_engine.common import clock_worker, iso, named_lock
from node.storage import FloodStore
from node.witness.checking import check_link
from node.witness.common import witnesses
from node.witness.recounts import report_recounts

__all__ = ["CHECKS_PER_ROUND", "WITNESS_CLOCK", "sync_flood_links", "witness_ctx", "witness_round"]

log = logging.getLogger("poolnode.witness")

CHECKS_PER_ROUND = 20
"""At most this many due checks are taken in one round (the rest in the next, a tick later)."""
_MAX_TICK = 5.0

WITNESS_CLOCK: web.AppKey[bool] = web.AppKey("witness_clock", bool)
"""False keeps the witnessing clock from running (tests drive ``witness_round`` themselves)."""

_SYNCED: weakref.WeakKeyDictionary[web.Application, float] = weakref.WeakKeyDictionary()


async def sync_flood_links(app: web.Application, now: datetime) -> None:
    """Every local pool witnesses exactly the pools it shares a flood with (an approved link,
    both follows accepted); a steward's choice stays whatever the floods do."""
    floods = FloodStore(app[DB])
    for pool in await app[ACTORS].all("pool"):
        peers: set[str] = set()
        for link in await floods.links(pool.id):
            if link.state == "approved" and link.peer_uri not in peers and await _linked(
                    app, pool.uri, link.peer_uri):
                peers.add(link.peer_uri)
        await witnesses(app).set_flood_targets(pool.id, peers, iso(now))


async def _linked(app: web.Application, pool: str, peer: str) -> bool:
    there = await app[FOLLOWS].get(pool, peer)
    back = await app[FOLLOWS].get(peer, pool)
    return there is not None and back is not None and there.state == back.state == "accepted"


async def witness_round(app: web.Application, now: datetime) -> int:
    """Check every due witness link (at most ``CHECKS_PER_ROUND``); how many were checked."""
    interval = app[CONFIG].witness_interval
    if time.monotonic() - _SYNCED.get(app, float("-inf")) >= min(interval, 60.0):
        await sync_flood_links(app, now)
        _SYNCED[app] = time.monotonic()
    store = witnesses(app)
    checked = 0
    for link in await store.due(iso(now), CHECKS_PER_ROUND):
        next_at = iso(now + timedelta(seconds=interval))
        if not await store.claim(link.id, link.next_check_at, next_at):
            continue  # another process took it
        async with named_lock(app, f"witness:{link.id}"):
            fresh = await store.link(link.id)
            if fresh is None or not fresh.active:
                continue
            outcome = await check_link(app, fresh, now)
            pool = await app[ACTORS].by_id(fresh.pool_id)
            if pool is not None and outcome != "problem":
                await report_recounts(app, pool, fresh.target_uri, now)
        checked += 1
    return checked


async def witness_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the witnessing clock (unless ``poolnode worker`` runs it)."""
    tick = min(max(app[CONFIG].witness_interval / 4, 0.05), _MAX_TICK)
    async with clock_worker("witnessing", tick, lambda now: witness_round(app, now), log,
                            "witnessing ledgers failed",
                            running=app.get(WORKERS, True) and app.get(WITNESS_CLOCK, True)):
        yield
