"""Investment proposals in the node: the capital call a passed one opens, the members' payments
toward it, the asset registered once it is paid, and cancelling it (docs/GOVERNANCE.md,
"Investment proposals and capital calls").

The proposal's effect stays ``pending`` while its call is open, so the effects clock
(``carry_out_pending``) looks at it every round: each step is idempotent (the fund's part and
each booking once per source, the call stored once per proposal, the asset registered once per
proposal), so a crash between any two of them is finished by the next round.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from governance import GovernanceError, Kind, Ledger, NotPermitted, Proposal, Role, Roster
from governance.capital_call import (
    CallLine,
    CapitalCall,
    call_payment,
    call_status,
    cancel_release,
    commit_from_fund,
    investment_of,
    owe_call_back,
    paid_toward,
    purchased_asset,
)
from governance.codec import utc
from governance.ledger_entries import EntryKind, commitment_account
from node.appkeys import DB
from node.assets.register import AssetRequest, register_asset
from node.errors import Conflict, InvalidRequest, NodeError, NotFound
from node.pool_engine.common import iso, local_pool, named_lock, roster_of, store
from node.pool_engine.effects import carry_out
from node.pool_engine.ledger import Build, book
from node.pool_engine.obligations import free_fund, serve
from node.storage import ActorRecord, CallStore, StoredCall, StoredEntry, StoredProposal
from schemas import OBJECT_CONTEXT

__all__ = ["CallView", "call_document", "call_view", "cancel", "carry_on", "pay", "record_payment"]

log = logging.getLogger("poolnode.pools")

FUND_SOURCE = "#call-fund"
"""Suffix of a proposal's id marking the commitment of its part from the fund (once)."""
RELEASE_SOURCE = "#call-release"
RETURN_SOURCE = "#call-return|"
CRASH_AFTER_PAYMENT = "POOLNODE_TEST_EXIT_AFTER_CALL_PAYMENT"
"""Test-only fault point: when set, the process exits hard right after a call payment commits,
before the payment that completes a call registers the asset."""
CANCELLED = "the capital call was cancelled; what members paid toward it is owed back to them"


def calls(app: web.Application) -> CallStore:
    """The capital calls over the app's database."""
    return CallStore(app[DB])


def _treasurer(roster: Roster, ledger: Ledger, call: StoredCall) -> str | None:
    """Who registers the asset: the treasurer who recorded the last payment, if still one,
    else the first treasurer by id."""
    recorders = [e.transaction.recorded_by for e in ledger.entries
                 if e.transaction.kind is EntryKind.CALL_PAYMENT
                 and e.transaction.memo == call.proposal_uri]
    treasurers = sorted(p for p in roster.members() if (m := roster.get(p)) and m.has(Role.TREASURER))
    last = recorders[-1] if recorders else None
    return last if last in treasurers else (treasurers[0] if treasurers else None)


async def _open(app: web.Application, pool: ActorRecord, stored: StoredProposal,
                proposal: Proposal, at: datetime) -> StoredCall:
    """Commit the part from the free fund (refused when it does not cover it) and store the
    call on the members now, in that order: a refusal leaves no call behind."""
    roster, _, ledger = await roster_of(app, pool)
    if investment_of(proposal).from_fund:
        free = await free_fund(app, pool, ledger)

        def build(id: str, ledger: Ledger, roster: Roster, bylaws: Any) -> Any:
            return commit_from_fund(id, at, ledger, proposal, free)
        await book(app, pool, build, stored.uri + FUND_SOURCE, at)
    call = CapitalCall.of(proposal, roster.members())
    log.info("%s: capital call of %s opened (%d minor units)", pool.uri, stored.uri, call.amount)
    return await calls(app).open(pool.id, stored.uri, call.dues, iso(at))


