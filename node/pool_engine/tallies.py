"""Counting a proposal's ballots and publishing the pool-signed Tally.

Open proposals keep their decoded ballots in memory (loaded once from the database), so a
new ballot costs a pure recount over that list, not a read and decode of every stored one.
The running Tally is signed, stored and published at most once per ``TALLY_INTERVAL`` per
proposal; a reader asking for it first gets any pending ballots counted, so what it reads
is never behind what was accepted. The final tally at the close is counted from the
database.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from governance import Ballot, Proposal, Tally, tally
from node.pool_engine.common import iso, pool_lock, publish, signed, store
from node.storage import ActorRecord, StoredProposal
from node.wire import question_document, tally_document

__all__ = ["RUNNING", "TALLY_INTERVAL", "note_ballot", "question_of", "recount", "tally_of"]

log = logging.getLogger("poolnode.pools")

TALLY_INTERVAL = 0.25
"""Seconds between publications of a proposal's running tally while ballots arrive."""


@dataclass(slots=True)
class _Running:
    """An open proposal's accepted ballots, in arrival order, and whether a tally is due."""

    uris: list[str]
    ballots: list[Ballot]
    dirty: bool = False
    unpublished: bool = False
    task: asyncio.Task[None] | None = field(default=None, repr=False)


RUNNING: web.AppKey[dict[int, _Running]] = web.AppKey("running_ballots", dict)


async def _running(app: web.Application, stored: StoredProposal) -> _Running:
    # An app without the closing worker's context (a tool reading a data directory) keeps
    # no cache: every call reads the ballots from the database.
    cache = app.get(RUNNING)
    found = cache.get(stored.id) if cache is not None else None
    if found is None:
        rows = await store(app).ballots(stored.id)
        found = _Running([b.uri for b in rows], [Ballot.from_dict(b.ballot) for b in rows])
        if cache is not None:
            cache[stored.id] = found
    return found


async def recount(
    app: web.Application, pool: ActorRecord, stored: StoredProposal, at: datetime, *, final: bool
) -> tuple[Tally, dict[str, Any]]:
    """A full recount (a pure function of rule, electorate and ballots) and its signed document."""
    proposal = Proposal.from_dict(stored.proposal)
    if final:
        # A running tally still scheduled finds the proposal closed and publishes nothing.
        app.get(RUNNING, {}).pop(stored.id, None)
        rows = await store(app).ballots(stored.id)
        uris, ballots = [b.uri for b in rows], [Ballot.from_dict(b.ballot) for b in rows]
    else:
        running = await _running(app, stored)
        uris, ballots = running.uris, running.ballots
    result = tally(proposal.rule, proposal.electorate, ballots)
    document = tally_document(result, pool.uri, list(uris), final=final, updated=iso(at))
    return result, signed(document, pool, at)


async def note_ballot(
    app: web.Application, pool: ActorRecord, stored: StoredProposal, uri: str, ballot: Ballot
) -> None:
    """A ballot was stored (under the pool's lock): count it and schedule the running tally."""
    running = await _running(app, stored)
    if uri not in running.uris:  # the cache may have been loaded after the row was written
        running.uris.append(uri)
        running.ballots.append(ballot)
    running.dirty = True
    if running.task is None or running.task.done():
        running.task = asyncio.create_task(_publish_later(app, pool, stored.uri))


async def _publish_later(app: web.Application, pool: ActorRecord, proposal_uri: str) -> None:
    await asyncio.sleep(TALLY_INTERVAL)
    await _flush(app, pool, proposal_uri)
    async with pool_lock(app, pool):
        stored = await store(app).proposal(proposal_uri)
        running = app.get(RUNNING, {}).get(stored.id) if stored is not None else None
        if stored is None or running is None or not running.unpublished:
            return  # closed meanwhile: the final tally is published by the close
        running.unpublished = False
        document = await store(app).tally_document(stored.id)
    if document is not None:
        await publish(app, pool, "Update", document)


async def _flush(app: web.Application, pool: ActorRecord, proposal_uri: str) -> None:
    """Sign and store the running tally if ballots arrived since the last one."""
    async with pool_lock(app, pool):
        stored = await store(app).proposal(proposal_uri)
        running = app.get(RUNNING, {}).get(stored.id) if stored is not None else None
        if stored is None or running is None or not running.dirty or stored.state != "open":
            return
        running.dirty = False
        running.unpublished = True
        at = datetime.now(UTC)
        result, document = await recount(app, pool, stored, at, final=False)
        await store(app).set_tally(stored.id, result.outcome.value, document, iso(at))


async def tally_of(app: web.Application, stored: StoredProposal) -> dict[str, Any] | None:
    """The latest Tally document of a proposal, with every accepted ballot counted."""
    running = app.get(RUNNING, {}).get(stored.id)
    if running is not None and running.dirty:
        from node.appkeys import ACTORS

        pool = await app[ACTORS].by_id(stored.pool_id)
        if pool is not None:
            await _flush(app, pool, stored.uri)  # the scheduled task still publishes it
    return await store(app).tally_document(stored.id)


async def question_of(app: web.Application, pool: ActorRecord, stored: StoredProposal) -> dict[str, Any]:
    """The proposal as a Question, with the counts of its ballots so far."""
    proposal = Proposal.from_dict(stored.proposal)
    result = None
    if await store(app).tally_document(stored.id) is not None:
        if stored.state == "open":
            ballots = (await _running(app, stored)).ballots
        else:
            ballots = [Ballot.from_dict(b.ballot) for b in await store(app).ballots(stored.id)]
        result = tally(proposal.rule, proposal.electorate, ballots)
    return question_document(proposal, pool.uri, stored.created_at, result, stored.closed_at)
