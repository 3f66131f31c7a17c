"""A steward moves a member to another of the classes the bylaws declare, saying why; the
change and its reason are logged (docs/GOVERNANCE.md, "Member classes in the node")."""

from __future__ import annotations

from aiohttp import web

from node.accounts import now_iso
from node.appkeys import ACTORS, DB
from node.errors import Forbidden, InvalidRequest, NotFound
from node.pools import load_bylaws
from node.storage import MemberClassStore
from node.web.i18n import gettext as _
from node.web.pools import _pool, viewer_membership
from node.web.sessions import require_user

__all__ = ["MAX_REASON", "routes"]

routes = web.RouteTableDef()

MAX_REASON = 500
"""The longest reason a steward may give, in characters."""


@routes.post(r"/pools/{name:[a-z0-9_]+}/members/{membership:\d+}/class", name="web.member_class")
async def change_class(request: web.Request) -> web.StreamResponse:
    """Only a steward; the class must be one the bylaws declare and the reason is required.
    A class that changes between a proposal's opening and its close does not change its count:
    the proposal froze the roll when it opened."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    steward = await viewer_membership(request, pool)
    if steward is None or steward.state != "member" or "steward" not in steward.roles:
        raise Forbidden(_("Only a steward of this pool can change a member's class."))
    wanted = int(request.match_info["membership"])
    members = await request.app[ACTORS].memberships_of_pool(pool.id, limit=100_000)
    member = next((m for m in members if m.id == wanted), None)
    if member is None:
        raise NotFound(_("No such member of this pool."))
    form = await request.post()
    chosen, reason = str(form.get("member_class", "")), str(form.get("reason", "")).strip()
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    if chosen not in bylaws.member_classes:
        raise InvalidRequest(_("Choose one of the member classes the bylaws declare: %(classes)s.",
                               classes=", ".join(bylaws.member_classes) or "–"))
    if not reason or len(reason) > MAX_REASON:
        raise InvalidRequest(_("Say why, in at most %(n)d characters: the reason is logged.",
                               n=MAX_REASON))
    await MemberClassStore(request.app[DB]).change(pool.id, member.person_uri, chosen,
                                                   steward_uri=user.uri, reason=reason, at=now_iso())
    raise web.HTTPSeeOther(f"/pools/{pool.username}#members")
