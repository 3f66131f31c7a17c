"""Counting a proposal's ballots as they arrive, and reading its pool-signed Tally.

An open proposal's count is kept in memory as it goes (``_Running``): each voter's counted
ballot, the counts (``governance.TallyState``, O(1) per ballot) and the digest of every
accepted ballot in the order accepted (``governance.BallotDigest``). It is loaded once from
the database and then only ever reads the ballots stored after the last row it counted, so
a ballot costs the same whatever the size of the vote. The running Tally is signed from it by
the running-tally clock (node/pool_engine/running.py), never by a reader: ``tally_of`` serves
what is stored, and how many ballots were stored since it was signed. The final Tally at the
close is recounted from the database (``recount(..., final=True)``).

On a database other processes write too, each process brings its count up to date before it
counts a ballot and when a page reads it (``_catch_up``), reading only the rows stored after
the last one it counted.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from governance import (
    Ballot,
    BallotBox,
    BallotDigest,
    Proposal,
    RuleViolation,
    Tally,
    TallyState,
)
from governance.classes import ClassRoll, ClassTally
from governance.codec import datetime_from_str
from node.appkeys import DB
from node.errors import NotFound
from node.pool_engine.common import iso, signed, store
from node.storage import ActorRecord, StoredProposal
from node.storage.governance import CountedBallot, ProposalHead
from node.storage.running_tallies import RunningTallyStore, ServedTally
from node.wire import question_document, tally_document
from node.wire.classes import count, roll_of

__all__ = [
    "CLOSED_TOPIC",
    "OPENED",
    "OPEN_HEADS",
    "RUNNING",
    "UNSIGNED_BALLOTS",
    "catch_up",
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
    "running_count",
    "running_result",
    "tally_of",
]


@dataclass(slots=True)
class _Running:
    """An open proposal's accepted ballots, counted: up to ``last_row`` (a ballot row id)."""

    state: TallyState
    digest: BallotDigest = field(default_factory=BallotDigest)
    # A class-majority proposal: the proposal and the class roll it froze when it opened.
    classes: tuple[Proposal, ClassRoll] | None = None
    last_row: int = 0
    # One catch-up at a time: two would both read the rows after ``last_row`` and count them twice.
    catching_up: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def count(self, ballots: BallotBox, last_row: int) -> None:
        """Count ``ballots`` (in the order accepted), the rows up to ``last_row``."""
        add, digest = self.state.add, self.digest.add
        for ballot in ballots:
            add(ballot)
            digest(ballot.id)
        self.last_row = last_row

    def count_one(self, ballot: Ballot, row: int) -> None:
        """Count the ballot stored at ``row`` (the next one the pool accepted)."""
        self.state.add(ballot)
        self.digest.add(ballot.id)
        self.last_row = row


UNSIGNED_BALLOTS = "Poolnode-Unsigned-Ballots"
"""The response header of ``GET {proposal}/tally`` with the ballots accepted after the served
running Tally was signed (docs/PROTOCOL.md, "Running tallies")."""

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


async def proposal_value(app: web.Application, head: StoredProposal | ProposalHead) -> Proposal:
    """The proposal as a governance value (kept while it is open, where the cache exists)."""
    cache = app.get(OPENED)
    found = cache.get(head.id) if cache is not None else None
    if found is None:
        stored = head if isinstance(head, StoredProposal) else await store(app).proposal(head.uri)
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


async def running_count(app: web.Application, stored: StoredProposal | ProposalHead) -> _Running:
    """The open proposal's count in memory, loaded from the database the first time."""
    # An app without the closing worker's context (a tool reading a data directory) keeps
    # no cache: every call reads the ballots from the database.
    cache = app.get(RUNNING)
    found = cache.get(stored.id) if cache is not None else None
    if found is None:
        proposal = await proposal_value(app, stored)
        full = stored if isinstance(stored, StoredProposal) else await store(app).proposal(stored.uri)
        roll = roll_of(full.proposal) if full is not None else None
        rows = await store(app).counted_ballots(stored.id)
        found = _Running(TallyState(proposal.rule, proposal.electorate, track_ids=False),
                         classes=(proposal, roll) if roll is not None else None)
        found.count(decode_ballots(stored.uri, rows), rows[-1].row if rows else 0)
        if cache is not None:
            # Two tasks may load at once: the first one kept stays (it may have counted more).
            found = cache.setdefault(stored.id, found)
    return found


