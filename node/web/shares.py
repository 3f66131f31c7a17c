"""The share register page (who holds which co-op shares since when; members only) and the
treasurer's patronage form on it (docs/GOVERNANCE.md, "Shares and surplus in the node")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from governance import GovernanceError
from governance.money import parse_amount
from node.appkeys import ACTORS
from node.errors import Forbidden
from node.pool_engine.shares import owing, register_of
from node.pool_engine.surplus import patronage_of, period_start
from node.pools import load_bylaws
from node.storage import ActorRecord, Membership
from node.web.i18n import gettext as _
from node.web.names import Names
from node.web.outbox import post_as
from node.web.pools import _pool, viewer_membership
from node.web.refusals import amount_problem, refusal
from node.web.render import render
from node.web.sessions import require_user

__all__ = ["MAX_NOTE", "routes", "share_register_page"]

routes = web.RouteTableDef()

MAX_NOTE = 500
"""The longest note on a patronage record, in characters."""
_INVALID = 422


@dataclass(frozen=True, slots=True)
class HoldingRow:
    """One lot of shares on the page."""

    person: str
    name: str
    share_type: str
    count: int
    value: int
    since: datetime


async def _member(request: web.Request, pool: ActorRecord) -> Membership:
    require_user(request)
    membership = await viewer_membership(request, pool)
    if membership is None or membership.state != "member":
        raise Forbidden(_("Only the members of %(pool)s see its share register.",
                          pool=pool.display_name))
    return membership


async def render_register(request: web.Request, pool: ActorRecord, membership: Membership, *,
                          values: dict[str, str] | None = None,
                          errors: dict[str, str] | None = None, status: int = 200) -> web.Response:
    """The register page; ``errors`` keyed by field of the patronage form show inline."""
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    register = await register_of(request.app, pool)
    names = Names(request.app)
    rows = [HoldingRow(person, await names.of(person), lot.share_type, lot.count,
                       lot.count * lot.nominal, lot.since)
            for person in register.holders() for lot in register.holdings(person)]
    rows.sort(key=lambda r: (r.name.casefold(), r.since))
    due = [(await names.of(d.person), d) for d in await owing(request.app, pool, bylaws, register)]
    due.sort(key=lambda pair: pair[0].casefold())
    since = await period_start(request.app, pool)
    patronage = [(await names.of(r.person), r) for r in await patronage_of(request.app, pool)
                 if r.at >= since]
    members = await request.app[ACTORS].memberships_of_pool(pool.id)
    people = sorted([(m.person_uri, await names.of(m.person_uri)) for m in members],
                    key=lambda p: p[1].casefold())
    context: dict[str, Any] = {
        "pool": pool, "bylaws": bylaws, "currency": bylaws.currency, "rows": rows,
        "total": sum(r.value for r in rows), "due": due,
        "total_due": sum(d.value for _person, d in due),
        "is_treasurer": "treasurer" in membership.roles, "patronage": patronage,
        "people": people, "values": values or {}, "errors": errors or {}, "max_note": MAX_NOTE,
    }
    return await render(request, "shares.html", context, status=status, form=True)


async def share_register_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """The pool's share register, for its members."""
    pool = await _pool(request, params["name"])
    return await render_register(request, pool, await _member(request, pool))


@routes.post(r"/pools/{name:[a-z0-9_]+}/patronage", name="web.patronage")
async def record_patronage(request: web.Request) -> web.StreamResponse:
    """A treasurer records a member's patronage (what a surplus shared by patronage counts)."""
    pool = await _pool(request, request.match_info["name"])
    membership = await _member(request, pool)
    if "treasurer" not in membership.roles:
        raise Forbidden(_("Only a treasurer of this pool records patronage."))
    user = require_user(request)
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in ("person", "amount", "note")}
    errors: dict[str, str] = {}
    amount = 0
    members = {m.person_uri for m in await request.app[ACTORS].memberships_of_pool(pool.id)}
    if values["person"] not in members:
        errors["person"] = _("Choose the member whose patronage this is.")
    try:
        amount = parse_amount(values["amount"], bylaws.currency)
    except GovernanceError as exc:
        errors["amount"] = amount_problem(values["amount"], exc, bylaws.currency)
    if len(values["note"]) > MAX_NOTE:
        errors["note"] = _("Keep the note under %(n)d characters.", n=MAX_NOTE)
    if errors:
        return await render_register(request, pool, membership, values=values, errors=errors,
                                     status=_INVALID)
    try:
        await post_as(request.app, user, {
            "type": "Patronage", "pool": pool.uri, "to": [pool.uri], "person": values["person"],
            "amount": amount, "content": values["note"]})
    except GovernanceError as exc:
        return await render_register(request, pool, membership, values=values,
                                     errors={"patronage": refusal(exc)}, status=exc.status_hint)
    raise web.HTTPSeeOther(f"/pools/{pool.username}/shares#patronage")
