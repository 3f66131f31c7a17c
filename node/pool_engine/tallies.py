"""Counting a proposal's ballots and publishing the pool-signed Tally.

Open proposals keep their decoded ballots in memory (loaded once from the database), so a
new ballot costs a pure recount over that list, not a read and decode of every stored one.
The running Tally is signed, stored and published at most once per ``TALLY_INTERVAL`` per
proposal, or less often when signing it costs more (``TALLY_SHARE``); a reader asking for
it first gets any pending ballots counted, so what it reads is never behind what was
accepted. The final tally at the close is counted from the database.

On a database other processes write too, each process brings its ballots up to date before
it counts (``_catch_up``): it reads only the ballots stored after the last row it counted. A
reader of the Tally does the same first (``_read_through``), and signs a fresh one if the
stored Tally does not list exactly the ballots counted: another process that accepted a
ballot signs it only at its next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from governance import Ballot, BallotBox, Proposal, RuleViolation, Tally
from governance.classes import ClassTally
from governance.codec import datetime_from_str
from node.appkeys import ACTORS, DB
from node.errors import NotFound
from node.pool_engine.common import iso, pool_lock, publish, signed, store
from node.storage import ActorRecord, StoredProposal
from node.storage.governance import CountedBallot, ProposalHead
from node.wire import question_document, tally_document
from node.wire.classes import count, roll_of

__all__ = [
    "CLOSED_TOPIC",
    "OPENED",
    "OPEN_HEADS",
    "RUNNING",
    "TALLY_INTERVAL",
    "TALLY_SHARE",
    "counted_ballots",
    "current_count",
    "current_tally",
    "decode_ballots",
    "forget",
    "forget_closed",
    "note_ballot",
    "open_head",
    "proposal_value",
    "question_of",
    "recount",
    "tally_of",
]

log = logging.getLogger("poolnode.pools")

TALLY_INTERVAL = 0.25
"""Seconds between publications of a proposal's running tally while ballots arrive."""

TALLY_SHARE = 0.2
"""At most this share of the time goes to a proposal's running tally while ballots arrive.

A Tally lists every counted ballot, so recounting, signing and storing it grows with the
proposal: about half a second at 100,000 ballots. The next one waits at least that long
divided by this share, so a large vote does not spend the node on re-signing its tally."""


@dataclass(slots=True)
class _Running:
    """An open proposal's accepted ballots, in arrival order, and whether a tally is due."""

    ballots: BallotBox
    # The row id of the last ballot read from the database (on a shared database, where every
    # ballot, this process's own too, is counted from the rows).
    last_row: int = 0
    dirty: bool = False
    unpublished: bool = False
    cost: float = 0.0  # seconds the last running tally took to count, sign and store
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    # What the scheduled task publishes: kept so that a shutdown can store it first.
    scheduled_for: tuple[ActorRecord, str] | None = field(default=None, repr=False)
    # One catch-up at a time: two would both read the rows after ``last_row`` and count them twice.
    catching_up: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)


RUNNING: web.AppKey[dict[int, _Running]] = web.AppKey("running_ballots", dict)
OPENED: web.AppKey[dict[int, Proposal]] = web.AppKey("opened_proposals", dict)
"""Open proposals as governance values, decoded once: the rule and electorate never change
after opening, and decoding the electorate's document costs a few ms per ballot."""


OPEN_HEADS: web.AppKey[dict[str, ProposalHead]] = web.AppKey("open_proposal_heads", dict)
"""The heads of the proposals in OPENED, by proposal id (uri): dropped when they close."""


def open_head(app: web.Application, uri: str) -> ProposalHead | None:
    """An open proposal's head from memory, if it is kept there."""
    heads = app.get(OPEN_HEADS)
    return heads.get(uri) if heads is not None else None


async def proposal_value(app: web.Application, head: ProposalHead) -> Proposal:
    """The proposal as a governance value (kept while it is open, where the cache exists)."""
    cache = app.get(OPENED)
    found = cache.get(head.id) if cache is not None else None
    if found is None:
        stored = await store(app).proposal(head.uri)
        if stored is None:
            raise NotFound("no such proposal")
        found = Proposal.from_dict(stored.proposal)
        if cache is not None and stored.state == "open":
            cache[head.id] = found
            app[OPEN_HEADS][head.uri] = ProposalHead(stored.id, stored.pool_id, stored.uri, stored.state)
    return found


