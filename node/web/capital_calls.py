"""A passed investment's capital call in the browser: each member's due, paid and outstanding,
and a treasurer's forms to record a payment toward it or cancel it.

A payment form carries a one-time key, so a double submit books once; a refused payment
re-renders the page with the reason (4xx) and books nothing.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from aiohttp import web

from governance import GovernanceError
from governance.money import parse_amount
from node.assets.investment import call_view, cancel, pay
from node.errors import NodeError, NotFound
from node.storage import ActorRecord, StoredProposal
from node.web.i18n import gettext as _
from node.web.localise import money
from node.web.names import Names
from node.web.pools import _pool, require_record, viewer_membership
from node.web.proposals import _stored
from node.web.refusals import amount_problem, refusal
from node.web.render import render
from node.web.treasury import treasurer_of

__all__ = ["call_page", "routes"]

routes = web.RouteTableDef()
_CALL = r"/pools/{name:[a-z0-9_]+}/proposals/{key:[0-9a-f-]{36}}/call"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def _investment(request: web.Request, params: dict[str, str]) -> tuple[ActorRecord, StoredProposal]:
    pool = await _pool(request, params["name"])
    await require_record(request, pool)
    stored = await _stored(request, pool, params["key"])
    if stored.kind != "investment":
        raise NotFound(_("Only an investment proposal makes a capital call."))
    return pool, stored


async def render_call(request: web.Request, params: dict[str, str], *,
                      values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                      status: int = 200) -> web.Response:
    """The call page; ``errors`` keyed by field show inline and in a summary."""
    pool, stored = await _investment(request, params)
    view = await call_view(request.app, pool, stored)
    if view is None:
        raise NotFound(_("This proposal has no capital call: it has not passed, or the fund "
                         "could not pay its part."))
    names = Names(request.app)
    membership = await viewer_membership(request, pool)
    is_treasurer = (membership is not None and membership.state == "member"
                    and "treasurer" in membership.roles)
    lines = [{"person": line.person, "name": await names.of(line.person), "due": line.due,
              "paid": line.paid, "outstanding": line.outstanding} for line in view.lines]
    return await render(request, "capital_call.html", {
        "pool": pool, "stored": stored, "key": params["key"], "view": view,
        "motion": view.proposal.motion, "lines": lines, "currency": view.currency,
        "is_treasurer": is_treasurer, "values": values or {}, "errors": errors or {},
        "request_key": str(uuid.uuid4()),
    }, status=status, form=True)


async def call_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """The capital call of a passed investment (HTML; JSON clients get the CapitalCall)."""
    return await render_call(request, params)


@routes.post(_CALL + "/pay", name="web.call_pay")
async def record_payment(request: web.Request) -> web.StreamResponse:
    """A treasurer records a member's payment toward the call."""
    params = dict(request.match_info)
    pool, stored = await _investment(request, params)
    user = await treasurer_of(request, pool)  # the role first, whatever the form holds
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in ("person", "amount", "reference", "request")}
    view = await call_view(request.app, pool, stored)
    if view is None:
        raise NotFound(_("This proposal has no capital call."))
    errors: dict[str, str] = {}
    lines = {line.person: line for line in view.lines}
    if values["person"] not in lines:
        errors["person"] = _("Choose a member the call asks money of.")
    amount = 0
    try:
        amount = parse_amount(values["amount"], view.currency)
    except GovernanceError as exc:
        errors["amount"] = _("%(problem)s Enter the amount received in %(currency)s.",
                             problem=amount_problem(values["amount"], exc, view.currency),
                             currency=view.currency)
    if "person" not in errors and "amount" not in errors and amount > lines[values["person"]].outstanding:
        errors["amount"] = _("%(amount)s is more than this member still owes toward the call "
                             "(%(owed)s); enter at most that.",
                             amount=money(amount, view.currency),
                             owed=money(lines[values["person"]].outstanding, view.currency))
    if len(values["reference"]) > 200:
        errors["reference"] = _("Keep the reference under 200 characters.")
    if not _UUID.fullmatch(values["request"]):
        errors["form"] = _("The form is out of date: load the page again.")
    if errors:
        return await render_call(request, params, values=values, errors=errors, status=422)
    try:
        await pay(request.app, pool, user.uri, stored.uri, values["person"], amount,
                  values["reference"] or "recorded in the browser",
                  f"{stored.uri}/call/payments/{values['request']}", datetime.now(UTC))
    except (GovernanceError, NodeError) as exc:
        status = exc.status_hint if isinstance(exc, GovernanceError) else exc.status
        return await render_call(request, params, values=values,
                                 errors={"amount": refusal(exc)}, status=status)
    raise web.HTTPSeeOther(request.path.removesuffix("/pay"))


@routes.post(_CALL + "/cancel", name="web.call_cancel")
async def cancel_call(request: web.Request) -> web.StreamResponse:
    """A treasurer cancels the open call: members are owed back what they paid."""
    params = dict(request.match_info)
    pool, stored = await _investment(request, params)
    user = await treasurer_of(request, pool)
    form = await request.post()
    if form.get("confirm") != "yes":
        return await render_call(request, params, errors={"confirm": _(
            "Tick the box to confirm: cancelling cannot be undone.")}, status=422)
    try:
        await cancel(request.app, pool, stored.uri, user.uri, datetime.now(UTC))
    except (GovernanceError, NodeError) as exc:
        status = exc.status_hint if isinstance(exc, GovernanceError) else exc.status
        return await render_call(request, params, errors={"form": refusal(exc)}, status=status)
    raise web.HTTPSeeOther(request.path.removesuffix("/cancel"))
