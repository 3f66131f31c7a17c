"""One-time sign-in links: open the link, choose a password, you are signed in.

``poolnode init`` prints one for the admin (who has no password yet), and
``poolnode member signin-link USERNAME`` makes one for any member (a lost password). Only the
SHA-256 of the link's secret is stored; opening the link (GET) spends nothing, so a chat app
that previews links does not use it up; setting the password (POST) spends it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from node.accounts import now_iso
from node.appkeys import ACTORS, DB, WEB
from node.config import Config
from node.errors import NotFound
from node.storage import ActorRecord, InvitationStore
from node.web.i18n import gettext as _
from node.web.passwords import hash_password, password_problem
from node.web.render import render
from node.web.sessions import iso, start_session, utcnow

__all__ = ["SIGNIN_LINK_LIFETIME", "SignInLink", "issue_signin_link", "routes", "token_hash"]

routes = web.RouteTableDef()
SIGNIN_LINK_LIFETIME = timedelta(hours=24)
_TOKEN = r"{token:[A-Za-z0-9_-]{20,100}}"



@dataclass(frozen=True, slots=True)
class SignInLink:
    """A freshly issued link (its secret is in the URL, shown this once) and when it expires."""

    url: str
    expires_at: str


def token_hash(token: str) -> str:
    """What is stored of a link's secret."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


async def issue_signin_link(config: Config, store: InvitationStore, actor: ActorRecord) -> SignInLink:
    """A one-time link that lets ``actor`` set a password and sign in, valid for 24 hours."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = iso(now + SIGNIN_LINK_LIFETIME)
    await store.create_signin_link(actor.id, token_hash(token), iso(now), expires_at)
    return SignInLink(config.url(f"/welcome/{token}"), expires_at)


async def _actor(request: web.Request, *, spend: bool) -> ActorRecord:
    store = InvitationStore(request.app[DB])
    digest = token_hash(request.match_info["token"])
    now = iso(utcnow())
    actor_id = (await store.spend_signin_link(digest, now) if spend
                else await store.signin_link_actor(digest, now))
    actor = await request.app[ACTORS].by_id(actor_id) if actor_id is not None else None
    if actor is None:
        raise NotFound(_("This sign-in link is not valid: it was used already, it expired (links "
                         "last 24 hours) or it was never issued. Ask the node's operator for a new "
                         "one (poolnode member signin-link USERNAME)."))
    return actor


@routes.get(f"/welcome/{_TOKEN}", name="web.welcome")
async def welcome_page(request: web.Request) -> web.Response:
    """The set-your-password form of a one-time sign-in link."""
    actor = await _actor(request, spend=False)
    return await render(request, "welcome.html", {"member": actor, "errors": {}}, form=True)


@routes.post(f"/welcome/{_TOKEN}", name="web.welcome_post")
async def welcome(request: web.Request) -> web.StreamResponse:
    """Set the password, spend the link, sign in (other sessions of the account end)."""
    form = await request.post()
    password = str(form.get("password", ""))
    errors: dict[str, str] = {}
    problem = password_problem(password)
    if problem:
        errors["password"] = _("Choose a longer password: %(problem)s.", problem=problem)
    elif password != str(form.get("password2", "")):
        errors["password2"] = _("The two passwords are not the same.")
    if errors:  # the link is not spent: the person tries again with the same link
        actor = await _actor(request, spend=False)
        return await render(request, "welcome.html", {"member": actor, "errors": errors},
                            status=400, form=True)
    password_hash = await hash_password(password)
    actor = await _actor(request, spend=True)
    await request.app[WEB].set_password(actor.id, password_hash, now_iso())
    await request.app[WEB].delete_sessions_of(actor.id)
    await start_session(request, actor)
    raise web.HTTPSeeOther("/settings?welcome=1")