def forget(app: web.Application, stored: StoredProposal | ProposalHead) -> None:
    """Drop what memory keeps of a proposal that closed (here or in another process)."""
    app.get(RUNNING, {}).pop(stored.id, None)
    app.get(OPENED, {}).pop(stored.id, None)
    app.get(OPEN_HEADS, {}).pop(stored.uri, None)


CLOSED_TOPIC = "proposal-closed"
"""The notice a process sends when it closed a proposal: others drop what they keep of it."""


def forget_closed(app: web.Application, key: str) -> None:
    """A ``CLOSED_TOPIC`` notice from another process: its key is "row-id uri"."""
    row_id, _, uri = key.partition(" ")
    if row_id.isdigit():
        forget(app, ProposalHead(int(row_id), 0, uri, "closed"))


def decode_ballots(proposal_uri: str, rows: list[CountedBallot]) -> BallotBox:
    """The proposal's ballots from the counting query's rows, as the columns of a BallotBox.

    A proposal's ballots share a few cast times and choices, so each distinct text is parsed
    once and its value shared; no ``Ballot`` object is built per row.
    """
    if not rows:
        return BallotBox(proposal_uri)
    ids, voters, time_texts, choice_texts, sequences, _rows = (
        list(column) for column in zip(*rows, strict=True)
    )
    times = {text: datetime_from_str(text) for text in set(time_texts)}
    choices = {text: _choice(text) for text in set(choice_texts)}
    return BallotBox.from_columns(
        proposal_uri, ids, voters, list(map(times.__getitem__, time_texts)),
        list(map(choices.__getitem__, choice_texts)), sequences,
    )


def _choice(text: str) -> tuple[str, ...]:
    if not isinstance(text, str):
        raise RuleViolation("invalid_document", "field 'choice' must be list")
    decoded = json.loads(text)
    if not isinstance(decoded, list):
        raise RuleViolation("invalid_document", "field 'choice' must be list")
    return tuple(decoded)


async def counted_ballots(app: web.Application, stored: StoredProposal | ProposalHead) -> BallotBox:
    """Every accepted ballot of the proposal, decoded for counting, read from the database."""
    # A ballot is stored only under the proposal it names, so its proposal is this one.
    return decode_ballots(stored.uri, await store(app).counted_ballots(stored.id))


async def _running(app: web.Application, stored: StoredProposal | ProposalHead) -> _Running:
    # An app without the closing worker's context (a tool reading a data directory) keeps
    # no cache: every call reads the ballots from the database.
    cache = app.get(RUNNING)
    found = cache.get(stored.id) if cache is not None else None
    if found is None:
        rows = await store(app).counted_ballots(stored.id)
        found = _Running(decode_ballots(stored.uri, rows), last_row=rows[-1].row if rows else 0)
        if cache is not None:
            # Two tasks may load at once: the first one kept stays (it may have counted more).
            found = cache.setdefault(stored.id, found)
    return found


async def recount(
    app: web.Application, pool: ActorRecord, stored: StoredProposal, at: datetime, *, final: bool
) -> tuple[Tally, dict[str, Any]]:
    """A full recount (a pure function of rule, electorate and ballots) and its signed document."""
    proposal = Proposal.from_dict(stored.proposal)
    if final:
        # A running tally still scheduled finds the proposal closed and publishes nothing.
        forget(app, stored)
        ballots = await counted_ballots(app, stored)
    else:
        ballots = (await _running(app, stored)).ballots
    result, classes = count(proposal, roll_of(stored.proposal), ballots)
    document = tally_document(result, pool.uri, list(ballots.ids), final=final, updated=iso(at),
                              classes=classes)
    return result, signed(document, pool, at)


async def note_ballot(
    app: web.Application, pool: ActorRecord, stored: StoredProposal | ProposalHead, uri: str,
    ballot: Ballot,
) -> None:
    """A ballot was stored (under the pool's lock): count it and schedule the running tally."""
    running = await _running(app, stored)
    if app[DB].shared:
        # Read from the rows, with any that other processes stored before it.
        await _catch_up(app, stored, running)
    elif running.ballots.ids[-1:] != [uri]:
        # The cache may have been loaded (by a reader) after this row was written. The pool's
        # lock is held from the write until here, so the row would then be the newest it loaded.
        running.ballots.append(ballot)
    running.dirty = True
    if running.task is None or running.task.done():
        running.scheduled_for = (pool, stored.uri)
        running.task = asyncio.create_task(_publish_later(app, pool, stored.uri, running))


