"""Money the pool owes: disbursements waiting for funds, refunds owed, commitments that lapse.

One queue per pool, served oldest first (by when each obligation arose: the vote's close for a
disbursement or for the pool's share of a flood disbursement once its result is final, the
leaving for a refund). The first one the free fund cannot cover blocks those
behind it, so a later, smaller claim never overtakes an older one. A disbursement that waited
longer than the bylaws' ``funding_wait`` lapses; a refund owed never lapses. The queue is served
after every booking that raises the fund and by the effects clock (docs/GOVERNANCE.md).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from governance import (
    Bylaws,
    EntryKind,
    GovernanceError,
    Kind,
    Ledger,
    Proposal,
    Roster,
    Transaction,
    commit_flood_share,
    lapse_commitment,
    owe_refund,
    pay_owed_refund,
    refund,
)
from governance.codec import datetime_from_str
from node.appkeys import ACTORS, DB, WORKERS
from node.pool_engine.common import clock_worker, iso, named_lock, roster_of, store
from node.pool_engine.extensions import BUDGET_COMMIT
from node.pool_engine.ledger import Build, book, book_commitment
from node.pool_engine.tallies import counted_ballots
from node.storage import ActorRecord, FloodStore, StoredFloodShare, StoredProposal
from node.wire.classes import count, roll_of

__all__ = ["EFFECTS_INTERVAL", "effects_ctx", "free_fund", "refund_or_owe", "serve", "sweep", "waiting_amount"]

log = logging.getLogger("poolnode.pools")

EFFECTS_INTERVAL: web.AppKey[float] = web.AppKey("effects_interval", float)
"""Seconds between sweeps serving waiting obligations and lapsing what is due (default 60)."""


@dataclass(frozen=True, slots=True)
class _Owed:
    person: str
    since: datetime
    entry: str


def _owed(ledger: Ledger) -> list[_Owed]:
    """Refunds owed and not yet paid, with the entry that made each one owed."""
    latest: dict[str, _Owed] = {}
    for entry in ledger.entries:
        tx = entry.transaction
        if tx.kind is EntryKind.REFUND_OWED and tx.reference and tx.reference not in latest:
            latest[tx.reference] = _Owed(tx.reference, tx.at, tx.id)
    return [o for o in latest.values() if ledger.owed_to(o.person) > 0]


def _paying(person: str, now: datetime) -> Build:
    def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
        return pay_owed_refund(id, now, ledger, person)
    return build


def _sharing(share: StoredFloodShare, now: datetime) -> Build:
    def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
        return commit_flood_share(id, now, ledger, share.proposal_uri,
                                  datetime_from_str(share.since), share.amount)
    return build


def _lapsing(ref: str, committed_at: datetime, lapse: timedelta, now: datetime) -> Build:
    def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
        return lapse_commitment(id, now, ledger, ref, committed_at=committed_at, lapse=lapse)
    return build


async def waiting_ahead(app: web.Application, pool: ActorRecord, ledger: Ledger) -> bool:
    """Whether any obligation already waits in the pool's queue."""
    return (bool(_owed(ledger)) or bool(await store(app).proposals_with_effect("waiting_funds", pool.id))
            or bool(await FloodStore(app[DB]).waiting_shares(pool.id)))


async def waiting_amount(app: web.Application, stored: StoredProposal, ledger: Ledger) -> int:
    """What a proposal waiting for funds still needs from the fund: a disbursement's amount, or
    the part of a closed round's funded buckets not yet committed (its signed final result)."""
    if stored.kind != Kind.BUDGET_ROUND:
        return int(stored.proposal.get("motion", {}).get("amount", 0))
    result = await store(app).tally_document(stored.id) or {}
    return sum(max(0, int(b["funded"]) - ledger.committed(str(b["bucket"])))
               for b in result.get("buckets", ()) if isinstance(b, dict))


async def free_fund(app: web.Application, pool: ActorRecord, ledger: Ledger) -> int:
    """What a new decision could have at once: the fund less what the queue of obligations
    waits for (a new disbursement is served after every older one, docs/PROTOCOL.md)."""
    queued = sum([await waiting_amount(app, row, ledger)
                  for row in await store(app).proposals_with_effect("waiting_funds", pool.id)])
    queued += sum(-balance for account, balance in ledger.balances.items()
                  if account.startswith("owed:") and balance < 0)
    return max(0, ledger.fund - queued)


async def serve(app: web.Application, pool: ActorRecord, now: datetime) -> None:
    """Book what the fund now covers, oldest first; lapse disbursements waiting too long.

    One server of a pool's queue at a time, in every process on the database (each booking
    also holds the pool's lock and happens once per source)."""
    async with named_lock(app, f"obligations:{pool.id}"):
        await _serve(app, pool, now)


