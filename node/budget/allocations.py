"""A member's allocation of their allowance: checked against the round, kept as they signed it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Allocation, Change, Conflict, GovernanceError, Proposal, RuleViolation
from node.budget.common import buckets, budget_of, round_of
from node.pool_engine.common import iso, key_lookup, pool_lock, store
from node.storage import StoredAllocation
from node.wire import InvalidDocument, check_document, verify_author_proof
from node.wire.budget import allocation_from_document

__all__ = ["allocate"]

_FUTURE_SECONDS = 300
"""An allocation dated further ahead than this (a skewed clock, or worse) is refused."""

MAX_CHANGES = 1000
"""How many allocations one member may make in one round (each is kept, for the recount)."""


async def allocate(app: web.Application, document: dict[str, Any], at: datetime, *,
                   verified: bool = False) -> Change:
    """Count an Allocation document received at ``at``; the same one again changes nothing.

    Receiver rules, as for ballots (docs/PROTOCOL.md §Budget rounds): schema, proof by
    ``attributedTo``, the round is open at receipt, then the round's own checks (an elector;
    its time in the round; known buckets; whole, non-negative amounts within the allowance)."""
    check_document("allocation", document)
    allocation = allocation_from_document(document)
    pool, stored = await round_of(app, allocation.round_id)
    if document.get("pool", pool.uri) != pool.uri:
        raise InvalidDocument("the round is not this pool's")
    if not verified:
        await verify_author_proof(document, allocation.person, lambda m: key_lookup(app, m))
    async with pool_lock(app, pool):
        stored = await store(app).proposal(stored.uri) or stored
        store_ = buckets(app)
        try:
            if stored.state != "open" or not Proposal.from_dict(stored.proposal).rule.is_open(at):
                raise Conflict("proposal_closed", "the budget round is closed")
            budget = await budget_of(app, stored)
            budget.check(allocation)
            if (allocation.at - at).total_seconds() > _FUTURE_SECONDS:
                raise InvalidDocument("the allocation is dated in the future")
        except (GovernanceError, InvalidDocument):
            known = await store_.allocation(stored.id, allocation.id)
            if known is None:
                raise
            return _repeat(known, allocation)
        if await store_.count_voter_allocations(stored.id, allocation.person) >= MAX_CHANGES:
            raise RuleViolation("too_many_allocations", f"a member changes their allocation at "
                                f"most {MAX_CHANGES} times in a round")
        if allocation.sequence == 0:
            _refuse_unnumbered(await store_.voter_allocations(stored.id, allocation.person), allocation)
        if not await store_.add_allocation(
            stored.id, uri=allocation.id, voter_uri=allocation.person, sequence=allocation.sequence,
            allocation=allocation.to_dict(), document=document, received_at=iso(at),
        ):
            known = await store_.allocation(stored.id, allocation.id)
            if known is None:  # the unique (round, member, sequence) refused it
                raise Conflict("allocation_sequence_conflict",
                               f"this member already made another allocation with sequence "
                               f"{allocation.sequence} in this round: a change takes the next one")
            return _repeat(known, allocation)
    return Change.COUNTED


def _refuse_unnumbered(mine: list[StoredAllocation], allocation: Allocation) -> None:
    """An allocation without ``sequence`` never outranks a numbered one of the same member: it
    would be a change that silently counts for nothing, so it is refused with the reason."""
    highest = max((a.sequence for a in mine if a.uri != allocation.id), default=0)
    if highest > 0:
        raise Conflict("allocation_sequence_missing",
                       f"this member's counted allocation has sequence {highest}; sign this one "
                       f"with sequence {highest + 1} or more")


def _repeat(known: StoredAllocation, allocation: Allocation) -> Change:
    if known.allocation != allocation.to_dict():
        raise Conflict("allocation_id_conflict", "another allocation was received with this id")
    return Change.UNCHANGED
