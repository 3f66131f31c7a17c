"""Invite links: a steward makes one (expiry, maximum uses, revocable); whoever opens it creates
an account and applies to the pool in one form, under the pool's admission policy.

An invitation makes an account even when the node's registrations are closed: the steward
vouches for the link, not for the person, who still goes through the pool's admission
(docs/OPERATIONS.md, "Invitations"). Only the SHA-256 of a link's secret is stored; the link
is shown once, to the steward who makes it. The Join goes out exactly as the join button's
(``post_as``), with the share the applicant says they paid as its ``sharePayment``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from aiohttp import web

from federation.one_line import as_one_line
from node.accounts import create_member, now_iso
from node.appkeys import ACTORS, CONFIG, DB, WEB
from node.errors import Conflict, Forbidden, Gone, InvalidRequest, NotFound
from node.pools import load_bylaws
from node.request_numbers import number_in_path, whole_number
from node.storage import ActorRecord, Invitation, InvitationStore
from node.urls import check_username
from node.web.bylaws_words import bylaws_summary
from node.web.engine import applicants, capital_of
from node.web.i18n import gettext as _
from node.web.localise import money
from node.web.outbox import post_as
from node.web.passwords import hash_password, password_problem
from node.web.pools import viewer_membership
from node.web.render import render
from node.web.sessions import current_user, iso, require_user, start_session, utcnow
from node.web.welcome import token_hash
from node.web.wizard import username_rule

__all__ = ["MAX_DAYS", "MAX_USES", "routes"]

routes = web.RouteTableDef()
MAX_DAYS = 90
MAX_USES = 1000
MAX_NOTE = 500
_POOL = r"/pools/{name:[a-z0-9_]+}"
_TOKEN = r"{token:[A-Za-z0-9_-]{20,100}}"


def _store(request: web.Request) -> InvitationStore:
    return InvitationStore(request.app[DB])


async def _steward_pool(request: web.Request) -> tuple[ActorRecord, ActorRecord]:
    """(the signed-in steward, the pool); 403 for anyone else."""
    user = require_user(request)
    pool = await request.app[ACTORS].by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(_("There is no pool called %(name)s on this node.",
                         name=repr(request.match_info["name"])))
    membership = await viewer_membership(request, pool)
    if membership is None or membership.state != "member" or "steward" not in membership.roles:
        raise Forbidden(_("Only a steward of this pool can invite people and see who has paid."))
    return user, pool


async def _steward_page(request: web.Request, pool: ActorRecord, *, new_link: str | None = None,
                        values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                        status: int = 200) -> web.Response:
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    actors = request.app[ACTORS]
    names: dict[str, str] = {}
    store = _store(request)
    uses = await store.uses_of_pool(pool.id)
    rows = []
    for application in await applicants(request.app, pool, bylaws):
        local = await actors.by_uri(application.person)
        names[application.person] = f"@{local.username}" if local else application.person
        rows.append({"application": application, "name": names[application.person],
                     "due": max(0, bylaws.min_share - (application.paid or 0)),
                     "claim_amount": _claim_money(application.claim, bylaws.currency)})
    now = iso(utcnow())
    invitations = []
    for invitation in await store.of_pool(pool.id):
        used_by = []
        for use in uses:
            if use.invitation_id == invitation.id:
                local = await actors.by_uri(use.person_uri)
                used_by.append(f"@{local.username}" if local else use.person_uri)
        invitations.append({"invitation": invitation, "state": invitation.state(now),
                            "used_by": used_by})
    return await render(request, "invitations.html", {
        "pool": pool, "bylaws": bylaws, "invitations": invitations, "applications": rows,
        "new_link": new_link, "values": values or {"days": "14", "max_uses": "10", "note": ""},
        "errors": errors or {}, "max_days": MAX_DAYS, "max_uses": MAX_USES,
    }, status=status)


def _claim_money(claim: dict[str, object] | None, currency: str) -> str | None:
    amount = claim.get("amount") if claim else None
    return money(amount, currency) if isinstance(amount, int) else None


@routes.get(_POOL + "/invitations", name="web.invitations")
async def invitations_page(request: web.Request) -> web.Response:
    """A steward's invitations, and the applications with what each has paid."""
    _steward, pool = await _steward_pool(request)
    return await _steward_page(request, pool)


