"""What the pool page reads from the pools engine: the fund and the recent decisions."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from governance import Bylaws, GovernanceError
from node.pool_engine.common import ledger_of, store
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

    balance: int | None
    currency: str
    open_proposals: int
    recent_decisions: list[DecisionView]


async def pool_activity(request: web.Request, pool: ActorRecord, bylaws: Bylaws) -> PoolActivity:
    """The pool's fund (None if its ledger does not replay) and its last closed proposals."""
    try:
        balance: int | None = (await ledger_of(request.app, pool, bylaws)).fund
    except GovernanceError:
        balance = None
    rows = await store(request.app).proposals_of_pool(pool.id, limit=50)
    decisions = [
        DecisionView(
            title=str(row.proposal.get("title", "")),
            url=f"/pools/{pool.username}/proposals/{row.uri.rsplit('/', 1)[-1]}",
            outcome=row.outcome or "",
            closed_at=(row.closed_at or "")[:16].replace("T", " "),
        )
        for row in rows if row.state == "closed"
    ][:5]
    return PoolActivity(balance, bylaws.currency, sum(r.state != "closed" for r in rows), decisions)
