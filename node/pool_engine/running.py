"""The running-tally clock: each open proposal's running Tally is signed on a timer, never on a read.

Every ``tally_interval / 4`` seconds a round asks the database which open proposals have a
ballot their stored Tally has not counted (``RunningTallyStore.due``), and signs a new running
Tally for each that was last signed at least ``tally_interval`` seconds ago (docs/PROTOCOL.md,
"Running tallies"): the counts and the digest of the ballots counted, from the count kept in
memory (node/pool_engine/tallies.py), so signing costs the same whatever the number of
ballots. It is stored with the row of the last ballot it counted and published as an
``Update`` addressed to the pool's members and followers collections (expanded at delivery),
not to each member.

The state is in the database, so the clock is durable and shared: any process that runs the
clocks (``serve``, ``poolnode worker``) may sign, under the pool's lock, after checking again
that the stored Tally is still behind and was signed long enough ago; the others find nothing
to do. A Tally stored but not published (a crash in between) is published by the next round.
The final Tally at the close is the closing worker's (node/pool_engine/closing.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import web

from node.appkeys import ACTORS, CONFIG, DB
from node.pool_engine.common import iso, named_lock, pool_lock, publish, signed, store
from node.pool_engine.tallies import catch_up, open_head, running_count, running_result
from node.storage import ActorRecord
from node.storage.running_tallies import DueTally, RunningTallyStore
from node.wire import tally_document

__all__ = ["publish_running", "sign_due", "sign_running", "tick_of"]

log = logging.getLogger("poolnode.pools")

def tick_of(interval: float) -> float:
    """How often the clock looks for due proposals: a quarter of the interval, so a Tally is
    signed at most ``interval * 1.25`` after the one before when ballots keep coming."""
    return interval / 4


async def sign_due(app: web.Application, now: datetime) -> int:
    """One round of the clock: sign each due running Tally and publish each stored one not yet
    published; how many were signed."""
    interval = app[CONFIG].tally_interval
    tallies = RunningTallyStore(app[DB])
    count = 0
    for due in await tallies.due(now.timestamp() - interval):
        pool = await app[ACTORS].by_id(due.pool_id)
        if pool is None:
            continue
        count += await sign_running(app, pool, due, now, interval)
        await publish_running(app, pool, due.proposal_id)
    return count


async def sign_running(app: web.Application, pool: ActorRecord, due: DueTally, now: datetime,
                       interval: float) -> bool:
    """Sign and store the proposal's running Tally if ballots were stored since the stored one
    and it was signed at least ``interval`` seconds before ``now``; whether it did."""
    tallies = RunningTallyStore(app[DB])
    async with pool_lock(app, pool):
        mark = await tallies.mark(due.proposal_id)
        if mark is None or mark.final or mark.signed_at > now.timestamp() - interval:
            return False  # closed, or another process signed it meanwhile
        head = open_head(app, due.uri) or await store(app).proposal_head(due.uri)
        if head is None or head.state != "open":
            return False
        running = await running_count(app, head)
        # Every ballot of the pool is stored under this lock: the rows read are all there are.
        await catch_up(app, head, running, always=True)
        if running.last_row <= mark.ballot_row:
            return False
        result, classes = running_result(running)
        document = signed(tally_document(result, pool.uri, running.digest, final=False,
                                         updated=iso(now), classes=classes), pool, now)
        return await tallies.store(due.proposal_id, result.outcome.value, document, iso(now),
                                   ballot_row=running.last_row, signed_at=now.timestamp())


async def publish_running(app: web.Application, pool: ActorRecord, proposal_id: int) -> None:
    """Publish the proposal's stored running Tally if it is not published yet (once, whichever
    process gets there first: the check and the publication hold the proposal's lock)."""
    tallies = RunningTallyStore(app[DB])
    async with named_lock(app, f"running-tally:{proposal_id}"):
        found = await tallies.unpublished(proposal_id)
        if found is None:
            return  # published, or the proposal closed: the final Tally is the close's
        document, row = found
        await publish(app, pool, "Update", document, to_collection=True)
        await tallies.mark_published(proposal_id, row)
