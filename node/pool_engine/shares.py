"""Co-op shares in the node: issued on admission, redeemed on leaving, each through the ledger in
the same database transaction as the membership change (docs/GOVERNANCE.md, "Shares and surplus
in the node")."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from aiohttp import web

from governance import Bylaws, Ledger, Transaction
from governance.codec import datetime_from_str, utc
from governance.shares import (
    ShareAction,
    ShareEvent,
    ShareRegister,
    admission_issue,
    leaving_redemption,
    share_transaction,
)
from node.appkeys import DB
from node.pool_engine.common import iso, publish, signed, store
from node.storage import ActorRecord, EntryRow, MembershipRow, ShareEventRow, ShareStore
from node.wire import ledger_entry_document

__all__ = ["change_membership", "register_of", "shares_due", "signed_entries"]


def _event(row: ShareEventRow) -> ShareEvent:
    return ShareEvent(row.uri, datetime_from_str(row.at), ShareAction(row.action), row.person_uri,
                      row.share_type, row.count, row.value)


async def register_of(app: web.Application, pool: ActorRecord) -> ShareRegister:
    """The pool's share register replayed from its stored events."""
    return ShareRegister.replay(_event(r) for r in await ShareStore(app[DB]).events(pool.id))


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
    transactions = []
    working = ledger
    for n, event in enumerate(events):
        # One ledger entry per share type; the event takes the entry's id.
        event = dataclasses.replace(event, id=_next_id(pool, ledger, n))
        transactions.append((event, share_transaction(event, working, by=by)))
        working = working.apply(transactions[-1][1])
    _, entries = signed_entries(pool, ledger, [tx for _, tx in transactions], when)
    await ShareStore(app[DB]).book(
        pool.id, entries=entries,
        events=[ShareEventRow(e.id, e.person, e.action.value, e.share_type, e.count, e.value,
                              iso(e.at), e.id) for e, _ in transactions],
        membership=MembershipRow(person, state, roles, iso(at), join_activity, member_class))
    return entries


async def publish_entries(app: web.Application, pool: ActorRecord, entries: Sequence[EntryRow],
                          tell: str | None = None) -> None:
    """Publish booked entries to the pool's members (and ``tell``, who may have left)."""
    for entry in entries:
        await publish(app, pool, "Create", entry.document, [tell] if tell else None)


__all__ += ["publish_entries"]
