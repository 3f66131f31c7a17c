"""Receiving ballots: proof-checked Ballot documents and pool-attested poll replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Ballot, Change, Conflict, GovernanceError, Proposal, check_ballot
from governance.codec import datetime_from_str
from node.errors import NotFound
from node.pool_engine.common import iso, key_lookup, pool_lock, signed, store
from node.pool_engine.tallies import OPENED, note_ballot, open_head, proposal_value
from node.storage import ActorRecord
from node.wire import (
    InvalidDocument,
    attested_ballot_document,
    ballot_from_document,
    check_document,
    verify_author_proof,
)
from node.wire.errors import ProofRejected
from node.wire.proposals import question_options

__all__ = ["cast", "cast_poll_reply", "verify_ballot"]


async def verify_ballot(app: web.Application, document: dict[str, Any]) -> None:
    """The ballot's proof is its voter's (or, for an attested ballot, the attesting pool's)."""
    check_document("ballot", document)
    author = document.get("attestedBy") or document["attributedTo"]
    await verify_author_proof(document, author, lambda m: key_lookup(app, m))


async def cast(
    app: web.Application, document: dict[str, Any], at: datetime, *, verified: bool = False
) -> Change:
    """Count a Ballot document received at ``at``; the same ballot again changes nothing."""
    if not verified:
        await verify_ballot(app, document)
    ballot = ballot_from_document(document)
    governance = store(app)
    # An open proposal's head comes from memory; otherwise only its row id, pool and state are
    # read: its documents are decoded once while it is open (proposal_value), not per ballot.
    stored = open_head(app, ballot.proposal_id) or await governance.proposal_head(ballot.proposal_id)
    if stored is None:
        from node.floods import cast_in_flood  # a flood proposal's ballot, sent to its pool

        return await cast_in_flood(app, document, at)
    attested_by = document.get("attestedBy")
    pool = await _pool(app, stored.pool_id)
    if attested_by is not None and attested_by != pool.uri:
        raise ProofRejected("proof rejected: only this pool's own attestations are accepted")
    async with pool_lock(app, pool):
        if stored.state == "open" and open_head(app, stored.uri) is None and app.get(OPENED) is not None:
            # Closed (or never kept) since it was looked up: read it again under the lock.
            stored = await governance.proposal_head(stored.uri) or stored
        proposal = await proposal_value(app, stored)
        try:
            if stored.state == "closed" or not proposal.rule.is_open(at):
                raise Conflict("proposal_closed", "the proposal is closed")
            check_ballot(proposal.rule, proposal.electorate, ballot)
            if ballot.cast_at > at.replace(microsecond=0) and (ballot.cast_at - at).total_seconds() > 300:
                raise InvalidDocument("the ballot is dated in the future")
        except (GovernanceError, InvalidDocument):
            # A ballot stored before is answered as a repeat, whatever changed since.
            known = await governance.ballot(stored.id, ballot.id)
            if known is None:
                raise
            return _repeat(known.ballot, ballot)
        # The insert tells a repeat (same id) from a new ballot: no read before it.
        if not await governance.add_ballot(
            stored.id, uri=ballot.id, voter_uri=ballot.voter, cast_at=iso(ballot.cast_at),
            ballot=ballot.to_dict(), document=document, attested_by=attested_by,
            received_at=iso(at),
        ):
            known = await governance.ballot(stored.id, ballot.id)
            assert known is not None  # the unique (proposal_id, uri) refused the insert
            return _repeat(known.ballot, ballot)
        await note_ballot(app, pool, stored, ballot.id, ballot)
    return Change.COUNTED


def _repeat(known: dict[str, Any], ballot: Ballot) -> Change:
    """A ballot id received again: no change if it is the same ballot, a conflict otherwise."""
    if known != ballot.to_dict():
        raise Conflict("ballot_id_conflict", "another ballot was received with this id")
    return Change.UNCHANGED


async def cast_poll_reply(
    app: web.Application, pool: ActorRecord, note: dict[str, Any], voter: str, at: datetime
) -> Change:
    """A Mastodon poll reply (``Create(Note)``, ``name`` = option) as a ballot the pool attests.

    The voter's server proved who sent it with its HTTP signature only, so the pool signs
    the ballot itself and marks it ``attestedBy`` the pool.
    """
    question = note.get("inReplyTo")
    proposal_id = question.removesuffix("/question") if isinstance(question, str) else ""
    stored = await store(app).proposal(proposal_id)
    if stored is None or stored.pool_id != pool.id:
        raise NotFound("no such poll on this node")
    option = note.get("name")
    proposal = Proposal.from_dict(stored.proposal)
    if not isinstance(option, str) or option not in question_options(proposal):
        raise InvalidDocument("the reply names no option of the poll")
    cast_at = datetime_from_str(note["published"]) if isinstance(note.get("published"), str) else at
    ballot = Ballot(note["id"], proposal_id, voter, min(cast_at, at), (option,))
    document = signed(attested_ballot_document(ballot, pool.uri, note["id"]), pool, at)
    return await cast(app, document, at, verified=True)


async def _pool(app: web.Application, pool_id: int) -> ActorRecord:
    from node.appkeys import ACTORS

    pool = await app[ACTORS].by_id(pool_id)
    if pool is None:
        raise NotFound("no such pool on this node")
    return pool
