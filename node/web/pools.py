"""Pages about pools: the landing page, the create-a-pool wizard, a pool, its bylaws, joining."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from governance.legal import LegalSettings
from node.access import Reader, may_read_record
from node.accounts import create_pool, join_pool, now_iso
from node.appkeys import ACTORS, CONFIG, DB, WEB
from node.errors import Conflict, Forbidden, NotFound
from node.pool_engine.common import store
from node.pools import load_bylaws
from node.request_numbers import number_in_path
from node.storage import ActorRecord, ActorStore, BylawsVersionStore, MemberClassStore, Membership
from node.web.bylaws_files import chosen_form
from node.web.bylaws_words import bylaws_summary, legal_markdown
from node.web.home import needs_your_vote
from node.web.i18n import current
from node.web.i18n import gettext as _
from node.web.legal_form import DISSOLUTIONS, GOVERNING_BODIES, LEGAL_FORMS, legal_values
from node.web.outbox import post_as
from node.web.render import render
from node.web.sessions import current_user, require_user
from node.web.share_rules import MEASURES
from node.web.wizard import (
    ADMISSIONS,
    CLASS_MAJORITY_CHOICES,
    CURRENCIES,
    QUORUMS,
    THRESHOLDS,
    parse_pool_form,
)

__all__ = ["bylaws_page", "member_page", "pool_page", "routes"]

routes = web.RouteTableDef()


@dataclass(frozen=True, slots=True)
class MemberView:
    """A member as a pool page lists them."""

    name: str
    handle: str
    url: str
    roles: tuple[str, ...]
    state: str
    membership_id: int
    member_class: str | None = None


async def _pool(request: web.Request, name: str) -> ActorRecord:
    pool = await request.app[ACTORS].by_username(name, "pool")
    if pool is None:
        raise NotFound(_("There is no pool called %(name)s on this node.", name=repr(name)))
    return pool


async def record_visible(request: web.Request, pool: ActorRecord) -> bool:
    """Whether the signed-in viewer (or an anonymous one) may see the pool's record (bylaws' visibility)."""
    return await may_read_record(request.app, pool, Reader(current_user(request)))


async def require_record(request: web.Request, pool: ActorRecord) -> None:
    """Pages of the pool's record: sign in first, then members only when the bylaws say so."""
    if not await record_visible(request, pool):
        require_user(request)
        raise Forbidden(_("The record of %(pool)s (proposals, ballots, ledger, members) is "
                          "visible to its members only, as its bylaws say.", pool=pool.username))


async def _member_view(actors: ActorStore, membership: Membership) -> MemberView:
    local = await actors.by_uri(membership.person_uri)
    if local is not None:
        return MemberView(local.display_name, f"@{local.username}", local.uri, membership.roles,
                          membership.state, membership.id, membership.member_class)
    return MemberView(membership.person_uri.rsplit("/", 1)[-1], membership.person_uri,
                      membership.person_uri, membership.roles, membership.state, membership.id,
                      membership.member_class)


async def _members(request: web.Request, pool: ActorRecord, state: str = "member") -> list[MemberView]:
    actors = request.app[ACTORS]
    rows = await actors.memberships_of_pool(pool.id, state=state)
    return [await _member_view(actors, m) for m in reversed(rows)]


async def viewer_membership(request: web.Request, pool: ActorRecord) -> Membership | None:
    """The signed-in member's membership of this pool (any state), or None."""
    user = current_user(request)
    if user is None:
        return None
    for membership in await request.app[ACTORS].pools_of_person(user.uri):
        if membership.pool_id == pool.id:
            return membership
    return None


@routes.get("/", name="web.landing")
async def landing(request: web.Request) -> web.Response:
    """What this node is, and the pools it hosts."""
    actors = request.app[ACTORS]
    pools = []
    for pool in await actors.all("pool"):
        pools.append({"pool": pool, "members": await actors.count_members(pool.id)})
    return await render(request, "landing.html", {"pools": pools, "needs_vote": await needs_your_vote(request)})


