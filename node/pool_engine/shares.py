"""Co-op shares in the node: issued on admission, redeemed on leaving, each through the ledger in
the same database transaction as the membership change (docs/GOVERNANCE.md, "Shares and surplus
in the node")."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import datetime

from aiohttp import web

from governance import Bylaws, Ledger, Transaction
from governance.capital_call import held_in_open_calls, held_in_open_calls_by_person
from governance.codec import datetime_from_str, utc
from governance.shares import (
    ShareAction,
    ShareDue,
    ShareEvent,
    ShareRegister,
    admission_issue,
    covered_issue,
    leaving_redemption,
    share_transaction,
    shares_owed,
)
from node.appkeys import DB
from node.pool_engine.common import iso, pool_lock, publish, roster_of, signed, store
from node.storage import (
    ActorRecord,
    BylawsVersionStore,
    EntryRow,
    MembershipRow,
    ShareEventRow,
    ShareStore,
)
from node.wire import ledger_entry_document

__all__ = ["Booking", "amend_bylaws", "bookings", "change_membership", "covered_by_capital",
           "event_rows", "owing", "register_of", "shares_due", "signed_entries"]

Booking = tuple[ShareEvent, Transaction]
"""A share event and the ledger entry that books it (same id)."""


def _event(row: ShareEventRow) -> ShareEvent:
    return ShareEvent(row.uri, datetime_from_str(row.at), ShareAction(row.action), row.person_uri,
                      row.share_type, row.count, row.value)


async def register_of(app: web.Application, pool: ActorRecord) -> ShareRegister:
    """The pool's share register replayed from its stored events."""
    return ShareRegister.replay(_event(r) for r in await ShareStore(app[DB]).events(pool.id))


async def owing(app: web.Application, pool: ActorRecord, bylaws: Bylaws,
                register: ShareRegister) -> tuple[ShareDue, ...]:
    """Every member holding fewer shares than their class's minimum under ``bylaws`` (admitted
    before a bylaws change raised it, or the founder who has not paid in yet): one line per
    member and type, members by id, types in the bylaws' order."""
    if not bylaws.share_types:
        return ()
    rows = sorted(await store(app).memberships(pool.id), key=lambda r: r.person_uri)
    return tuple(due for row in rows if row.state == "member"
                 for due in shares_owed(register, bylaws, row.person_uri, row.member_class))


def shares_due(bylaws: Bylaws, member_class: str | None) -> int:
    """The value (minor units) of the shares a new member of ``member_class`` must hold."""
    return sum(t.minimum_for(member_class) * t.nominal for t in bylaws.share_types)


def signed_entries(pool: ActorRecord, ledger: Ledger, transactions: Sequence[Transaction],
                   at: datetime, source: str | None = None) -> tuple[Ledger, list[EntryRow]]:
    """Apply ``transactions`` to ``ledger`` (each refused as the governance core would) and sign
    each as the pool's next LedgerEntry; ``source`` marks the first (its booking is once)."""
    rows = []
    for n, transaction in enumerate(transactions):
        ledger = ledger.apply(transaction)
        sequence = len(ledger.entries)
        document = signed(ledger_entry_document(ledger.entries[-1], pool.uri, sequence), pool, at)
        rows.append(EntryRow(sequence, transaction.id, source if n == 0 else None,
                             transaction.kind.value, ledger.entries[-1].to_dict(), document,
                             iso(at)))
    return ledger, rows


def _next_id(pool: ActorRecord, ledger: Ledger, n: int) -> str:
    return f"{pool.uri}/ledger/{len(ledger.entries) + 1 + n}"


def bookings(pool: ActorRecord, ledger: Ledger, events: Sequence[ShareEvent], *,
             by: str | None = None) -> list[Booking]:
    """Each event with its ledger entry, taking the pool's next ledger ids after ``ledger`` (one
    entry per event; each refused as the governance core would)."""
    out: list[Booking] = []
    working = ledger
    for n, event in enumerate(events):
        event = dataclasses.replace(event, id=_next_id(pool, ledger, n))
        out.append((event, share_transaction(event, working, by=by)))
        working = working.apply(out[-1][1])
    return out


def event_rows(booked: Sequence[Booking]) -> list[ShareEventRow]:
    """The register rows of ``booked`` events."""
    return [ShareEventRow(e.id, e.person, e.action.value, e.share_type, e.count, e.value,
                          iso(e.at), e.id) for e, _ in booked]