async def carry_on(app: web.Application, pool: ActorRecord, stored: StoredProposal,
                   proposal: Proposal, at: datetime) -> tuple[str, str | None]:
    """One step of a passed investment (under its effect lock): the effect state it is in now
    and its note. ``pending`` while the call is open; ``done`` once the asset is registered."""
    call = await calls(app).by_proposal(stored.uri)
    if call is None:
        call = await _open(app, pool, stored, proposal, at)
    if call.state == "cancelled":
        await _give_back(app, pool, call, at)
        return "lapsed", CANCELLED
    if call.state == "open":
        roster, _, ledger = await roster_of(app, pool)
        if any(line.outstanding for line in call_status(_core(call), ledger)):
            return "pending", None
        by = _treasurer(roster, ledger, call)
        if by is None:
            log.warning("%s: %s is paid but the pool has no treasurer to register it", pool.uri,
                        stored.uri)
            return "pending", None
        motion = investment_of(proposal)
        when = utc(at).replace(microsecond=0)  # the register's times are whole seconds
        asset = purchased_asset(proposal, "-", when)
        try:
            await register_asset(app, pool, AssetRequest(
                asset.name, motion.asset_kind, motion.tenure, motion.price, when,
                motion.keeper, stored.uri, "capital call paid in full", asset.depreciation),
                by=by, at=when, source=stored.uri)
        except (GovernanceError, NodeError) as exc:
            # E.g. the keeper left: the money stays committed and the call open, so a treasurer
            # can cancel it (and members are owed back); the proposal shows why it waits, and
            # the other proposals' effects go on.
            log.warning("%s: %s is paid but cannot be registered: %s", pool.uri, stored.uri,
                        exc.reason)
            return "pending", f"{exc.code or 'not_registered'}: {exc.reason}"
        await calls(app).close(stored.uri, "done", iso(at), by)
        log.info("%s: %s paid in full; its asset is registered", pool.uri, stored.uri)
    return "done", None


def _core(call: StoredCall) -> CapitalCall:
    return CapitalCall(call.proposal_uri, call.dues)


async def _give_back(app: web.Application, pool: ActorRecord, call: StoredCall,
                     at: datetime) -> None:
    """Return a cancelled call's commitment to the fund and owe each payer what they paid, each
    entry once; then serve the queue, which pays refunds owed when the fund covers them."""
    governance = store(app)
    _, _, ledger = await roster_of(app, pool)
    by = call.closed_by or ""
    source = call.proposal_uri + RELEASE_SOURCE
    if ledger.balance(commitment_account(call.proposal_uri)) > 0 or \
            await governance.entry_by_source(source) is not None:
        def release(id: str, ledger: Ledger, roster: Roster, bylaws: Any) -> Any:
            return cancel_release(id, at, ledger, call.proposal_uri, by=by, roster=roster)
        await book(app, pool, release, source, at)
    for person in sorted(paid_toward(ledger, call.proposal_uri)):
        try:
            await book(app, pool, _owing(call.proposal_uri, person, at),
                       call.proposal_uri + RETURN_SOURCE + person, at, tell=person)
        except GovernanceError as exc:
            if exc.code != "nothing_to_refund":  # a leaver's capital was refunded already
                raise
    await serve(app, pool, at)


def _owing(proposal: str, person: str, at: datetime) -> Build:
    def build(id: str, ledger: Ledger, roster: Roster, bylaws: Any) -> Any:
        return owe_call_back(id, at, ledger, proposal, person)
    return build


async def _investment(app: web.Application, pool: ActorRecord, uri: object) -> StoredProposal:
    stored = await store(app).proposal(str(uri)) if isinstance(uri, str) else None
    if stored is None or stored.pool_id != pool.id or stored.kind != Kind.INVESTMENT:
        raise NotFound("no such investment proposal in this pool")
    return stored


