"""Paying out approved money in the browser: open commitments and the treasurer's payment.

A passed disbursement is booked by the pool as a commitment (money earmarked for the payee).
A treasurer records that it was paid with the C2S request the pools engine takes from any
client: ``Create(LedgerEntry)`` with ``entryKind: payment``, the ``proposal``, the ``amount`` in
minor units and a ``reference``. The pool books it, or refuses it and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from governance import GovernanceError, Kind, Ledger, Proposal
from governance.ledger import EntryKind, commitment_account
from governance.money import parse_amount
from node.appkeys import ACTORS
from node.budget import buckets
from node.errors import Conflict, Forbidden, NotFound
from node.pool_engine.common import ledger_of, store
from node.pools import load_bylaws
from node.storage import ActorRecord
from node.web.formats import money_input
from node.web.i18n import gettext as _
from node.web.localise import money
from node.web.names import Names
from node.web.outbox import post_as
from node.web.pools import _pool, viewer_membership
from node.web.refusals import amount_problem, refusal
from node.web.render import render
from node.web.sessions import require_user

__all__ = ["BucketOf", "CommitmentView", "bucket_of", "disbursement_of", "open_commitments", "routes",
           "treasurer_of"]

routes = web.RouteTableDef()
_COMMITMENT = "commitment:"


@dataclass(frozen=True, slots=True)
class CommitmentView:
    """Money the members approved and the pool earmarked, not yet (fully) paid."""

    ref: str
    title: str
    url: str | None
    payee: str | None
    currency: str
    committed: int
    paid: int
    open: int
    person: str | None = None
    """The member a share of a surplus distribution is owed to (the ref is ``<proposal>|<them>``)."""

    @property
    def proposal(self) -> str:
        """What a payment request names as its ``proposal``."""
        return self.ref.rsplit("|", 1)[0] if self.person else self.ref

    @property
    def payable(self) -> bool:
        """Whether a treasurer can record its payment here (a disbursement of this pool or its flood)."""
        return self.payee is not None

    def money(self, amount: int) -> str:
        """``amount`` in this commitment's currency, for the page."""
        return money(amount, self.currency)

    @property
    def open_input(self) -> str:
        """What is still committed, as the amount field's default."""
        return money_input(self.open, self.currency)


def _paid(ledger: Ledger, ref: str) -> int:
    account = commitment_account(ref)
    return sum(-p.amount for e in ledger.entries if e.transaction.kind is EntryKind.PAYMENT
               for p in e.transaction.postings if p.account == account)


@dataclass(frozen=True, slots=True)
class BucketOf:
    """A funded bucket of one of the pool's budget rounds, as a commitment names it."""

    title: str
    url: str
    payee: str


async def bucket_of(app: web.Application, pool: ActorRecord, ref: str) -> BucketOf | None:
    """The bucket a commitment was booked for (its account is ``commitment:<bucket id>``)."""
    found = await buckets(app).bucket(ref)
    if found is None or not ref.startswith(pool.uri + "/proposals/"):
        return None
    round_uri = ref.rsplit("/buckets/", 1)[0]
    stored = await store(app).proposal(round_uri)
    if stored is None or stored.pool_id != pool.id:
        return None
    # Translators: a funded bucket of a budget round, e.g. "Seeds (Spring round)".
    title = _("%(bucket)s (%(round)s)", bucket=found.bucket["title"], round=stored.proposal.get("title", ""))
    return BucketOf(title, f"/pools/{pool.username}/proposals/{round_uri.rsplit('/', 1)[-1]}"
                    f"#bucket-{found.number}", found.proposer_uri)


async def disbursement_of(app: web.Application, pool: ActorRecord, ref: str) -> tuple[Proposal, str | None] | None:
    stored = await store(app).proposal(ref)
    if stored is not None and stored.pool_id == pool.id:
        proposal = Proposal.from_dict(stored.proposal)
        return proposal, f"/pools/{pool.username}/proposals/{ref.rsplit('/', 1)[-1]}"
    from node.floods import flood_disbursement  # the pool's share of a flood disbursement

    found = await flood_disbursement(app, pool, ref)
    return (found, None) if found is not None else None


