"""The flood page: the floods a pool is linked in, their pools, combined fund and proposals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from governance import GovernanceError
from governance.money import parse_amount
from node.appkeys import ACTORS, REMOTE_ACTORS
from node.errors import Forbidden, NodeError, NotFound
from node.floods import compute, flood_pools, flood_status, floods, shares_view
from node.pools import load_bylaws
from node.web.i18n import gettext as _
from node.web.localise import money
from node.web.outbox import post_as
from node.web.pools import _pool, require_record, viewer_membership
from node.web.proposals import consent_options
from node.web.reasons import said
from node.web.refusals import amount_problem, refusal
from node.web.render import render
from node.web.sessions import require_user
from node.web.witnessing import flood_recounts

__all__ = ["flood_page", "routes"]

routes = web.RouteTableDef()


async def _proposal_view(request: web.Request, stored: Any, person: str | None) -> dict[str, Any]:
    result = stored.result
    if stored.state == "open":
        computed = await compute(request.app, stored.uri)
        result = computed[1] if computed is not None else None
    electorates = await floods(request.app).electorates(stored.uri)
    pledges = {pool: doc.get("pledge") for pool, doc in electorates.items()}
    voted = False
    if person is not None:
        voted = any(b.get("voter") == person for b, _stored in await floods(request.app).ballots(stored.uri))
    status, pending = await flood_status(request.app, stored, datetime.now(UTC))
    return {
        "status": status,
        "pending": [{**p, "label": _pending_label(p)} for p in pending],
        "shares": await shares_view(request.app, stored.uri),
        "uri": stored.uri,
        "title": stored.document.get("name", ""),
        "text": stored.document.get("content") or stored.document.get("purpose") or "",
        "state": stored.state,
        "outcome": stored.outcome,
        "closes_at": stored.closes_at,
        "result": result or {},
        "pools": list(stored.pools),
        "pledged": sum(v for v in pledges.values() if isinstance(v, int)),
        "pledges": pledges,
        "voted": voted,
        "recounts": (await flood_recounts(request, stored.uri)
                     if stored.state == "closed" else None),
    }


def _pending_label(pending: dict[str, Any]) -> str:
    """A pool the result waits for, and why: "https://… (not reconciled yet, overdue)"."""
    reason = pending.get("reason")
    reason = said(reason) if isinstance(reason, str) else reason  # node.floods speaks English
    if pending.get("overdue"):
        return _("%(pool)s (%(reason)s, overdue)", pool=pending.get("pool"), reason=reason)
    return _("%(pool)s (%(reason)s)", pool=pending.get("pool"), reason=reason)


async def _pool_names(request: web.Request, uris: list[str]) -> dict[str, dict[str, str]]:
    """Each pool's name and handle: local pools from the actors table, others from the cache
    of fetched actors (a page never waits on another server); the address when unknown."""
    names: dict[str, dict[str, str]] = {}
    for uri in uris:
        host = urlsplit(uri).netloc
        local = await request.app[ACTORS].by_uri(uri)
        if local is not None:
            names[uri] = {"name": local.display_name or local.username,
                          "handle": f"@{local.username}@{host}", "url": f"/pools/{local.username}"}
            continue
        cached = await request.app[REMOTE_ACTORS].get(uri)
        document = cached.document if cached is not None else {}
        user = document.get("preferredUsername")
        names[uri] = {"name": str(document.get("name") or user or uri),
                      "handle": f"@{user}@{host}" if isinstance(user, str) else "", "url": uri}
    return names


async def flood_page(request: web.Request, params: dict[str, str],
                     errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                     status: int = 200) -> web.Response:
    """Every flood the pool is in: its pools, the combined fund pledged, its proposals."""
    pool = await _pool(request, params["name"])
    await require_record(request, pool)
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    membership = await viewer_membership(request, pool)
    is_member = membership is not None and membership.state == "member"
    person = membership.person_uri if membership is not None else None
    seen: dict[str, dict[str, Any]] = {}
    for link in await floods(request.app).links(pool.id):
        entry = seen.setdefault(link.flood_uri, {"id": link.flood_uri, "name": link.flood_name,
                                                 "links": []})
        entry["links"].append({"peer": link.peer_uri, "state": link.state})
    for flood, entry in seen.items():
        entry["pools"] = await flood_pools(request.app, pool, flood)
        stored = await floods(request.app).proposals_of_flood(flood)
        entry["proposals"] = [await _proposal_view(request, s, person) for s in stored]
        latest = entry["proposals"][-1] if entry["proposals"] else None
        entry["combined"] = (money(latest["pledged"], bylaws.currency)
                             if latest and latest["pledged"] else None)
    every = sorted({p for entry in seen.values() for p in entry["pools"]}
                   | {p for entry in seen.values() for prop in entry["proposals"] for p in prop["pools"]})
    return await render(request, "flood.html", {
        "pool": pool, "floods": list(seen.values()), "is_member": is_member,
        "options": consent_options(), "currency": bylaws.currency,
        "names": await _pool_names(request, every),
        "money": lambda amount: money(amount, bylaws.currency),
        "errors": errors or {}, "values": values or {},
    }, form=True, status=status)


@routes.post(r"/pools/{name:[a-z0-9_]+}/floods/propose", name="web.flood_propose")
async def flood_propose(request: web.Request) -> web.StreamResponse:
    """A member opens a flood proposal (a decision or spending) through their pool."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in
              ("flood", "title", "text", "kind", "amount", "payee", "double")}
    errors: dict[str, str] = {}
    membership = await viewer_membership(request, pool)
    if membership is None or membership.state != "member":
        raise Forbidden(_("Only members of this pool can propose in its floods."))
    if values["flood"] not in {link.flood_uri for link in await floods(request.app).links(pool.id)}:
        errors["flood_form"] = _("This pool is not in that flood.")
    if not values["title"] or len(values["title"]) > 200:
        errors["flood_title"] = _("Give the proposal a short title (up to 200 characters).")
    if not values["text"]:
        errors["flood_text"] = _("Say what the pools decide.")
    draft: dict[str, Any] = {"type": "Proposal", "pool": pool.uri, "to": [pool.uri],
                             "flood": values["flood"], "name": values["title"]}
    if values["kind"] == "disbursement":
        try:
            amount = parse_amount(values["amount"], bylaws.currency)
        except GovernanceError as exc:
            errors["flood_amount"] = _("%(problem)s Enter the amount.", problem=amount_problem(
                values["amount"], exc, bylaws.currency))
            amount = 0
        if not values["payee"]:
            errors["flood_payee"] = _("Say who is paid.")
        draft.update(proposalKind="disbursement", amount=amount, currency=bylaws.currency,
                     payee=values["payee"], purpose=values["text"])
    else:
        draft.update(proposalKind="decision", content=values["text"])
    draft["doubleMajority"] = values["double"] == "yes"
    if not errors:
        try:
            await post_as(request.app, user, draft)
        except (GovernanceError, NodeError) as exc:
            errors["flood_form"] = refusal(exc)
    if errors:
        return await flood_page(request, {"name": pool.username}, errors, values, status=422)
    raise web.HTTPSeeOther(f"/pools/{pool.username}/floods")


@routes.post(r"/pools/{name:[a-z0-9_]+}/floods/vote", name="web.flood_vote")
async def flood_vote(request: web.Request) -> web.StreamResponse:
    """A member's ballot on a flood proposal, cast through their own pool."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    form = await request.post()
    proposal = str(form.get("proposal", ""))
    if await floods(request.app).proposal(proposal) is None:
        raise NotFound(_("There is no such flood proposal."))
    await post_as(request.app, user, {
        "type": "Ballot", "pool": pool.uri, "proposal": proposal, "to": [pool.uri],
        "choice": [str(c) for c in form.getall("choice", [])],
    })
    raise web.HTTPSeeOther(f"/pools/{pool.username}/floods")
