"""Surplus and patronage in the node: a distribution opens with every member's measure frozen,
and books its commitments and reserve when it passes (docs/GOVERNANCE.md, "Shares and surplus in
the node"); a treasurer records patronage."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from governance import Kind, Ledger, Proposal, Roster, RuleViolation, Tally, Transaction
from governance.classes import ClassTally
from governance.codec import datetime_from_str, utc
from governance.surplus import SurplusDistribution
from governance.surplus_ledger import (
    PatronageRecord,
    book_surplus,
    record_patronage,
    surplus_measures,
)
from node.appkeys import ACTORS, DB
from node.pool_engine.common import iso, local_pool, pool_lock, roster_of, store
from node.pool_engine.shares import publish_entries, signed_entries
from node.pools import load_bylaws
from node.storage import ActorRecord, ShareStore, StoredPatronage
from node.wire import InvalidDocument
from node.wire.surplus import SurplusDraft

__all__ = ["SURPLUS_SOURCE", "book_distribution", "distribution", "patronage_of", "record"]

SURPLUS_SOURCE = "#surplus"
"""Suffix of a proposal's id marking the booking of its distribution (once)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_NOTE = 500


def _record(row: StoredPatronage) -> PatronageRecord:
    return PatronageRecord(row.uri, datetime_from_str(row.at), row.person_uri, row.amount,
                           row.recorded_by, row.note)


async def patronage_of(app: web.Application, pool: ActorRecord) -> list[PatronageRecord]:
    """Every patronage record of the pool, oldest first."""
    return [_record(r) for r in await ShareStore(app[DB]).patronage(pool.id)]


async def period_start(app: web.Application, pool: ActorRecord) -> datetime:
    """Where the period a new distribution measures starts: where the period of the last booked
    distribution ended (as it opened), or the beginning."""
    opened = [Proposal.from_dict(p.proposal).rule.opens_at
              for p in await store(app).proposals_with_effect("done", pool.id)
              if p.kind == Kind.SURPLUS]
    return max(opened, default=_EPOCH)


async def distribution(app: web.Application, pool: ActorRecord, draft: SurplusDraft,
                       roster: Roster, ledger: Ledger, at: datetime) -> SurplusDistribution:
    """The distribution ``draft`` asks for, with every member's measure over the period up to
    ``at``; refused when the free fund does not hold the amount and the reserve."""
    from node.pool_engine.obligations import free_fund  # obligations books through this engine

    bylaws = await load_bylaws(app[ACTORS], pool)
    measures: dict[str, int] = {}
    if draft.amount:
        if bylaws.surplus_measure is None:
            raise RuleViolation("no_surplus_measure",
                                "these bylaws name no measure to share a surplus by")
        measures = surplus_measures(
            bylaws.surplus_measure, roster.electorate().members, ledger=ledger,
            patronage=await patronage_of(app, pool), since=await period_start(app, pool),
            until=utc(at))
    motion = draft.motion(bylaws.surplus_measure, measures)
    free = await free_fund(app, pool, ledger)
    if motion.amount + motion.reserve > free:
        raise RuleViolation("overdraft", f"the free fund holds {free} minor units; the "
                            f"distribution needs {motion.amount + motion.reserve}")
    return motion


async def book_distribution(app: web.Application, pool: ActorRecord, proposal: Proposal,
                            result: Tally | ClassTally, at: datetime) -> None:
    """Book a passed distribution: each member's share as a commitment and the reserve, in
    one transaction, once (a repair after a crash finds it booked)."""
    source = proposal.id + SURPLUS_SOURCE
    async with pool_lock(app, pool):
        if await store(app).entry_by_source(source) is not None:
            return
        _, _, ledger = await roster_of(app, pool)
        first = f"{pool.uri}/ledger/{len(ledger.entries) + 1}"
        transactions = list(book_surplus(first, at, ledger, proposal, result))
        for n, tx in enumerate(transactions):
            # Each entry takes the pool's next ledger id (the reserve's is not "<id>#reserve").
            transactions[n] = _renamed(tx, f"{pool.uri}/ledger/{len(ledger.entries) + 1 + n}")
        _, entries = signed_entries(pool, ledger, transactions, at, source)
        await ShareStore(app[DB]).book(pool.id, entries=entries)
    await publish_entries(app, pool, entries)


def _renamed(tx: Transaction, id: str) -> Transaction:
    return dataclasses.replace(tx, id=id)


async def record(app: web.Application, treasurer: str, request: dict[str, Any],
                 at: datetime) -> StoredPatronage:
    """A treasurer's ``Patronage`` request: ``person`` brought ``amount`` minor units of
    patronage (``content``: a note); the same request id twice records once."""
    pool = await local_pool(app, request.get("pool"))
    person, amount, note = request.get("person"), request.get("amount"), request.get("content", "")
    if not isinstance(person, str) or not isinstance(note, str) or len(note) > _MAX_NOTE:
        raise InvalidDocument(f"a patronage record names a 'person' and a note of at most "
                              f"{_MAX_NOTE} characters")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidDocument("'amount' is a whole number of minor units")
    roster, _, _ = await roster_of(app, pool)
    when = utc(at).replace(microsecond=0)
    uri = f"{pool.uri}/patronage/{uuid.uuid4()}"
    checked = record_patronage(uri, when, person, amount, by=treasurer, roster=roster, note=note)
    row = StoredPatronage(checked.id, checked.person, checked.amount, iso(checked.at),
                          checked.recorded_by, checked.note)
    source = request.get("id") if isinstance(request.get("id"), str) else None
    # The same request again (a replay) is no error: it was recorded once.
    await ShareStore(app[DB]).add_patronage(pool.id, row, source)
    return row
