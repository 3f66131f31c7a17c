"""Leaving a pool in the browser: the capital the pool holds for the member and the refund owed.

Leaving is the member's own C2S ``Leave`` (``post_as``); the pool refunds the capital at once
when the fund has it free and nothing older waits, and otherwise books it as owed.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from governance import GovernanceError
from node.appkeys import ACTORS
from node.errors import Forbidden
from node.pool_engine.common import ledger_of
from node.pools import load_bylaws
from node.web.engine import free_fund
from node.web.i18n import gettext as _
from node.web.localise import money
from node.web.outbox import post_as
from node.web.pools import _pool, viewer_membership
from node.web.render import render
from node.web.sessions import require_user

__all__ = ["routes"]

routes = web.RouteTableDef()
_LEAVE = r"/pools/{name:[a-z0-9_]+}/leave"


@routes.get(_LEAVE, name="web.leave_page")
async def leave_page(request: web.Request) -> web.Response:
    """What leaving means for this member: their capital, paid back now or owed."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    membership = await viewer_membership(request, pool)
    held: dict[str, Any] = {"capital": None, "owed": None, "paid_now": False}
    try:
        ledger = await ledger_of(request.app, pool, bylaws)
    except GovernanceError:
        ledger = None
    if ledger is not None:
        capital = ledger.capital_of(user.uri)
        held = {
            "capital": money(capital, bylaws.currency) if capital else None,
            "owed": money(ledger.owed_to(user.uri), bylaws.currency)
            if ledger.owed_to(user.uri) else None,
            # The fund pays at once only what it has free after the queue of older obligations.
            "paid_now": 0 < capital <= await free_fund(request.app, pool, ledger)
            and capital <= ledger.fund,
        }
    return await render(request, "leave.html", {
        "pool": pool, "membership": membership, "bylaws": bylaws, **held,
    }, form=True)


@routes.post(_LEAVE, name="web.leave")
async def leave(request: web.Request) -> web.StreamResponse:
    """The member leaves: their roles end and their capital is refunded or owed."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    membership = await viewer_membership(request, pool)
    if membership is None or membership.state not in ("member", "applicant"):
        raise Forbidden(_("You are not a member of %(pool)s, so there is nothing to leave.",
                          pool=pool.display_name))
    await post_as(request.app, user, {"type": "Leave", "object": pool.uri, "to": [pool.uri]})
    raise web.HTTPSeeOther(f"/pools/{pool.username}/leave")
