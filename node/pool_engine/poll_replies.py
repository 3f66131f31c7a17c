"""Mastodon poll replies as ballots the pool attests (docs/FEDERATION.md §Mastodon interop).

A poll reply is a ``Create(Note)`` whose ``name`` is one option of our ``Question``; it
carries only its server's HTTP signature, so the pool signs the ballot itself and marks it
``attestedBy`` the pool, with the reply's id as ``evidence``. Mastodon sends one reply per
ticked option of a multiple-choice (``anyOf``) poll, so, as Mastodon's own poll code does,
the replies of one voter to one question are merged: each reply makes a new attested ballot
with the union of the options so far, the next sequence, and every reply it rests on as
evidence. On a single-choice poll (``oneOf``: consent, single choice, and ranked proposals,
which offer their first preference only) a later reply replaces the earlier one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Ballot, BallotType, Change, Proposal, counted_ballot
from governance.codec import datetime_from_str
from node.errors import NotFound
from node.pool_engine.ballots import cast_locked
from node.pool_engine.common import pool_lock, signed, store
from node.storage import ActorRecord, StoredBallot
from node.storage.governance import ProposalHead
from node.wire import InvalidDocument, attested_ballot_document
from node.wire.proposals import question_options

__all__ = ["cast_poll_reply"]


async def cast_poll_reply(
    app: web.Application, pool: ActorRecord, note: dict[str, Any], voter: str, at: datetime
) -> Change:
    """Count one poll reply: a new attested ballot, merged with the voter's earlier replies to
    a multiple-choice poll; the same reply again (or an option already chosen) changes nothing."""
    question = note.get("inReplyTo")
    proposal_id = question.removesuffix("/question") if isinstance(question, str) else ""
    governance = store(app)
    stored = await governance.proposal(proposal_id)
    if stored is None or stored.pool_id != pool.id:
        raise NotFound("no such poll on this node")
    option = note.get("name")
    proposal = Proposal.from_dict(stored.proposal)
    if not isinstance(option, str) or option not in question_options(proposal):
        raise InvalidDocument("the reply names no option of the poll")
    note_id = note["id"]
    published = note.get("published")
    cast_at = min(datetime_from_str(published), at) if isinstance(published, str) else at
    # Under the pool's lock from reading the voter's ballots to storing the new one: replies
    # to one poll arrive together, and each must build on the one before.
    async with pool_lock(app, pool):
        if await governance.ballot(stored.id, note_id) is not None:
            return Change.UNCHANGED  # this reply was counted before
        mine = await governance.voter_ballots(stored.id, voter)
        sequence = max((_sequence(b) for b in mine), default=0) + 1
        choice, evidence = _merged(proposal, pool.uri, mine, option, note_id)
        if choice is None:
            return Change.UNCHANGED  # an option this voter's counted ballot already approves
        ballot = Ballot(note_id, proposal_id, voter, cast_at, choice, sequence)
        document = signed(
            attested_ballot_document(ballot, pool.uri, evidence[0] if len(evidence) == 1 else evidence),
            pool, at,
        )
        head = ProposalHead(stored.id, stored.pool_id, stored.uri, stored.state)
        return await cast_locked(app, pool, head, ballot, document, at)


def _sequence(stored: StoredBallot) -> int:
    sequence = stored.ballot.get("sequence", 0)
    return sequence if isinstance(sequence, int) else 0


def _merged(
    proposal: Proposal, pool: str, mine: list[StoredBallot], option: str, note_id: str
) -> tuple[tuple[str, ...] | None, list[str]]:
    """(choice, evidence) of the ballot a reply makes; choice None when it changes nothing.

    Only an approval proposal merges, and only into the voter's counted ballot when this pool
    attested it: a ballot the voter signed themselves is replaced, not extended.
    """
    if proposal.rule.ballot_type is not BallotType.APPROVAL:
        return (option,), [note_id]
    current = counted_ballot(Ballot.from_dict(b.ballot) for b in mine)
    kept = next((b for b in mine if current is not None and b.uri == current.id), None)
    if current is None or kept is None or kept.attested_by != pool:
        return (option,), [note_id]
    if option in current.choice:
        return None, []
    chosen = {*current.choice, option}
    evidence = kept.document.get("evidence", [])
    earlier = [evidence] if isinstance(evidence, str) else list(evidence)
    return tuple(o for o in proposal.rule.options if o in chosen), [*earlier, note_id]