async def pay(app: web.Application, pool: ActorRecord, treasurer: str, proposal_uri: object,
              person: object, amount: Any, reference: str | None, source: str | None,
              at: datetime) -> StoredEntry:
    """A treasurer records ``person``'s payment toward an open call; the same request id again
    books once. The payment that completes the call registers the asset."""
    stored = await _investment(app, pool, proposal_uri)
    if source is not None and (known := await store(app).entry_by_source(source)) is not None:
        return known
    if not isinstance(person, str):
        raise InvalidRequest("a payment toward a capital call names the 'person' who paid")
    when = utc(at)
    async with named_lock(app, f"effect:{stored.id}"):
        call = await calls(app).by_proposal(stored.uri)
        if call is None or call.state != "open":
            raise Conflict("this investment has no open capital call", code="call_not_open")

        def build(id: str, ledger: Ledger, roster: Roster, bylaws: Any) -> Any:
            return call_payment(id, when, ledger, _core(call), person, amount, by=treasurer,
                                roster=roster, reference=reference)
        entry = await book(app, pool, build, source, at, tell=person)
    if os.environ.get(CRASH_AFTER_PAYMENT):
        os._exit(71)
    refreshed = await store(app).proposal(stored.uri)
    if refreshed is not None and refreshed.effect == "pending":
        await carry_out(app, pool, refreshed, at)
    return entry


async def record_payment(app: web.Application, treasurer: str, request: dict[str, Any],
                         at: datetime) -> StoredEntry:
    """A treasurer's (schema-checked) ``LedgerEntry`` request of kind ``call_payment``."""
    pool = await local_pool(app, request.get("pool"))
    source = request.get("id") if isinstance(request.get("id"), str) else None
    return await pay(app, pool, treasurer, request.get("proposal"), request.get("person"),
                     request.get("amount"), str(request.get("reference") or "") or None, source, at)


async def cancel(app: web.Application, pool: ActorRecord, proposal_uri: str, by: str,
                 at: datetime) -> str:
    """A treasurer cancels an open call: the effect lapses and what members paid is owed back."""
    stored = await _investment(app, pool, proposal_uri)
    async with named_lock(app, f"effect:{stored.id}"):
        roster, _, _ = await roster_of(app, pool)
        entry = roster.get(by)
        if entry is None or not roster.is_member(by) or not entry.has(Role.TREASURER):
            raise NotPermitted("not_permitted", "only a treasurer cancels a capital call")
        if not await calls(app).close(stored.uri, "cancelled", iso(at), by):
            raise Conflict("this investment has no open capital call", code="call_not_open")
    return await carry_out(app, pool, stored, at)


@dataclass(frozen=True, slots=True)
class CallView:
    """A call with every member's due, paid and outstanding, as pages and clients show it."""

    call: StoredCall
    proposal: Proposal
    lines: tuple[CallLine, ...]
    currency: str
    committed: int

    @property
    def paid(self) -> int:
        """What members have paid toward the call."""
        return sum(line.paid for line in self.lines)

    @property
    def outstanding(self) -> int:
        """What members still owe toward it."""
        return sum(line.outstanding for line in self.lines)


async def call_view(app: web.Application, pool: ActorRecord,
                    stored: StoredProposal) -> CallView | None:
    """The call of a passed investment (None before it is opened)."""
    call = await calls(app).by_proposal(stored.uri)
    if call is None:
        return None
    _, bylaws, ledger = await roster_of(app, pool)
    return CallView(call, Proposal.from_dict(stored.proposal), call_status(_core(call), ledger),
                    bylaws.currency, ledger.committed(stored.uri))


def call_document(view: CallView, pool: str) -> dict[str, Any]:
    """The ``CapitalCall`` document (unsigned: the signed facts are the Proposal and the ledger
    entries it sums; docs/PROTOCOL.md, "Capital calls")."""
    motion = investment_of(view.proposal)
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT, "id": view.call.proposal_uri + "/call", "type": "CapitalCall",
        "pool": pool, "proposal": view.call.proposal_uri, "currency": view.currency,
        "price": motion.price, "fromFund": motion.from_fund, "amount": view.call.amount,
        "paid": view.paid, "outstanding": view.outstanding, "callState": view.call.state,
        "openedAt": view.call.opened_at,
        "dues": [{"person": line.person, "due": line.due, "paid": line.paid,
                  "outstanding": line.outstanding} for line in view.lines],
    }
    if view.call.closed_at is not None:
        document["closedAt"] = view.call.closed_at
    return document