async def open_commitments(app: web.Application, pool: ActorRecord, ledger: Ledger) -> list[CommitmentView]:
    """Every commitment with money left in it, oldest first, with its proposal and payee if known."""
    views = []
    for account, balance in ledger.balances.items():
        if not account.startswith(_COMMITMENT) or balance <= 0:
            continue
        ref = account.removeprefix(_COMMITMENT)
        person = await _surplus_member(app, pool, ref)
        found = await disbursement_of(app, pool, ref.rsplit("|", 1)[0] if person else ref)
        title, url, payee = ref, None, None
        if found is not None and person is not None:
            # A member's share of a passed surplus distribution, paid to that member.
            proposal, url = found
            payee = await Names(app).of(person)
            title = _("%(proposal)s: share of %(member)s", proposal=proposal.title, member=payee)
        elif found is not None:
            proposal, url = found
            title = proposal.title
            payee = getattr(proposal.motion, "payee", None)
        elif (bucket := await bucket_of(app, pool, ref)) is not None:
            # A funded bucket is paid to the member who proposed it (docs/PROTOCOL.md §Budget rounds).
            title, url, payee = bucket.title, bucket.url, await Names(app).of(bucket.payee)
        views.append(CommitmentView(ref, title, url, payee, ledger.currency, ledger.committed(ref),
                                    _paid(ledger, ref), balance, person))
    return views


async def _surplus_member(app: web.Application, pool: ActorRecord, ref: str) -> str | None:
    """The member whose share of a surplus distribution of this pool ``ref`` names, if it does."""
    if "|" not in ref:
        return None
    uri, person = ref.rsplit("|", 1)
    stored = await store(app).proposal(uri)
    return person if stored is not None and stored.pool_id == pool.id and stored.kind == Kind.SURPLUS \
        else None


async def treasurer_of(request: web.Request, pool: ActorRecord) -> ActorRecord:
    """The signed-in user if they are a treasurer of ``pool``; 403 otherwise."""
    user = require_user(request)
    membership = await viewer_membership(request, pool)
    if membership is None or membership.state != "member" or "treasurer" not in membership.roles:
        raise Forbidden(_("Only a treasurer of this pool can record payments or money received; "
                          "ask one of the pool's treasurers to do it."))
    return user


async def _commitment(request: web.Request, pool: ActorRecord, ref: str) -> CommitmentView:
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    try:
        ledger = await ledger_of(request.app, pool, bylaws)
    except GovernanceError as exc:
        raise Conflict(_("The ledger does not check out (%(reason)s); nothing can be booked "
                         "until it is repaired.", reason=exc.reason)) from None
    for view in await open_commitments(request.app, pool, ledger):
        if view.ref == ref and view.payable:
            return view
    raise NotFound(_("There is no open commitment for this proposal: it has not passed, is not a "
                     "disbursement of this pool, or is already paid in full."))


async def _payment_page(request: web.Request, pool: ActorRecord, view: CommitmentView,
                        values: dict[str, str], errors: dict[str, str], status: int = 200) -> web.Response:
    return await render(request, "payment.html", {
        "pool": pool, "commitment": view, "values": values, "errors": errors,
    }, status=status, form=True)


@routes.get(r"/pools/{name:[a-z0-9_]+}/ledger/pay", name="web.payment")
async def payment_page(request: web.Request) -> web.Response:
    """The form to record the payment of one open commitment (treasurers only)."""
    pool = await _pool(request, request.match_info["name"])
    await treasurer_of(request, pool)
    view = await _commitment(request, pool, request.query.get("proposal", ""))
    return await _payment_page(request, pool, view, {"amount": view.open_input}, {})


@routes.post(r"/pools/{name:[a-z0-9_]+}/ledger/pay", name="web.pay")
async def pay(request: web.Request) -> web.StreamResponse:
    """A treasurer records that committed money was paid to the approved payee."""
    pool = await _pool(request, request.match_info["name"])
    user = await treasurer_of(request, pool)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in ("proposal", "amount", "reference")}
    view = await _commitment(request, pool, values["proposal"])
    errors: dict[str, str] = {}
    amount: int | None = None
    try:
        amount = parse_amount(values["amount"], view.currency)
    except GovernanceError as exc:
        errors["amount"] = _("%(problem)s Enter the amount paid.",
                             problem=amount_problem(values["amount"], exc, view.currency))
    if amount is not None and amount > view.open:
        errors["amount"] = _("%(amount)s is more than the %(open)s still committed to %(payee)s; "
                             "the members approved no more.", amount=view.money(amount),
                             open=view.money(view.open), payee=view.payee)
    if not values["reference"]:
        errors["reference"] = _("Give the payment's reference, e.g. the bank transfer's number.")
    elif len(values["reference"]) > 200:
        errors["reference"] = _("Keep the reference under 200 characters.")
    status = 422
    if not errors:
        request_entry: dict[str, Any] = {
            "type": "LedgerEntry", "pool": pool.uri, "to": [pool.uri], "entryKind": "payment",
            "proposal": view.proposal, "amount": amount, "reference": values["reference"],
        }
        if view.person:
            request_entry["person"] = view.person
        try:
            await post_as(request.app, user, request_entry)
        except GovernanceError as exc:
            errors["form"] = refusal(exc)
            status = exc.status_hint
    if errors:
        return await _payment_page(request, pool, view, values, errors, status)
    raise web.HTTPSeeOther(f"/pools/{pool.username}/ledger#commitments")