def _wizard_context(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    defaults = {"currency": "EUR", "threshold": "more_than:1/2", "quorum": "1/2",
                "admission": "steward", "min_share": "0", "voting_days": "7",
                **legal_values(LegalSettings(), "0")}
    return {
        "values": {**defaults, **{k: v for k, v in values.items() if v}},
        "errors": errors,
        "thresholds": THRESHOLDS,
        "quorums": QUORUMS,
        "admissions": ADMISSIONS,
        "currencies": CURRENCIES,
        "class_kinds": CLASS_MAJORITY_CHOICES, "surplus_measures": MEASURES,
        "legal_forms": LEGAL_FORMS,
        "governing_bodies": GOVERNING_BODIES,
        "dissolutions": DISSOLUTIONS,
    }


@routes.get("/create-pool", name="web.create_pool")
async def create_pool_page(request: web.Request) -> web.Response:
    """The wizard: the pool's name, purpose and rules, each explained."""
    require_user(request)
    return await render(request, "create_pool.html", _wizard_context({}, {}), form=True)


@routes.post("/create-pool", name="web.create_pool_post")
async def create_pool_submit(request: web.Request) -> web.StreamResponse:
    """Validate (nothing is stored on an error), create the pool, show its bylaws."""
    user = require_user(request)
    form = await request.post()
    parsed = parse_pool_form({k: str(v) for k, v in form.items()})
    if parsed.bylaws is None:
        values = {**parsed.values, "handle": parsed.values["handle"]}
        return await render(request, "create_pool.html", _wizard_context(values, parsed.errors),
                            status=422, form=True)
    bylaws = parsed.bylaws
    config, actors = request.app[CONFIG], request.app[ACTORS]
    try:
        pool = await create_pool(config, actors, parsed.handle, purpose=bylaws.purpose,
                                 currency=bylaws.currency, display_name=bylaws.name)
    except Conflict:
        errors = {"handle": _("The name %(name)s is taken on this node; choose another.",
                              name=repr(parsed.handle))}
        return await render(request, "create_pool.html",
                            _wizard_context({**parsed.values, "handle": parsed.handle}, errors),
                            status=409, form=True)
    await BylawsVersionStore(request.app[DB]).found(pool.id, json.dumps(bylaws.to_dict()), now_iso())
    await join_pool(actors, pool, user.uri, ("member", "steward", "treasurer"))
    if bylaws.member_classes:
        await MemberClassStore(request.app[DB]).change(
            pool.id, user.uri, parsed.values["founder_class"], steward_uri=user.uri,
            reason="founding member", at=now_iso())
    # The pool writes to its members on other servers in the language it was made in, until
    # a steward chooses another (node/web/moderation.py).
    await request.app[WEB].set_locale(pool.id, current().code, now_iso())
    raise web.HTTPSeeOther(f"/pools/{pool.username}/bylaws?created=1")


async def pool_page(request: web.Request, params: dict[str, str], *,
                    witness_error: str | None = None, witness_value: str = "",
                    status: int = 200) -> web.Response:
    """A pool: purpose, members, rules, fund, recent decisions, and who checks its ledger
    (``witness_error``: a steward's choice of a pool to witness that was refused)."""
    from node.web.engine import pool_activity
    from node.web.witnessing import witness_context

    pool = await _pool(request, params["name"])
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    membership = await viewer_membership(request, pool)
    is_steward = membership is not None and membership.state == "member" and "steward" in membership.roles
    visible = await record_visible(request, pool)
    return await render(request, "pool.html", {
        "pool": pool,
        "bylaws": bylaws,
        "summary": bylaws_summary(bylaws),
        "record_hidden": not visible,
        "members": await _members(request, pool) if visible else [],
        "applicants": await _members(request, pool, "applicant") if is_steward else [],
        "membership": membership,
        "is_steward": is_steward,
        "activity": await pool_activity(request, pool, bylaws) if visible else None,
        "witness": await witness_context(request, pool) if visible else None,
        "witness_error": witness_error, "witness_value": witness_value,
    }, status=status)


async def bylaws_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """A pool's bylaws, rendered from the Markdown the governance core writes."""
    pool = await _pool(request, params["name"])
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    form = chosen_form(request, bylaws)
    return await render(request, "bylaws.html", {
        "pool": pool,
        "bylaws_markdown": legal_markdown(bylaws, form),
        "created": request.query.get("created") == "1",
        "form": form.value,
        "own_form": bylaws.legal.form.value,
        "forms": LEGAL_FORMS,
    })


async def member_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """A member's public page: name and pools."""
    actors = request.app[ACTORS]
    member = await actors.by_username(params["name"], "member")
    if member is None:
        raise NotFound(_("There is no member called %(name)s on this node.",
                         name=repr(params["name"])))
    pools = []
    for membership in await actors.pools_of_person(member.uri):
        pool = await actors.by_id(membership.pool_id)
        if pool is not None and membership.state == "member":
            pools.append({"pool": pool, "roles": membership.roles})
    from node.web.engine import refunds_owed_to

    return await render(request, "member.html", {
        "member": member, "pools": pools, "owed": await refunds_owed_to(request.app, member.uri)})


@routes.get(r"/pools/{name:[a-z0-9_]+}/join", name="web.join")
async def join_page(request: web.Request) -> web.Response:
    """How to join this pool, and the button to ask."""
    require_user(request)
    pool = await _pool(request, request.match_info["name"])
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    return await render(request, "join.html", {
        "pool": pool, "bylaws": bylaws, "summary": bylaws_summary(bylaws),
        "membership": await viewer_membership(request, pool),
    }, form=True)


@routes.post(r"/pools/{name:[a-z0-9_]+}/join", name="web.join_post")
async def join(request: web.Request) -> web.StreamResponse:
    """Send a Join, as a C2S client would: the pool's bylaws decide what happens next."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    membership = await viewer_membership(request, pool)
    if membership is None or membership.state not in ("member", "applicant"):
        activity: dict[str, object] = {"type": "Join", "object": pool.uri, "to": [pool.uri]}
        chosen = (await request.post()).get("member_class")
        if chosen:
            activity["memberClass"] = str(chosen)
        await post_as(request.app, user, activity)
    raise web.HTTPSeeOther(f"/pools/{pool.username}")


async def steward_and_applicant(
    request: web.Request, doing: str
) -> tuple[ActorRecord, ActorRecord, Membership]:
    """(the signed-in steward, the pool, the applicant the URL names); 403 for anyone but a
    steward of the pool (``doing`` says what only a steward can), 404 for no such applicant."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    membership = await viewer_membership(request, pool)
    if membership is None or membership.state != "member" or "steward" not in membership.roles:
        raise Forbidden(doing)
    wanted = number_in_path(request, "membership", _(
        "No such applicant: they may have been admitted or turned down already."))
    applicants = await request.app[ACTORS].memberships_of_pool(pool.id, state="applicant")
    applicant = next((m for m in applicants if m.id == wanted), None)
    if applicant is None:
        raise NotFound(_("No such applicant: they may have been admitted or turned down already."))
    return user, pool, applicant


@routes.post(r"/pools/{name:[a-z0-9_]+}/applicants/{membership:\d+}/admit", name="web.admit")
async def admit(request: web.Request) -> web.StreamResponse:
    """A steward accepts an applicant's Join (pools whose bylaws say a steward admits)."""
    user, pool, applicant = await steward_and_applicant(
        request, _("Only a steward of this pool can admit new members."))
    join_id = await store(request.app).join_activity(pool.id, applicant.person_uri)
    accept: dict[str, object] = {"type": "Accept", "to": [applicant.person_uri]}
    accept["object"] = join_id or {"type": "Join", "actor": applicant.person_uri, "object": pool.uri}
    await post_as(request.app, user, accept)
    raise web.HTTPSeeOther(f"/pools/{pool.username}#members")
