"""Recounting a proposal from its stored ballots and publishing the pool-signed Tally."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Ballot, Proposal, Tally, tally
from node.pool_engine.common import iso, signed, store
from node.storage import ActorRecord, StoredProposal
from node.wire import question_document, tally_document

__all__ = ["question_of", "recount", "tally_of"]


async def recount(
    app: web.Application, pool: ActorRecord, stored: StoredProposal, at: datetime, *, final: bool
) -> tuple[Tally, dict[str, Any]]:
    """A full recount (a pure function of rule, electorate and ballots) and its signed document."""
    proposal = Proposal.from_dict(stored.proposal)
    ballots = await store(app).ballots(stored.id)
    result = tally(proposal.rule, proposal.electorate, [Ballot.from_dict(b.ballot) for b in ballots])
    document = tally_document(result, pool.uri, [b.uri for b in ballots], final=final,
                              updated=iso(at))
    return result, signed(document, pool, at)


async def tally_of(app: web.Application, stored: StoredProposal) -> dict[str, Any] | None:
    """The latest published Tally document of a proposal."""
    return await store(app).tally_document(stored.id)


async def question_of(app: web.Application, pool: ActorRecord, stored: StoredProposal) -> dict[str, Any]:
    """The proposal as a Question, with the counts of its latest tally."""
    proposal = Proposal.from_dict(stored.proposal)
    current = await tally_of(app, stored)
    result = None
    if current is not None:
        ballots = await store(app).ballots(stored.id)
        result = tally(proposal.rule, proposal.electorate,
                       [Ballot.from_dict(b.ballot) for b in ballots])
    return question_document(proposal, pool.uri, stored.created_at, result, stored.closed_at)