async def recount(
    app: web.Application, pool: ActorRecord, stored: StoredProposal, at: datetime, *, final: bool
) -> tuple[Tally, dict[str, Any]]:
    """The signed Tally: a final one is a full recount from the database (a pure function of
    rule, electorate and ballots) listing every ballot; a running one is the count in memory
    with the digest of its ballots."""
    if final:
        # A running tally still being signed finds the proposal closed and stores nothing.
        forget(app, stored)
        proposal = Proposal.from_dict(stored.proposal)
        ballots = await counted_ballots(app, stored)
        result, classes = count(proposal, roll_of(stored.proposal), ballots)
        document = tally_document(result, pool.uri, ballots.ids, final=True, updated=iso(at),
                                  classes=classes)
        return result, signed(document, pool, at)
    running = await running_count(app, stored)
    await catch_up(app, stored, running)
    result, classes = running_result(running)
    document = tally_document(result, pool.uri, running.digest, final=False, updated=iso(at),
                              classes=classes)
    return result, signed(document, pool, at)


async def note_ballot(
    app: web.Application, stored: StoredProposal | ProposalHead, ballot: Ballot, row: int | None,
) -> None:
    """The ballot was stored at ``row`` (under the pool's lock, each ballot of a proposal noted
    in the order stored): count it. ``row`` None reads it, with any before it, from the
    database. The running-tally clock signs it (node/pool_engine/running.py)."""
    running = await running_count(app, stored)
    if app[DB].shared or row is None:
        # Read from the rows, with any that other processes stored before it.
        await catch_up(app, stored, running, always=True)
    elif row > running.last_row:
        # The cache may have been loaded (by a reader) after this row was written: then it
        # counted it already.
        running.count_one(ballot, row)


async def catch_up(app: web.Application, stored: StoredProposal | ProposalHead,
                   running: _Running, *, always: bool = False) -> None:
    """Count the ballots stored (by any process) after the last row counted here, reading only
    those rows: on a database other processes write too, or ``always``.

    Ballots are only ever added, and a proposal's are stored one at a time under its pool's
    lock, each committed before the lock is released: the rows of a proposal become visible
    in the order of their ids, so no row can appear later below one already read."""
    if not (always or app[DB].shared):
        return
    async with running.catching_up:
        rows = await store(app).counted_ballots(stored.id, after=running.last_row)
        if rows:
            running.count(decode_ballots(stored.uri, rows), rows[-1].row)


async def tally_of(app: web.Application, proposal_uri: str) -> ServedTally | None:
    """The latest signed Tally of a proposal as stored (None: no such proposal), and how many
    ballots were stored after it was signed (the running-tally clock signs them within its
    interval). Never signs, and reads none of the proposal's documents."""
    return await RunningTallyStore(app[DB]).served(proposal_uri)


async def current_tally(app: web.Application, stored: StoredProposal) -> Tally:
    """The count of every accepted ballot so far (from memory while the proposal is open)."""
    return (await current_count(app, stored))[0]


async def current_count(app: web.Application,
                        stored: StoredProposal) -> tuple[Tally, ClassTally | None]:
    """``current_tally``, with each member class's count for a class-majority proposal."""
    if stored.state == "open":
        running = await running_count(app, stored)
        await catch_up(app, stored, running)  # a reader: counts what other processes stored
        return running_result(running)
    proposal = Proposal.from_dict(stored.proposal)
    return count(proposal, roll_of(stored.proposal), await counted_ballots(app, stored))


def running_result(running: _Running) -> tuple[Tally, ClassTally | None]:
    """The running count as it stands: O(1) from the incremental state, except that a
    class-majority proposal's classes are counted over each voter's counted ballot (one pass,
    at most once per signing or read)."""
    if running.classes is None:
        return running.state.result(), None
    proposal, roll = running.classes
    return count(proposal, roll, running.state.counted().values())


async def question_of(app: web.Application, pool: ActorRecord, stored: StoredProposal) -> dict[str, Any]:
    """The proposal as a Question, with the counts of its ballots so far."""
    proposal = Proposal.from_dict(stored.proposal)
    result = None
    if await store(app).tally_document(stored.id) is not None:
        result = await current_tally(app, stored)
    return question_document(proposal, pool.uri, stored.created_at, result, stored.closed_at)