def free_capital(ledger: Ledger, person: str, held: int | None = None) -> int:
    """The capital shares may be issued from: all ``person`` paid in but what an open capital
    call holds (a cancel owes that back in full); ``held`` when the caller read it already."""
    earmarked = held_in_open_calls(ledger, person) if held is None else held
    return max(0, ledger.capital_of(person) - earmarked)


async def covered_by_capital(app: web.Application, pool: ActorRecord, bylaws: Bylaws,
                             ledger: Ledger, person: str, at: datetime, *,
                             by: str | None = None) -> list[Booking]:
    """The shares a member short of their class's minimum is issued from the capital
    ``ledger`` shows them paid in (whole shares, never beyond the minimum); none for an
    applicant, whose shares come with their admission (the caller holds the pool's lock)."""
    row = await store(app).membership(pool.id, person)
    if not bylaws.share_types or row is None or row.state != "member":
        return []
    events = covered_issue(await register_of(app, pool), bylaws, person, row.member_class,
                           free_capital(ledger, person), utc(at).replace(microsecond=0), "pending")
    return bookings(pool, ledger, events, by=by)


async def change_membership(
    app: web.Application, pool: ActorRecord, bylaws: Bylaws, ledger: Ledger, person: str, *,
    state: str, roles: tuple[str, ...], at: datetime, by: str | None = None,
    join_activity: str | None = None, member_class: str | None = None,
) -> list[EntryRow]:
    """Move ``person`` to ``state`` with the share events it brings, in one transaction (the
    caller holds the pool's lock): joining as a member issues the shares their class must
    hold; leaving or expulsion redeems all they hold. The entries booked, to publish after."""
    when = utc(at).replace(microsecond=0)
    register = await register_of(app, pool)
    row = await store(app).membership(pool.id, person)
    if state == "member" and bylaws.share_types:
        chosen = member_class if member_class is not None else (
            row.member_class if row is not None else None)
        events = admission_issue(register, bylaws, person, chosen, when, "pending")
    elif state in ("left", "expelled"):
        events = leaving_redemption(register, person, when, "pending")
    else:
        events = ()
    booked = bookings(pool, ledger, events, by=by)  # one ledger entry per share type
    _, entries = signed_entries(pool, ledger, [tx for _, tx in booked], when)
    await ShareStore(app[DB]).book(
        pool.id, entries=entries, events=event_rows(booked),
        membership=MembershipRow(person, state, roles, iso(at), join_activity, member_class))
    return entries


async def amend_bylaws(app: web.Application, pool: ActorRecord, bylaws: Bylaws, proposal: str,
                       at: datetime) -> int:
    """Bring a passed bylaws change into force; the version's number. Every member whose paid-in
    capital covers shares the new bylaws want of them (a new type, a raised minimum) is issued
    them in the same transaction; what is not covered shows as due. Once per proposal: carried
    out again after a crash, nothing more is written."""
    versions = BylawsVersionStore(app[DB])
    async with pool_lock(app, pool):
        done = await versions.adopted(pool.id, proposal)
        if done is not None:
            return done
        _, _, ledger = await roster_of(app, pool)
        register = await register_of(app, pool)
        when = utc(at).replace(microsecond=0)
        events: list[ShareEvent] = []
        held = held_in_open_calls_by_person(ledger)  # one pass, not one per member
        for row in sorted(await store(app).memberships(pool.id), key=lambda r: r.person_uri):
            if row.state == "member":
                capital = free_capital(ledger, row.person_uri, held.get(row.person_uri, 0))
                events += covered_issue(register, bylaws, row.person_uri, row.member_class,
                                        capital, when, "pending")
        booked = bookings(pool, ledger, events)
        _, entries = signed_entries(pool, ledger, [tx for _, tx in booked], when)
        number = await versions.amend(pool.id, json.dumps(bylaws.to_dict()), proposal, iso(at),
                                      entries=entries, events=event_rows(booked))
    await publish_entries(app, pool, entries)
    return number


async def publish_entries(app: web.Application, pool: ActorRecord, entries: Sequence[EntryRow],
                          tell: str | None = None) -> None:
    """Publish booked entries to the pool's members (and ``tell``, who may have left)."""
    for entry in entries:
        await publish(app, pool, "Create", entry.document, [tell] if tell else None)


__all__ += ["publish_entries"]
