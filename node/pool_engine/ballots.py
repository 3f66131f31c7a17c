"""Receiving ballots: proof-checked Ballot documents (and the pool-attested ballots that
node/pool_engine/poll_replies.py makes of Mastodon poll replies)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Ballot, Change, Conflict, GovernanceError, Proposal, check_ballot
from node.appkeys import DB
from node.errors import NotFound, NotPoolProposal
from node.pool_engine.common import iso, key_lookup, pool_lock, store
from node.pool_engine.tallies import OPENED, forget, note_ballot, open_head, proposal_value
from node.storage import ActorRecord
from node.storage.governance import ProposalHead
from node.wire import InvalidDocument, ballot_from_document, check_document, verify_author_proof
from node.wire.errors import ProofRejected

__all__ = [
    "cast",
    "cast_locked",
    "check_admissible",
    "current_head",
    "not_stored",
    "repeat_of",
    "sequence_conflict",
    "unnumbered_refusal",
    "verify_ballot",
]


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
    if stored is None:  # not a pool's proposal (a flood's, say): the caller routes it
        raise NotPoolProposal("no such proposal on this node")
    attested_by = document.get("attestedBy")
    pool = await _pool(app, stored.pool_id)
    if attested_by is not None and attested_by != pool.uri:
        raise ProofRejected("proof rejected: only this pool's own attestations are accepted")
    async with pool_lock(app, pool):
        return await cast_locked(app, pool, stored, ballot, document, at)


async def cast_locked(
    app: web.Application, pool: ActorRecord, stored: ProposalHead, ballot: Ballot,
    document: dict[str, Any], at: datetime,
) -> Change:
    """Count ``ballot`` (of the checked ``document``) under the pool's lock, which is held."""
    governance = store(app)
    stored = await current_head(app, stored)
    proposal = await proposal_value(app, stored)
    try:
        check_admissible(proposal, stored, ballot, at)
    except (GovernanceError, InvalidDocument) as refusal:
        return await repeat_of(app, stored, ballot, refusal)
    if ballot.sequence == 0:
        await _refuse_unnumbered_after_numbered(app, stored.id, ballot)
    # The insert tells a repeat (same id) or a reused sequence from a new ballot: no read before it.
    row = await governance.add_ballot(
        stored.id, uri=ballot.id, voter_uri=ballot.voter, cast_at=iso(ballot.cast_at),
        ballot=ballot.to_dict(), document=document, attested_by=document.get("attestedBy"),
        received_at=iso(at), sequence=ballot.sequence,
    )
    if row is None:
        return await not_stored(app, stored, ballot)
    await note_ballot(app, stored, ballot, row)
    return Change.COUNTED


async def not_stored(app: web.Application, stored: ProposalHead, ballot: Ballot) -> Change:
    """The insert stored nothing: a repeat of the stored ballot (UNCHANGED, or a conflict for
    another ballot with its id), or the unique (proposal, voter, sequence) refused it (409)."""
    known = await store(app).ballot(stored.id, ballot.id)
    if known is None:
        raise sequence_conflict(ballot)
    return _repeat(known.ballot, ballot)


async def current_head(app: web.Application, stored: ProposalHead) -> ProposalHead:
    """The proposal's head as it is now, under the pool's lock (which is held)."""
    if stored.state == "open" and (
        (open_head(app, stored.uri) is None and app.get(OPENED) is not None) or app[DB].shared
    ):
        # Closed (here, or by another process on a shared database) since it was looked up,
        # or never kept: read it again under the lock.
        stored = await store(app).proposal_head(stored.uri) or stored
        if stored.state != "open":
            forget(app, stored)
    return stored


def check_admissible(proposal: Proposal, stored: ProposalHead, ballot: Ballot, at: datetime) -> None:
    """The proposal is open at ``at`` and the ballot is valid under its rule and electorate,
    and not dated in the future (GovernanceError or InvalidDocument otherwise)."""
    if stored.state == "closed" or not proposal.rule.is_open(at):
        raise Conflict("proposal_closed", "the proposal is closed")
    check_ballot(proposal.rule, proposal.electorate, ballot)
    if ballot.cast_at > at.replace(microsecond=0) and (ballot.cast_at - at).total_seconds() > 300:
        raise InvalidDocument("the ballot is dated in the future")


async def repeat_of(app: web.Application, stored: ProposalHead, ballot: Ballot,
                    refusal: Exception) -> Change:
    """A ballot the checks refused: a repeat if it was stored before, whatever changed since
    (UNCHANGED, or a conflict for another ballot with its id); else ``refusal`` is raised."""
    known = await store(app).ballot(stored.id, ballot.id)
    if known is None:
        raise refusal
    return _repeat(known.ballot, ballot)


async def _refuse_unnumbered_after_numbered(app: web.Application, proposal_id: int,
                                            ballot: Ballot) -> None:
    highest = max((int(b.ballot.get("sequence", 0)) for b in await store(app).voter_ballots(proposal_id, ballot.voter)
                   if b.uri != ballot.id), default=0)
    refusal = unnumbered_refusal(highest)
    if refusal is not None:
        raise refusal


def unnumbered_refusal(highest: int) -> Conflict | None:
    """A ballot without ``sequence`` never outranks a numbered one of the same voter
    (docs/PROTOCOL.md §Ballot order): storing it would be a vote change that silently counts
    for nothing, so it is refused with the reason (a repeat of a stored ballot is not).
    ``highest`` is the voter's highest sequence among its other stored ballots."""
    if highest <= 0:
        return None
    return Conflict(
        "ballot_sequence_missing",
        f"this voter's counted ballot on this proposal has sequence {highest}; a ballot "
        f"without a sequence would not count: sign it with sequence {highest + 1} or more",
    )


def sequence_conflict(ballot: Ballot) -> Conflict:
    """A second, different ballot of one voter with a sequence already used (409)."""
    return Conflict(
        "ballot_sequence_conflict",
        f"this voter already cast another ballot with sequence {ballot.sequence} on this"
        " proposal: a changed vote takes the next sequence",
    )


def _repeat(known: dict[str, Any], ballot: Ballot) -> Change:
    """A ballot id received again: no change if it is the same ballot, a conflict otherwise."""
    if known != ballot.to_dict():
        raise Conflict("ballot_id_conflict", "another ballot was received with this id")
    return Change.UNCHANGED


async def _pool(app: web.Application, pool_id: int) -> ActorRecord:
    from node.appkeys import ACTORS

    pool = await app[ACTORS].by_id(pool_id)
    if pool is None:
        raise NotFound("no such pool on this node")
    return pool