def _whole(text: str, low: int, high: int) -> int | None:
    return whole_number(text.strip(), low=low, high=high)


@routes.post(_POOL + "/invitations", name="web.invitation_create")
async def create_invitation(request: web.Request) -> web.Response:
    """Make an invite link; it is shown on this one page and never again."""
    user, pool = await _steward_pool(request)
    form = await request.post()
    values = {k: str(form.get(k, "")) for k in ("days", "max_uses", "note")}
    errors: dict[str, str] = {}
    days = _whole(values["days"], 1, MAX_DAYS)
    if days is None:
        errors["days"] = _("Give a whole number of days from 1 to %(most)d.", most=MAX_DAYS)
    uses = _whole(values["max_uses"], 1, MAX_USES)
    if uses is None:
        errors["max_uses"] = _("Give a whole number of people from 1 to %(most)d.", most=MAX_USES)
    note = values["note"].strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _("Keep the note under %(most)d characters.", most=MAX_NOTE)
    if errors or days is None or uses is None:
        return await _steward_page(request, pool, values=values, errors=errors, status=422)
    token = secrets.token_urlsafe(24)
    now = utcnow()
    await _store(request).create(pool.id, token_hash(token), user.id, note, iso(now),
                                 iso(now + timedelta(days=days)), uses)
    return await _steward_page(request, pool, new_link=request.app[CONFIG].url(f"/invite/{token}"),
                               status=201)


@routes.post(_POOL + r"/invitations/{invitation:\d+}/revoke", name="web.invitation_revoke")
async def revoke_invitation(request: web.Request) -> web.StreamResponse:
    """Revoke an invite link: opening it then says it was revoked."""
    _steward, pool = await _steward_pool(request)
    missing = _("This pool has no unrevoked invitation with that number.")
    if not await _store(request).revoke(pool.id, number_in_path(request, "invitation", missing), now_iso()):
        raise NotFound(missing)
    raise web.HTTPSeeOther(f"/pools/{pool.username}/invitations")


async def _invitation(request: web.Request) -> tuple[Invitation, ActorRecord]:
    """The usable invitation the URL names and its pool; 404 unknown, 410 no longer usable."""
    invitation = await _store(request).by_hash(token_hash(request.match_info["token"]))
    pool = await request.app[ACTORS].by_id(invitation.pool_id) if invitation else None
    if invitation is None or pool is None:
        raise NotFound(_("This invite link is not known here: check that it was copied whole."))
    state = invitation.state(iso(utcnow()))
    if state != "open":
        why = {"revoked": _("a steward revoked it"), "expired": _("it expired"),
               "used up": _("as many people as it was made for have used it")}[state]
        raise Gone(_("This invite link to %(pool)s no longer works: %(why)s. Ask a steward of the "
                     "pool for a new one.", pool=pool.display_name, why=why))
    return invitation, pool


async def _invite_page(request: web.Request, invitation: Invitation, pool: ActorRecord, *,
                       values: dict[str, str] | None = None,
                       errors: dict[str, str] | None = None, status: int = 200) -> web.Response:
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    return await render(request, "invite.html", {
        "pool": pool, "bylaws": bylaws, "summary": bylaws_summary(bylaws), "invitation": invitation,
        "membership": await viewer_membership(request, pool), "values": values or {},
        "errors": errors or {}, "username_rule": username_rule(), "token": request.match_info["token"],
    }, status=status, form=True)


@routes.get("/invite/" + _TOKEN, name="web.invite")
async def invite_page(request: web.Request) -> web.Response:
    """The invitation: the pool, its rules, how to pay the share, and one form to apply."""
    invitation, pool = await _invitation(request)
    return await _invite_page(request, invitation, pool)


