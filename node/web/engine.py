"""What the pool page reads from the pools engine: the fund and the recent decisions."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from governance import Bylaws, GovernanceError, Ledger
from node.appkeys import ACTORS
from node.pool_engine import obligations
from node.pool_engine.common import ledger_of, store
from node.storage import ActorRecord
from node.web.localise import money

__all__ = ["Applicant", "DecisionView", "PoolActivity", "Waiting", "applicants", "capital_of", "free_fund",
           "pool_activity", "refunds_owed_to", "waiting"]


@dataclass(frozen=True, slots=True)
class DecisionView:
    """A closed proposal as the pool page lists it."""

    title: str
    url: str
    outcome: str
    closed_at: str
    effect: str = "none"


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
            effect=row.effect,
        )
        for row in rows if row.state == "closed"
    ][:5]
    return PoolActivity(balance, bylaws.currency, sum(r.state != "closed" for r in rows), decisions)


@dataclass(frozen=True, slots=True)
class Waiting:
    """Money the pool owes and has not paid: a refund owed or a disbursement waiting for funds."""

    what: str
    title: str
    url: str | None
    amount: int
    since: str


async def waiting(app: web.Application, pool: ActorRecord, ledger: Ledger) -> list[Waiting]:
    """The pool's queue of obligations, oldest first (the order the fund serves them)."""
    rows: list[Waiting] = []
    for row in await store(app).proposals_with_effect("waiting_funds", pool.id):
        amount = await obligations.waiting_amount(app, row, ledger)
        rows.append(Waiting("disbursement" if row.kind != "budget_round" else "budget round",
                            str(row.proposal.get("title", "")),
                            f"/pools/{pool.username}/proposals/{row.uri.rsplit('/', 1)[-1]}",
                            int(amount), (row.closed_at or "")[:16]))
    for account, balance in ledger.balances.items():
        if account.startswith("owed:") and balance < 0:
            person = account.removeprefix("owed:")
            since = next((e.transaction.at for e in reversed(ledger.entries)
                          if e.transaction.reference == person
                          and e.transaction.kind.value == "refund_owed"), None)
            rows.append(Waiting("refund", person, None, -balance,
                                since.isoformat()[:16] if since else ""))
    return sorted(rows, key=lambda w: w.since)


async def free_fund(app: web.Application, pool: ActorRecord, ledger: Ledger) -> int:
    """What a new decision could have at once: the fund less what the queue of obligations
    waits for (node/pool_engine/obligations.py)."""
    return await obligations.free_fund(app, pool, ledger)


async def refunds_owed_to(app: web.Application, person: str) -> list[tuple[ActorRecord, str]]:
    """Each pool on this node that owes ``person`` a refund, and how much."""
    from node.pools import load_bylaws

    owed = []
    for membership in await app[ACTORS].pools_of_person(person):
        pool = await app[ACTORS].by_id(membership.pool_id)
        if pool is None or membership.state == "member":
            continue
        bylaws = await load_bylaws(app[ACTORS], pool)
        try:
            amount = (await ledger_of(app, pool, bylaws)).owed_to(person)
        except GovernanceError:
            continue
        if amount > 0:
            owed.append((pool, money(amount, bylaws.currency)))
    return owed


@dataclass(frozen=True, slots=True)
class Applicant:
    """A pending application: who, since when, the share they say they paid, the capital the
    treasurer has confirmed (minor units; None when the ledger does not replay)."""

    person: str
    membership_id: int
    since: str
    claim: dict[str, object] | None
    paid: int | None


async def applicants(app: web.Application, pool: ActorRecord, bylaws: Bylaws) -> list[Applicant]:
    """The pool's pending applications, oldest first, with claimed and confirmed shares."""
    try:
        ledger: Ledger | None = await ledger_of(app, pool, bylaws)
    except GovernanceError:
        ledger = None
    return [
        Applicant(m.person_uri, m.id, (m.joined_at or "")[:16].replace("T", " "), claim,
                  ledger.capital_of(m.person_uri) if ledger is not None else None)
        for m, _, claim in await store(app).applications(pool.id)
    ]


async def capital_of(app: web.Application, pool: ActorRecord, bylaws: Bylaws, person: str) -> int | None:
    """The capital the pool's ledger holds for ``person`` (None when the ledger does not replay)."""
    try:
        return (await ledger_of(app, pool, bylaws)).capital_of(person)
    except GovernanceError:
        return None
