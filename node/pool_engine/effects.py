"""Carrying out what a closed proposal decided, from its durable effect state.

Closing a proposal writes its effect state in the same transaction as the close: 'pending' when
it passed and does something, 'none' otherwise. Whoever finds an effect pending (the closer
right after the close, or the closing worker's first round after a restart) carries it out; each
effect is idempotent (a booking happens once per source, an admission or expulsion already done
is not done again), so a crash at any point between the close and the effect repairs itself.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime

from aiohttp import web

from governance import BylawsChange, GovernanceError, Kind, Outcome, Proposal
from node.appkeys import ACTORS
from node.pool_engine.common import iso, named_lock, store
from node.pool_engine.extensions import FLOOD_LINK_EFFECT, INVESTMENT_EFFECT
from node.pool_engine.tallies import counted_ballots
from node.storage import ActorRecord, StoredProposal
from node.wire.classes import count, roll_of

__all__ = ["EFFECT_KINDS", "carry_out", "carry_out_pending", "effect_on_close"]

log = logging.getLogger("poolnode.pools")

EFFECT_KINDS = frozenset({Kind.DISBURSEMENT, Kind.ADMISSION, Kind.EXPULSION, Kind.BYLAWS_CHANGE,
                          Kind.JOIN_FLOOD, Kind.LEAVE_FLOOD, Kind.ROLE_CHANGE, Kind.BUDGET_ROUND,
                          Kind.SURPLUS, Kind.INVESTMENT})
"""Kinds whose passing changes something the node books or stores."""

CRASH_AFTER_CLOSE = "POOLNODE_TEST_EXIT_AFTER_CLOSE"
"""Test-only fault point: when set, the process exits hard right after a close commits."""


def effect_on_close(kind: Kind, outcome: Outcome) -> str:
    """The effect state a proposal closes with."""
    return "pending" if outcome is Outcome.PASSED and kind in EFFECT_KINDS else "none"


def crash_point() -> None:
    """Exit at once, as a kill would, if the test-only fault point is set."""
    if os.environ.get(CRASH_AFTER_CLOSE):
        os._exit(70)


async def carry_out_pending(app: web.Application, now: datetime) -> None:
    """Carry out every pending effect, oldest close first (start-up repair and every round)."""
    for stored in await store(app).proposals_with_effect("pending"):
        pool = await app[ACTORS].by_id(stored.pool_id)
        if pool is not None:
            await carry_out(app, pool, stored, now)


async def carry_out(app: web.Application, pool: ActorRecord, stored: StoredProposal,
                    now: datetime) -> str:
    """Carry out a closed proposal's pending effect once; the effect state it ends in.

    Every process's clock may find the same effect pending: the proposal's effect lock, and
    the state read again under it, let one carry it out and the others see it moved on."""
    async with named_lock(app, f"effect:{stored.id}"):
        current = await store(app).effect_of(stored.id)
        if current != "pending":
            return current or "none"
        return await _carry_out(app, pool, stored, now)


async def _carry_out(app: web.Application, pool: ActorRecord, stored: StoredProposal,
                     now: datetime) -> str:
    from node.pool_engine import membership, obligations, shares, surplus

    proposal = Proposal.from_dict(stored.proposal)
    governance = store(app)
    at = max(now, proposal.rule.closes_at)
    try:
        if proposal.kind in (Kind.DISBURSEMENT, Kind.BUDGET_ROUND):
            # Into the pool's queue of obligations: booked now if nothing older waits and the fund
            # covers it, otherwise it waits for funds (docs/GOVERNANCE.md, "Money owed"). A
            # round's funded buckets are booked the same way, together, in one turn of the queue.
            await governance.set_effect(stored.id, "waiting_funds", iso(at),
                                        "the free fund does not cover it yet", expected=("pending",))
            await obligations.serve(app, pool, at)
            refreshed = await governance.proposal(stored.uri)
            return refreshed.effect if refreshed is not None else "waiting_funds"
        if proposal.kind is Kind.INVESTMENT:
            # Pending while its capital call is open: each round takes the next step, if any.
            state, note = await app[INVESTMENT_EFFECT](app, pool, stored, proposal, at)
            if state == "pending":
                if note != stored.effect_reason:
                    await governance.set_effect(stored.id, "pending", iso(at), note,
                                                expected=("pending",))
                return state
            await governance.set_effect(stored.id, state, iso(at), note, expected=("pending",))
            return state
        result, classes = count(proposal, roll_of(stored.proposal), await counted_ballots(app, stored))
        if proposal.kind is Kind.SURPLUS:
            # Each member's share committed and the reserve set aside, in one transaction.
            await surplus.book_distribution(app, pool, proposal, classes or result, at)
        elif proposal.kind is Kind.ADMISSION:
            await membership.admit_by_vote(app, pool, proposal, result, at)
        elif proposal.kind is Kind.EXPULSION:
            await membership.expel(app, pool, proposal, result, at)
        elif proposal.kind is Kind.ROLE_CHANGE:
            await membership.change_role(app, pool, proposal, result, at)
        elif proposal.kind in (Kind.JOIN_FLOOD, Kind.LEAVE_FLOOD):
            # The flood link is node/floods' to make: the shell hands it in (extensions.py).
            await app[FLOOD_LINK_EFFECT](app, pool, stored, at)
        elif proposal.kind is Kind.BYLAWS_CHANGE:
            motion = proposal.motion
            assert isinstance(motion, BylawsChange)
            # The bylaws in force, their archived version and the shares members' capital
            # already covers under them, in one transaction.
            number = await shares.amend_bylaws(app, pool, motion.bylaws, stored.uri, at)
            log.info("%s: bylaws amended by %s (version %d)", pool.uri, proposal.id, number)
    except GovernanceError as exc:
        # Refused, visibly: the proposal shows the reason; other effects still go on.
        log.warning("%s passed but its effect was refused: %s (%s)", proposal.id, exc.reason, exc.code)
        await governance.set_effect(stored.id, "refused", iso(at), f"{exc.code}: {exc.reason}",
                                    expected=("pending",))
        return "refused"
    await governance.set_effect(stored.id, "done", iso(at), expected=("pending",))
    return "done"
