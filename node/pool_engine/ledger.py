"""Booking ledger entries: treasurer requests (contribution, donation, payment) and commitments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from governance import (
    Bylaws,
    Kind,
    Ledger,
    NotPermitted,
    Proposal,
    Roster,
    Tally,
    Transaction,
    commit_disbursement,
    contribution,
    donation,
    pay,
    pay_disbursement,
    release,
)
from governance.codec import utc
from governance.surplus_ledger import surplus_commitment
from node.appkeys import DB
from node.errors import Conflict, NotFound
from node.pool_engine import shares
from node.pool_engine.common import local_pool, pool_lock, publish, roster_of, store
from node.pool_engine.extensions import FLOOD_DISBURSEMENT
from node.storage import ActorRecord, BudgetStore, ShareStore, StoredBucket, StoredEntry
from node.wire import InvalidDocument, check_document

__all__ = ["balances", "book", "book_commitment", "record_request"]

Build = Callable[[str, Ledger, Roster, Bylaws], Transaction]


async def book(
    app: web.Application, pool: ActorRecord, build: Build, source: str | None, at: datetime,
    *, tell: str | None = None, shares_for: str | None = None,
) -> StoredEntry:
    """Append one pool-signed entry built from the current ledger; once per ``source``.

    ``tell``: someone the entry concerns who may no longer be a member (a refund's person),
    addressed beside the members. ``shares_for``: a member whose capital the entry raises; the
    shares it now covers up to their class's minimum are issued in the same transaction
    (docs/GOVERNANCE.md, "Shares and surplus in the node")."""
    governance = store(app)
    async with pool_lock(app, pool):
        if source is not None:
            known = await governance.entry_by_source(source)
            if known is not None:
                return known
        roster, bylaws, ledger = await roster_of(app, pool)
        transaction = build(f"{pool.uri}/ledger/{len(ledger.entries) + 1}", ledger, roster, bylaws)
        # Applying refuses an overdraft with the governance error, before anything is written.
        issued = [] if shares_for is None else await shares.covered_by_capital(
            app, pool, bylaws, ledger.apply(transaction), shares_for, at,
            by=transaction.recorded_by)
        _, rows = shares.signed_entries(pool, ledger, [transaction, *(tx for _, tx in issued)],
                                        at, source)
        await ShareStore(app[DB]).book(pool.id, entries=rows, events=shares.event_rows(issued))
    for row in rows:
        await publish(app, pool, "Create", row.document, [tell] if tell else None)
    entry = await governance.entry(transaction.id)
    assert entry is not None
    return entry


async def record_request(
    app: web.Application, treasurer: str, request: dict[str, Any], at: datetime
) -> StoredEntry:
    """A treasurer's ``LedgerEntry`` request: contribution, donation, payment or release (a
    payment toward a capital call is node/assets/investment.py's ``record_payment``).

    A booking that raises the fund (contribution, donation, release) then serves the pool's
    queue of obligations (disbursements waiting for funds, refunds owed), oldest first.
    """
    check_document("ledger-entry", request)
    if "postings" in request:
        raise InvalidDocument("send a request (entryKind, amount, person or proposal); the pool books it")
    pool = await local_pool(app, request.get("pool"))
    kind, amount = request["entryKind"], request["amount"]
    when = utc(at)

    if kind == "contribution":
        person = request.get("person")
        if not isinstance(person, str):
            raise InvalidDocument("a contribution names the 'person' who paid")
        note = str(request.get("reference") or "") or None

        def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
            return contribution(id, when, ledger, person, amount, by=treasurer, roster=roster,
                                reference=note)
    elif kind == "donation":
        donor = request.get("person") or request.get("reference") or "anonymous"
        # The reference names the donor when no person is given; otherwise it is the treasurer's note.
        gift_note = str(request.get("reference") or "") or None if request.get("person") else None

        def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
            return donation(id, when, ledger, str(donor), amount, by=treasurer, roster=roster,
                            reference=gift_note)
    elif kind == "payment":
        stored = await store(app).proposal(str(request.get("proposal")))
        bucket = await _bucket(app, pool, str(request.get("proposal")))
        if stored is not None and stored.pool_id == pool.id:
            proposal = Proposal.from_dict(stored.proposal)
        elif bucket is not None:  # a funded bucket of a budget round, paid to its proposer
            return await _pay_bucket(app, pool, treasurer, request, bucket, at)
        else:  # the pool's share of a flood disbursement: node/floods knows it (extensions.py)
            found = await app[FLOOD_DISBURSEMENT](app, pool, str(request.get("proposal")))
            if found is None:
                raise NotFound("no such disbursement proposal in this pool")
            proposal = found
        reference = str(request.get("reference", ""))
        if proposal.kind is Kind.SURPLUS:  # a member's share of a booked distribution
            payee = request.get("person")
            if not isinstance(payee, str):
                raise InvalidDocument("a payment of a surplus share names the 'person' paid")
            share = surplus_commitment(proposal.id, payee)

            def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
                return pay(id, when, ledger, share, payee, amount, reference=reference,
                           by=treasurer, roster=roster)
        else:
            def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
                return pay_disbursement(id, when, ledger, proposal, amount, reference=reference,
                                        by=treasurer, roster=roster)
    elif kind == "release":
        commitment = request.get("proposal")
        if not isinstance(commitment, str):
            raise InvalidDocument("a release names the 'proposal' whose commitment it releases")
        investment = await store(app).proposal(commitment)
        if investment is not None and investment.kind == Kind.INVESTMENT:
            # Members paid into it: only cancelling the call returns it, owing them back.
            raise Conflict("an investment's commitment is released by cancelling its capital "
                           "call", code="call_commitment")

        def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
            return release(id, when, ledger, commitment, amount, by=treasurer, roster=roster)
    else:
        raise NotPermitted("not_permitted", f"{kind} entries are booked by the pool itself")
    source = request.get("id") if isinstance(request.get("id"), str) else None
    entry = await book(app, pool, build, source, at,
                       shares_for=str(request["person"]) if kind == "contribution" else None)
    if kind == "contribution":
        from node.pool_engine.membership import admit_if_share_paid

        await admit_if_share_paid(app, pool, str(request["person"]), at)
    if kind in ("contribution", "donation", "release"):
        from node.pool_engine.obligations import serve

        await serve(app, pool, at)
    return entry


async def _bucket(app: web.Application, pool: ActorRecord, uri: str) -> StoredBucket | None:
    found = await BudgetStore(app[DB]).bucket(uri)
    return found if found is not None and uri.startswith(pool.uri + "/proposals/") else None


async def _pay_bucket(app: web.Application, pool: ActorRecord, treasurer: str,
                      request: dict[str, Any], bucket: StoredBucket, at: datetime) -> StoredEntry:
    """A treasurer pays out (part of) a funded bucket's commitment to the member who proposed it."""
    when, amount, reference = utc(at), request["amount"], str(request.get("reference", ""))

    def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
        return pay(id, when, ledger, bucket.uri, bucket.proposer_uri, amount, reference=reference,
                   by=treasurer, roster=roster)

    source = request.get("id") if isinstance(request.get("id"), str) else None
    return await book(app, pool, build, source, at)


async def book_commitment(
    app: web.Application, pool: ActorRecord, proposal: Proposal, result: Tally, at: datetime
) -> StoredEntry:
    """Earmark a passed disbursement's amount (booked by the pool when the vote closes)."""
    amount = getattr(proposal.motion, "amount", 0)

    def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
        return commit_disbursement(id, utc(at), ledger, proposal, result, amount)

    return await book(app, pool, build, proposal.id + "#commitment", at)


async def balances(app: web.Application, pool: ActorRecord) -> dict[str, Any]:
    """The balances a replay of the public ledger gives, and its head hash."""
    _, bylaws, ledger = await roster_of(app, pool)
    return {
        "currency": bylaws.currency,
        "fund": ledger.fund,
        "balances": dict(sorted(ledger.balances.items())),
        "entries": len(ledger.entries),
        "headHash": ledger.head,
    }
