"""Signing in and out, signing up, and a member's settings (password, API tokens)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from federation.one_line import as_one_line
from node.accounts import create_member, issue_token, now_iso
from node.appkeys import ACTORS, CONFIG, TOKENS, WEB
from node.client_address import client_address, limit_key
from node.errors import Conflict, Forbidden, InvalidRequest, NotFound
from node.request_numbers import number_in_path
from node.urls import check_username
from node.web.errors import TooManyAttempts
from node.web.i18n import gettext as _
from node.web.passwords import hash_password, password_problem, verify_password
from node.web.render import render
from node.web.sessions import end_session, iso, local_path, require_user, start_session, utcnow
from node.web.wizard import username_rule

__all__ = ["MAX_FAILURES_PER_ADDRESS", "MAX_FAILURES_PER_USERNAME", "RATE_WINDOW", "routes"]

routes = web.RouteTableDef()

RATE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
# Higher per address: a club's members may share one address (the clubhouse's wifi).
MAX_FAILURES_PER_ADDRESS = 20


def _address(request: web.Request) -> str:
    return limit_key(client_address(request, request.app[CONFIG]))


async def _check_rate(request: web.Request, username: str) -> None:
    store = request.app[WEB]
    since = iso(utcnow() - RATE_WINDOW)
    by_name = await store.failures_since(since, username=username)
    by_address = await store.failures_since(since, address=_address(request))
    if by_name >= MAX_FAILURES_PER_USERNAME or by_address >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts(
            _("Too many failed sign-ins. Wait 15 minutes, then try again."),
            int(RATE_WINDOW.total_seconds()),
        )


@routes.get("/signin", name="web.signin")
async def signin_page(request: web.Request) -> web.Response:
    """The sign-in form."""
    return await render(
        request, "signin.html",
        {"next": local_path(request.query.get("next")), "username": "", "error": None,
         "reset_done": request.query.get("reset") == "1"},
        form=True,
    )


@routes.post("/signin", name="web.signin_post")
async def signin(request: web.Request) -> web.StreamResponse:
    """Check the password (rate-limited), start a fresh session, go where the member was going."""
    form = await request.post()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    next_path = local_path(form.get("next"))
    await _check_rate(request, username)
    actor = await request.app[ACTORS].by_username(username, "member") if username else None
    stored = await request.app[WEB].password_hash(actor.id) if actor is not None else None
    if actor is None or not await verify_password(password, stored):
        now = utcnow()
        await request.app[WEB].record_failure(username, _address(request), iso(now))
        await request.app[WEB].forget_failures(iso(now - RATE_WINDOW))
        return await render(
            request, "signin.html",
            {"next": next_path, "username": username,
             "error": _("That username and password do not match an account on this node.")},
            status=401, form=True,
        )
    await start_session(request, actor)
    raise web.HTTPSeeOther(next_path)


@routes.post("/signout", name="web.signout")
async def signout(request: web.Request) -> web.StreamResponse:
    """End the session."""
    await end_session(request)
    raise web.HTTPSeeOther("/")


@routes.get("/signup", name="web.signup")
async def signup_page(request: web.Request) -> web.Response:
    """The sign-up form; when registrations are closed, a 403 page that says how to get in."""
    if not request.app[CONFIG].open_registrations:
        return await render(request, "signup_closed.html", status=403)
    return await render(
        request, "signup.html",
        {"values": {}, "errors": {}, "next": local_path(request.query.get("next")),
         "username_rule": username_rule()},
        form=True,
    )


@routes.post("/signup", name="web.signup_post")
async def signup(request: web.Request) -> web.StreamResponse:
    """Create a member account with a password and sign it in."""
    config = request.app[CONFIG]
    if not config.open_registrations:
        raise Forbidden(_("This node does not take new accounts: its operator keeps registrations "
                          "closed. Ask a steward for an invite link, or the operator for an account."))
    form = await request.post()
    values = {
        "username": str(form.get("username", "")).strip().lower(),
        "display_name": as_one_line(str(form.get("display_name", ""))),
    }
    password = str(form.get("password", ""))
    errors: dict[str, str] = {}
    try:
        check_username(values["username"])
    except InvalidRequest:
        errors["username"] = _("Choose a username of %(rule)s.", rule=username_rule())
    if len(values["display_name"]) > 80:
        errors["display_name"] = _("Keep your name under 80 characters.")
    problem = password_problem(password)
    if problem:
        errors["password"] = _("Choose a longer password: %(problem)s.", problem=problem)
    elif password != str(form.get("password2", "")):
        errors["password2"] = _("The two passwords are not the same.")
    actor = None
    taken = False
    if not errors:
        password_hash = await hash_password(password)
        try:
            actor = await create_member(
                config, request.app[ACTORS], values["username"],
                display_name=values["display_name"] or None,
            )
        except Conflict:
            errors["username"] = _("That username is taken on this node; choose another.")
            taken = True
        else:
            await request.app[WEB].set_password(actor.id, password_hash, now_iso())
    if actor is None:
        status = 409 if taken else 400
        return await render(
            request, "signup.html",
            {"values": values, "errors": errors, "next": local_path(form.get("next")),
             "username_rule": username_rule()},
            status=status, form=True,
        )
    await start_session(request, actor)
    raise web.HTTPSeeOther(local_path(form.get("next")))


async def _settings(request: web.Request, *, new_token: str | None = None,
                    errors: dict[str, str] | None = None, notice: str | None = None,
                    status: int = 200) -> web.Response:
    user = require_user(request)
    tokens = await request.app[TOKENS].list_for(user.id)
    pools = []
    for membership in await request.app[ACTORS].pools_of_person(user.uri):
        pool = await request.app[ACTORS].by_id(membership.pool_id)
        if pool is not None:
            pools.append({"pool": pool, "membership": membership})
    return await render(
        request, "settings.html",
        {"tokens": list(reversed(tokens)), "new_token": new_token, "errors": errors or {},
         "notice": notice, "pools": pools, "user_locale": await request.app[WEB].locale(user.id)},
        status=status,
    )


@routes.get("/settings", name="web.settings")
async def settings_page(request: web.Request) -> web.Response:
    """The member's settings: pools, API tokens, password."""
    if request.query.get("welcome") == "1":  # after a one-time sign-in link (node/web/welcome.py)
        return await _settings(request, notice=_("Your password is set and you are signed in."))
    return await _settings(request)


