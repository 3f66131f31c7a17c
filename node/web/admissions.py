"""Turning an applicant down in the browser: a steward's own ``Reject`` of the applicant's Join.

Admitting is ``node.web.pools.admit`` (an ``Accept``). Both are the C2S activities the pools
engine takes from any client (docs/PROTOCOL.md, Membership): the steward's Reject, with the
Join's id as its object and the optional reason as its ``summary``, is addressed to the
applicant; the pool then marks the application ended and answers the applicant itself.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.errors import Conflict, InvalidRequest
from node.pool_engine.common import store
from node.web.i18n import gettext as _
from node.web.outbox import post_as
from node.web.pools import steward_and_applicant

__all__ = ["MAX_REASON", "routes"]

routes = web.RouteTableDef()
MAX_REASON = 500


@routes.post(r"/pools/{name:[a-z0-9_]+}/applicants/{membership:\d+}/reject", name="web.reject")
async def reject(request: web.Request) -> web.StreamResponse:
    """A steward turns an application down, with an optional reason the applicant sees."""
    user, pool, applicant = await steward_and_applicant(
        request, _("Only a steward of this pool can turn an application down."))
    form = await request.post()
    reason = " ".join(str(form.get("reason", "")).split())
    if len(reason) > MAX_REASON:
        raise InvalidRequest(_("Keep the reason under %(most)d characters; nothing was sent.",
                               most=MAX_REASON))
    join_id = await store(request.app).join_activity(pool.id, applicant.person_uri)
    if join_id is None:
        raise Conflict(_("This application has no Join on record to answer; "
                         "the applicant can ask to join again."))
    activity: dict[str, Any] = {"type": "Reject", "object": join_id, "to": [applicant.person_uri]}
    if reason:
        activity["summary"] = reason
    await post_as(request.app, user, activity)
    raise web.HTTPSeeOther(f"/pools/{pool.username}#members")