def _check_account_fields(form: Any, values: dict[str, str], errors: dict[str, str]) -> str:
    try:
        check_username(values["username"])
    except InvalidRequest:
        errors["username"] = _("Choose a username of %(rule)s.", rule=username_rule())
    if len(values["display_name"]) > 80:
        errors["display_name"] = _("Keep your name under 80 characters.")
    password = str(form.get("password", ""))
    problem = password_problem(password)
    if problem:
        errors["password"] = _("Choose a longer password: %(problem)s.", problem=problem)
    elif password != str(form.get("password2", "")):
        errors["password2"] = _("The two passwords are not the same.")
    return password


@routes.post("/invite/" + _TOKEN, name="web.invite_post")
async def accept_invitation(request: web.Request) -> web.StreamResponse:
    """Create the account (unless signed in) and apply to the pool, using one of the link's uses."""
    invitation, pool = await _invitation(request)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in ("username", "display_name", "reference")}
    values["username"] = values["username"].lower()
    values["display_name"] = as_one_line(values["display_name"])
    errors: dict[str, str] = {}
    user = current_user(request)
    password = "" if user is not None else _check_account_fields(form, values, errors)
    if len(values["reference"]) > 200:
        errors["reference"] = _("Keep the payment reference under 200 characters.")
    if user is not None:
        membership = await viewer_membership(request, pool)
        if membership is not None and membership.state in ("member", "applicant"):
            raise Conflict(_("You are already a member of %(pool)s; this link was not used.",
                             pool=pool.display_name) if membership.state == "member" else
                           _("You are already applying to %(pool)s; this link was not used.",
                             pool=pool.display_name))
    if errors:
        return await _invite_page(request, invitation, pool, values=values, errors=errors, status=400)
    store = _store(request)
    if not await store.claim(invitation.id, iso(utcnow())):
        raise Gone(_("This invite link was used up or revoked a moment ago; ask a steward for a new one."))
    if user is None:
        password_hash = await hash_password(password)
        try:
            user = await create_member(request.app[CONFIG], request.app[ACTORS], values["username"],
                                       display_name=values["display_name"] or None)
        except Conflict:
            await store.give_back(invitation.id)
            errors["username"] = _("That username is taken on this node; choose another.")
            return await _invite_page(request, invitation, pool, values=values, errors=errors,
                                      status=409)
        await request.app[WEB].set_password(user.id, password_hash, now_iso())
        await start_session(request, user)
    await store.record_use(invitation.id, user.uri, now_iso())
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    join: dict[str, Any] = {"type": "Join", "object": pool.uri, "to": [pool.uri]}
    if bylaws.min_share and values["reference"]:
        join["sharePayment"] = {"type": "Object", "amount": bylaws.min_share,
                                "currency": bylaws.currency, "reference": values["reference"]}
    await post_as(request.app, user, join)
    raise web.HTTPSeeOther(f"/pools/{pool.username}/application")


@routes.get(_POOL + "/application", name="web.application")
async def application_page(request: web.Request) -> web.Response:
    """Where the signed-in person's application stands, and how to pay the share if one is due."""
    user = require_user(request)
    pool = await request.app[ACTORS].by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(_("There is no pool called %(name)s on this node.",
                         name=repr(request.match_info["name"])))
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    membership = await viewer_membership(request, pool)
    paid = await capital_of(request.app, pool, bylaws, user.uri)
    note = await _note_for(request, pool, user)
    return await render(request, "application.html", {
        "pool": pool, "bylaws": bylaws, "membership": membership, "paid": paid or 0,
        "due": max(0, bylaws.min_share - (paid or 0)), "note": note,
        "reference": f"share {pool.username} @{user.username}",
    })


async def _note_for(request: web.Request, pool: ActorRecord, user: ActorRecord) -> str:
    """The steward's note (how to pay) on the invitation this person came in by, if any."""
    store = _store(request)
    by_id = {i.id: i for i in await store.of_pool(pool.id)}
    for use in reversed(await store.uses_of_pool(pool.id)):
        if use.person_uri == user.uri and use.invitation_id in by_id:
            return by_id[use.invitation_id].note
    return ""