@routes.post("/settings/tokens", name="web.token_create")
async def create_token(request: web.Request) -> web.Response:
    """Issue an API token; its secret is shown on this one page and never again."""
    user = require_user(request)
    form = await request.post()
    label = str(form.get("label", "")).strip()[:80]
    issued = await issue_token(request.app[TOKENS], user, label or _("created in the browser"))
    return await _settings(request, new_token=issued.secret)


@routes.post(r"/settings/tokens/{token_id:\d+}/revoke", name="web.token_revoke")
async def revoke_token(request: web.Request) -> web.StreamResponse:
    """Revoke one of the member's own tokens."""
    user = require_user(request)
    number = number_in_path(request, "token_id", _("You have no live token with that number."))
    revoked = await request.app[TOKENS].revoke(user.id, number, now_iso())
    if not revoked:
        raise NotFound(_("You have no live token with that number."))
    raise web.HTTPSeeOther("/settings#tokens")


@routes.post("/settings/password", name="web.password")
async def change_password(request: web.Request) -> web.StreamResponse:
    """Change the password (the current one is needed); other sessions are signed out."""
    user = require_user(request)
    form = await request.post()
    current = str(form.get("current", ""))
    new = str(form.get("password", ""))
    store = request.app[WEB]
    errors: dict[str, str] = {}
    stored = await store.password_hash(user.id)
    if stored is not None and not await verify_password(current, stored):
        errors["current"] = _("That is not your current password.")
    problem = password_problem(new)
    if problem:
        errors["password"] = _("Choose a longer password: %(problem)s.", problem=problem)
    if errors:
        return await _settings(request, errors=errors, status=400)
    await store.set_password(user.id, await hash_password(new), now_iso())
    await store.delete_sessions_of(user.id)
    await start_session(request, user)
    return await _settings(request, notice=_("Your password is changed; other sessions are signed out."))

