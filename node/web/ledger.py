"""The ledger page and the treasurer's forms on it: money received and releasing a commitment.

A form with a mistake re-renders the page with the reason next to the field and what was typed
kept (422), as every form of the web app does; nothing is booked.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from governance import Bylaws, GovernanceError, Ledger, verify_chain
from governance.money import parse_amount
from node.appkeys import ACTORS
from node.pool_engine.common import ledger_of
from node.pools import load_bylaws
from node.storage import ActorRecord
from node.web.engine import waiting
from node.web.i18n import gettext as _
from node.web.ledger_view import Labels, account_lines, entry_lines
from node.web.localise import money
from node.web.outbox import post_as
from node.web.pools import _pool, require_record, viewer_membership
from node.web.refusals import amount_problem, refusal
from node.web.render import render
from node.web.treasury import open_commitments, treasurer_of

__all__ = ["ledger_page", "routes"]

routes = web.RouteTableDef()
_INVALID = 422


async def _replayed(request: web.Request, pool: ActorRecord, bylaws: Bylaws) -> tuple[Ledger | None, str | None]:
    try:
        ledger = await ledger_of(request.app, pool, bylaws)
    except GovernanceError as exc:
        return None, exc.reason
    broken = verify_chain(ledger.entries)
    return ledger, None if broken is None else _("entry %(number)d does not match the chain",
                                                  number=broken + 1)


async def _people(request: web.Request, pool: ActorRecord, labels: Labels) -> list[tuple[str, str]]:
    """Applicants and members a contribution can come from: (URL, name), by name."""
    rows = await request.app[ACTORS].memberships_of_pool(pool.id, state=None)
    people = [(m.person_uri, await labels.names.of(m.person_uri)) for m in rows
              if m.state in ("member", "applicant")]
    return sorted(people, key=lambda p: p[1].casefold())


async def render_ledger(request: web.Request, pool: ActorRecord, *, values: dict[str, str] | None = None,
                        errors: dict[str, str] | None = None, status: int = 200) -> web.Response:
    """The ledger page; ``errors`` keyed by field (``amount``, ``release:<ref>``) show inline."""
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    ledger, problem = await _replayed(request, pool, bylaws)
    labels = Labels(request.app, pool)
    membership = await viewer_membership(request, pool)
    is_member = membership is not None and membership.state == "member"
    context: dict[str, Any] = {
        "pool": pool, "bylaws": bylaws, "currency": bylaws.currency,
        "entries": list(reversed(await entry_lines(labels, ledger))) if ledger else [],
        "fund": money(ledger.fund, bylaws.currency) if ledger else None,
        "balances": await account_lines(labels, ledger) if ledger else [],
        "head": ledger.head if ledger else None,
        "chain_ok": problem is None, "problem": problem,
        "is_member": is_member,
        "is_treasurer": is_member and membership is not None and "treasurer" in membership.roles,
        "people": await _people(request, pool, labels),
        "values": values or {}, "errors": errors or {},
        "commitments": await open_commitments(request.app, pool, ledger) if ledger else [],
        "waiting": await waiting(request.app, pool, ledger) if ledger else [],
    }
    # A refund owed names its person by URL: show the name.
    context["waiting"] = [replace(row, title=await labels.names.of(row.title)) if row.what == "refund"
                          else row for row in context["waiting"]]
    return await render(request, "ledger.html", context, status=status, form=True)


async def ledger_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """The pool's ledger: every entry, the balances, and whether the hash chain checks out."""
    pool = await _pool(request, params["name"])
    await require_record(request, pool)
    return await render_ledger(request, pool)


@routes.post(r"/pools/{name:[a-z0-9_]+}/ledger/record", name="web.record")
async def record(request: web.Request) -> web.StreamResponse:
    """A treasurer records money received: a member's share or contribution."""
    pool = await _pool(request, request.match_info["name"])
    user = await treasurer_of(request, pool)  # the role first: a non-treasurer gets 403 whatever the amount
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in ("person", "amount", "reference")}
    errors: dict[str, str] = {}
    amount = 0
    members = {m.person_uri for m in await request.app[ACTORS].memberships_of_pool(pool.id, state=None)
               if m.state in ("member", "applicant")}
    if values["person"] not in members:
        errors["person"] = _("Choose the member or applicant who paid.")
    try:
        amount = parse_amount(values["amount"], bylaws.currency)
    except GovernanceError as exc:
        errors["amount"] = _("%(problem)s Enter the amount received in %(currency)s.",
                             problem=amount_problem(values["amount"], exc, bylaws.currency),
                             currency=bylaws.currency)
    if len(values["reference"]) > 200:
        errors["reference"] = _("Keep the reference under 200 characters.")
    if not errors:
        try:
            await post_as(request.app, user, {
                "type": "LedgerEntry", "pool": pool.uri, "to": [pool.uri], "entryKind": "contribution",
                "person": values["person"], "amount": amount,
                "reference": values["reference"] or "recorded in the browser",
            })
        except GovernanceError as exc:
            return await render_ledger(request, pool, values=values, errors={"record": refusal(exc)},
                                       status=exc.status_hint)
        raise web.HTTPSeeOther(f"/pools/{pool.username}/ledger")
    return await render_ledger(request, pool, values=values, errors=errors, status=_INVALID)


@routes.post(r"/pools/{name:[a-z0-9_]+}/ledger/release", name="web.release")
async def release(request: web.Request) -> web.StreamResponse:
    """A treasurer returns the unspent rest of a commitment to the fund (a signed release entry)."""
    pool = await _pool(request, request.match_info["name"])
    user = await treasurer_of(request, pool)
    form = await request.post()
    ref = str(form.get("proposal", "")).strip()
    typed = str(form.get("amount", "")).strip()
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    ledger, _problem = await _replayed(request, pool, bylaws)
    view = next((v for v in await open_commitments(request.app, pool, ledger) if v.ref == ref), None) \
        if ledger is not None else None
    key = f"release:{ref}"
    if view is None:
        return await render_ledger(request, pool, errors={"release": _(
            "There is no open commitment for this proposal: nothing to release.")}, status=404)
    error = None
    try:
        amount = parse_amount(typed, view.currency)
        if amount > view.open:
            error = _("%(amount)s is more than the %(open)s still committed; enter at most that.",
                      amount=view.money(amount), open=view.money(view.open))
    except GovernanceError as exc:
        error = _("%(problem)s Enter an amount up to the %(open)s still committed, in %(currency)s.",
                  problem=amount_problem(typed, exc, view.currency), open=view.money(view.open),
                  currency=view.currency)
    if error is None:
        try:
            await post_as(request.app, user, {
                "type": "LedgerEntry", "pool": pool.uri, "to": [pool.uri], "entryKind": "release",
                "proposal": view.ref, "amount": amount,
            })
        except GovernanceError as exc:
            error = refusal(exc)
    if error is not None:
        return await render_ledger(request, pool, values={key: typed}, errors={key: error}, status=_INVALID)
    raise web.HTTPSeeOther(f"/pools/{pool.username}/ledger#commitments")