async def settle_running(app: web.Application) -> None:
    """At shutdown: stop the scheduled running-tally tasks, storing each tally they were due to
    sign (so a restart serves every accepted ballot counted; the publication is the next one's)."""
    for running in list(app.get(RUNNING, {}).values()):
        task = running.task
        if task is None or task.done():
            continue
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if running.dirty and running.scheduled_for is not None:
            await _flush(app, *running.scheduled_for)


async def _catch_up(app: web.Application, stored: StoredProposal | ProposalHead,
                    running: _Running) -> None:
    """On a database other processes write too, count the ballots stored (by any process)
    after the last row counted here, reading only those rows.

    Ballots are only ever added, and a proposal's are stored one at a time under its pool's
    lock, each committed before the lock is released: the rows of a proposal become visible
    in the order of their ids, so no row can appear later below one already read."""
    if not app[DB].shared:
        return
    async with running.catching_up:
        rows = await store(app).counted_ballots(stored.id, after=running.last_row)
        if rows:
            running.ballots.extend(decode_ballots(stored.uri, rows))
            running.last_row = rows[-1].row
            running.dirty = True


def _interval(running: _Running) -> float:
    return max(TALLY_INTERVAL, running.cost / TALLY_SHARE)


async def _publish_later(
    app: web.Application, pool: ActorRecord, proposal_uri: str, scheduled: _Running
) -> None:
    await asyncio.sleep(_interval(scheduled))
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
        if stored is None or running is None or stored.state != "open":
            return
        await _catch_up(app, stored, running)
        if not running.dirty:
            return
        running.dirty = False
        running.unpublished = True
        at = datetime.now(UTC)
        started = time.perf_counter()
        result, document = await recount(app, pool, stored, at, final=False)
        await store(app).set_tally(stored.id, result.outcome.value, document, iso(at))
        running.cost = time.perf_counter() - started


async def tally_of(app: web.Application, stored: StoredProposal) -> dict[str, Any] | None:
    """The latest Tally document of a proposal, with every accepted ballot counted."""
    if app[DB].shared and stored.state == "open" and RUNNING in app:
        return await _read_through(app, stored)
    running = app.get(RUNNING, {}).get(stored.id)
    if running is not None and running.dirty:
        pool = await app[ACTORS].by_id(stored.pool_id)
        if pool is not None:
            await _flush(app, pool, stored.uri)  # the scheduled task still publishes it
    return await store(app).tally_document(stored.id)


async def _read_through(app: web.Application, stored: StoredProposal) -> dict[str, Any] | None:
    """An open proposal's Tally on a database other processes write too: a ballot another
    process accepted may not be in the stored Tally yet (that process signs it at its next
    interval). The reader counts the rows stored after the last one counted here (reading
    only those); if the stored Tally does not list exactly the ballots counted, it signs a
    fresh one. So a read sees every ballot accepted, by any process, before it began."""
    running = await _running(app, stored)
    await _catch_up(app, stored, running)
    document = await store(app).tally_document(stored.id)
    if document is None or document.get("ballots") == list(running.ballots.ids):
        return document
    pool = await app[ACTORS].by_id(stored.pool_id)
    if pool is None:
        return document
    running.dirty = True
    await _flush(app, pool, stored.uri)  # signs what every process stored before it (its lock)
    return await store(app).tally_document(stored.id)


async def current_tally(app: web.Application, stored: StoredProposal) -> Tally:
    """The count of every accepted ballot so far (from memory while the proposal is open)."""
    return (await current_count(app, stored))[0]


async def current_count(app: web.Application,
                        stored: StoredProposal) -> tuple[Tally, ClassTally | None]:
    """``current_tally``, with each member class's count for a class-majority proposal."""
    proposal = Proposal.from_dict(stored.proposal)
    if stored.state == "open":
        running = await _running(app, stored)
        await _catch_up(app, stored, running)  # a reader: counts what other processes stored
        ballots = running.ballots
    else:
        ballots = await counted_ballots(app, stored)
    return count(proposal, roll_of(stored.proposal), ballots)


async def question_of(app: web.Application, pool: ActorRecord, stored: StoredProposal) -> dict[str, Any]:
    """The proposal as a Question, with the counts of its ballots so far."""
    proposal = Proposal.from_dict(stored.proposal)
    result = None
    if await store(app).tally_document(stored.id) is not None:
        result = await current_tally(app, stored)
    return question_document(proposal, pool.uri, stored.created_at, result, stored.closed_at)