async def _serve(app: web.Application, pool: ActorRecord, now: datetime) -> None:
    governance = store(app)
    _, bylaws, ledger = await roster_of(app, pool)
    shares = FloodStore(app[DB])
    queue: list[tuple[datetime, str, StoredProposal | _Owed | StoredFloodShare]] = [
        (datetime_from_str(p.closed_at or p.closes_at), p.uri, p)
        for p in await governance.proposals_with_effect("waiting_funds", pool.id)
    ]
    queue += [(o.since, o.entry, o) for o in _owed(ledger)]
    queue += [(datetime_from_str(s.since), s.proposal_uri, s) for s in await shares.waiting_shares(pool.id)]
    blocked = False  # the first obligation the fund cannot cover blocks the rest of the queue
    for since, _, item in sorted(queue, key=lambda q: (q[0], q[1])):
        if isinstance(item, StoredFloodShare):
            # The pool's share of a flood disbursement whose final result passed: the pool's own rule.
            if now >= since + bylaws.funding_wait:
                await shares.set_share(item.proposal_uri, pool.id, "lapsed",
                                       "the fund did not cover it within the bylaws' funding wait", iso(now))
                log.info("%s: its share of %s lapsed waiting for funds", pool.uri, item.proposal_uri)
                continue
            if blocked:
                continue
            try:
                await book(app, pool, _sharing(item, max(now, since)),
                           f"{item.proposal_uri}#commitment:{pool.uri}", now)
            except GovernanceError as exc:
                if exc.code == "overdraft":
                    blocked = True
                    continue
                await shares.set_share(item.proposal_uri, pool.id, "refused",
                                       f"{exc.code}: {exc.reason}", iso(now))
                continue
            await shares.set_share(item.proposal_uri, pool.id, "done", None, iso(now))
            continue
        if isinstance(item, _Owed):
            if blocked:
                continue
            person, source = item.person, item.entry + "#paid"
            try:
                await book(app, pool, _paying(person, now), source, now, tell=person)
            except GovernanceError as exc:
                if exc.code != "overdraft":
                    raise
                blocked = True
                continue
            log.info("%s: refund owed to %s paid", pool.uri, person)
            continue
        if now >= since + bylaws.funding_wait:
            # Lapsing frees no money, so it goes on behind a blocked head of the queue too.
            await governance.set_effect(item.id, "lapsed", iso(now),
                                        "the fund did not cover it within the bylaws' funding wait",
                                        expected=("waiting_funds",))
            log.info("%s: %s lapsed waiting for funds", pool.uri, item.uri)
            continue
        if blocked:
            continue
        proposal = Proposal.from_dict(item.proposal)
        try:
            # Never before the close (a test's clock, or a skewed one, may say otherwise).
            if proposal.kind is Kind.BUDGET_ROUND:  # its funded buckets: node/budget books them
                await app[BUDGET_COMMIT](app, pool, item, max(now, proposal.rule.closes_at))
            else:
                result = count(proposal, roll_of(item.proposal), await counted_ballots(app, item))[0]
                await book_commitment(app, pool, proposal, result, max(now, proposal.rule.closes_at))
        except GovernanceError as exc:
            if exc.code == "overdraft":
                blocked = True
                continue
            await governance.set_effect(item.id, "refused", iso(now), f"{exc.code}: {exc.reason}",
                                        expected=("waiting_funds",))
            continue
        await governance.set_effect(item.id, "done", iso(now), expected=("waiting_funds",))


async def refund_or_owe(app: web.Application, pool: ActorRecord, person: str, source: str,
                        at: datetime) -> None:
    """Refund the capital of someone who left now, or book it owed when the fund or the queue
    says it must wait; nothing when they hold no capital."""
    _, _, ledger = await roster_of(app, pool)
    if ledger.capital_of(person) <= 0:
        return
    if ledger.capital_of(person) <= ledger.fund and not await waiting_ahead(app, pool, ledger):
        try:
            await book(app, pool, lambda id, ledger, r, b: refund(id, at, ledger, person, r), source, at,
                       tell=person)
            return
        except GovernanceError as exc:  # the fund moved between the check and the booking
            if exc.code != "overdraft":
                raise
    await book(app, pool, lambda id, ledger, r, b: owe_refund(id, at, ledger, person, r),
               source + "#owed", at, tell=person)
    log.info("%s: refund to %s owed until the fund allows", pool.uri, person)


async def lapse_commitments(app: web.Application, pool: ActorRecord, now: datetime) -> None:
    """Return to the fund the unspent rest of every commitment older than the bylaws allow."""
    _, bylaws, ledger = await roster_of(app, pool)
    if not bylaws.commitment_lapse:
        return
    first: dict[str, datetime] = {}
    for entry in ledger.entries:
        tx = entry.transaction
        if tx.kind is EntryKind.COMMITMENT and tx.reference and tx.reference not in first:
            first[tx.reference] = tx.at
    for ref, committed_at in first.items():
        if ledger.balance(f"commitment:{ref}") <= 0 or now < committed_at + bylaws.commitment_lapse:
            continue
        if await _investment(app, ref):
            continue  # members' payments toward a call: it ends registered or cancelled
        await book(app, pool, _lapsing(ref, committed_at, bylaws.commitment_lapse, now),
                   f"{ref}#lapse", now)
        log.info("%s: commitment %s lapsed; its rest is back in the fund", pool.uri, ref)


async def _investment(app: web.Application, ref: str) -> bool:
    """Whether ``ref`` is an investment proposal, whose commitment holds a capital call."""
    stored = await store(app).proposal(ref)
    return stored is not None and stored.kind == Kind.INVESTMENT


async def sweep(app: web.Application, now: datetime) -> None:
    """Every pool with obligations: lapse what is due, then serve the queue."""
    for pool_id in await store(app).pools_with_obligations():
        pool = await app[ACTORS].by_id(pool_id)
        if pool is None:
            continue
        await lapse_commitments(app, pool, now)
        await serve(app, pool, now)


async def effects_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: a worker serving obligations (it starts with a sweep: start-up repair)."""
    async with clock_worker("pool-obligations", app.get(EFFECTS_INTERVAL, 60.0),
                            lambda now: sweep(app, now), log, "serving obligations failed",
                            running=app.get(WORKERS, True)):
        yield
