"""Password reset by email, when the node sends email (``smtp_host``).

Asking for a reset names an account by username or email address; the answer is the same
whether or not such an account (or an address) exists, so the form tells no one who has an
account here. A token is 32 random bytes, kept only as its SHA-256, good for one hour and
one use; at most three are made per account an hour. The mail is a job of the mail queue
(sent outside the request). Setting the new password ends every session of the account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from aiohttp import web

from node.appkeys import ACTORS, CONFIG, DB, WEB
from node.errors import InvalidRequest, NotFound
from node.storage import MailStore, NotificationStore
from node.web.i18n import gettext as _
from node.web.passwords import hash_password, password_problem
from node.web.render import render
from node.web.sessions import iso, utcnow

__all__ = ["RESETS_PER_HOUR", "TOKEN_LIFETIME", "reset_hash", "routes"]

routes = web.RouteTableDef()

TOKEN_LIFETIME = timedelta(hours=1)
RESETS_PER_HOUR = 3
_MAX_NAME = 254


def reset_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _mail_on(request: web.Request) -> None:
    if not request.app[CONFIG].smtp_host:
        raise NotFound(_("This node does not send email, so it cannot reset a password by "
                         "email. Ask the node's operator."))


@routes.get("/reset-password", name="web.reset_request")
async def request_page(request: web.Request) -> web.Response:
    """The form; without email, the page that says to ask the operator (404)."""
    if not request.app[CONFIG].smtp_host:
        return await render(request, "reset_request.html", {"sent": False, "mail_off": True},
                            status=404)
    return await render(request, "reset_request.html", {"sent": False, "mail_off": False},
                        form=True)


async def _account(request: web.Request, name: str) -> int | None:
    if "@" in name:
        return await NotificationStore(request.app[DB]).actor_by_email(name)
    actor = await request.app[ACTORS].by_username(name.lower(), "member")
    if actor is None or await NotificationStore(request.app[DB]).email(actor.id) is None:
        return None
    return actor.id


@routes.post("/reset-password", name="web.reset_request_post")
async def request_reset(request: web.Request) -> web.Response:
    """Queue the mail if the account exists and has an address; the same answer either way."""
    _mail_on(request)
    form = await request.post()
    name = str(form.get("account", "")).strip()
    if not name or len(name) > _MAX_NAME:
        raise InvalidRequest(_("Give your username or your email address."))
    actor_id = await _account(request, name)
    now = utcnow()
    mail = MailStore(request.app[DB])
    if actor_id is not None and await mail.resets_since(
            actor_id, iso(now - timedelta(hours=1))) < RESETS_PER_HOUR:
        token = secrets.token_urlsafe(32)
        await mail.add_reset(reset_hash(token), actor_id, iso(now), iso(now + TOKEN_LIFETIME))
        link = request.app[CONFIG].url(f"/reset-password/{token}")
        await mail.enqueue(actor_id, "reset", f"reset:{reset_hash(token)}",
                           int(now.timestamp() * 1000), iso(now), payload=link)
    return await render(request, "reset_request.html", {"sent": True, "mail_off": False},
                        form=True)


def _token(request: web.Request) -> str:
    token = request.match_info["token"]
    if len(token) > 100:
        raise NotFound(_("This reset link is not valid."))
    return token


@routes.get("/reset-password/{token}", name="web.reset_form")
async def reset_form(request: web.Request) -> web.Response:
    """The new password form (a link mailed before the operator turned email off still works)."""
    token = reset_hash(_token(request))
    if await MailStore(request.app[DB]).reset_actor(token, iso(utcnow())) is None:
        raise NotFound(_("This reset link has expired or was used already. Ask for a new one."))
    return await render(request, "reset_form.html", {"error": None}, form=True)


@routes.post("/reset-password/{token}", name="web.reset_post")
async def reset(request: web.Request) -> web.StreamResponse:
    """Spend the token and set the new password; every session of the account ends."""
    form = await request.post()
    password = str(form.get("password", ""))
    problem = password_problem(password)
    error = None
    if problem:
        error = _("Choose a longer password: %(problem)s.", problem=problem)
    elif password != str(form.get("password2", "")):
        error = _("The two passwords are not the same.")
    if error:
        return await render(request, "reset_form.html", {"error": error}, form=True, status=400)
    password_hash = await hash_password(password)
    token = reset_hash(_token(request))
    actor_id = await MailStore(request.app[DB]).use_reset(token, iso(utcnow()))
    if actor_id is None:
        raise NotFound(_("This reset link has expired or was used already. Ask for a new one."))
    await request.app[WEB].set_password(actor_id, password_hash, iso(utcnow()))
    await request.app[WEB].delete_sessions_of(actor_id)
    raise web.HTTPSeeOther("/signin?reset=1")
