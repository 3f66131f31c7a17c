"""Browser sessions and CSRF protection.

The cookie carries 256 random bits; the database keeps only their SHA-256, so a leaked
database does not let anyone in. Each session holds its own CSRF token, which every form
carries in a hidden field and every POST to a web route must send back. A visitor who is
not signed in gets no session, so reading pages writes nothing: their forms (sign-in,
sign-up) carry a signed double-submit token instead (node/web/csrf.py). Signing in
starts a fresh session (no session fixation).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from aiohttp import web

from node.appkeys import ACTORS, CONFIG, LANGUAGES, WEB
from node.auth import SIGNED_IN
from node.errors import Forbidden
from node.storage import ActorRecord
from node.storage.web import WebSession
from node.web.csrf import set_csrf_cookie, valid_anonymous_token
from node.web.errors import SignInRequired
from node.web.i18n import LANG_QUERY, switch
from node.web.i18n import gettext as _

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "SESSION",
    "current_user",
    "end_session",
    "iso",
    "local_path",
    "require_user",
    "session_middleware",
    "start_session",
    "utcnow",
]

COOKIE = "pn_session"
CSRF_FIELD = "csrf"
SIGNED_IN_LIFETIME = timedelta(days=30)
ANONYMOUS_LIFETIME = timedelta(days=1)
_SESSION: web.RequestKey[WebSession | None] = web.RequestKey("web_session")
_USER = SIGNED_IN  # defined below the web app: node.access reads it too
# The cookie the response must set: (session id, max age); an empty id deletes the cookie.
_NEW_COOKIE: web.RequestKey[tuple[str, timedelta | None]] = web.RequestKey("web_new_cookie")


SESSION = _SESSION
"""The request's session (or None): read it with ``request.get(SESSION)``."""


def utcnow() -> datetime:
    """The current time (UTC, whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, the form timestamps are stored and compared in."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def local_path(raw: object) -> str:
    """Only a local path may follow sign-in or a language switch (no open redirect elsewhere)."""
    text = raw if isinstance(raw, str) else ""
    if not text.startswith("/") or text.startswith("//") or "\\" in text:
        return "/"
    return text


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


def current_user(request: web.Request) -> ActorRecord | None:
    """The signed-in member of this request, or None."""
    return request.get(_USER)


def require_user(request: web.Request) -> ActorRecord:
    """The signed-in member; a browser that is not signed in is sent to the sign-in page."""
    user = current_user(request)
    if user is None:
        raise SignInRequired(request.path_qs)
    return user


async def start_session(request: web.Request, actor: ActorRecord | None) -> WebSession:
    """A fresh session (replacing the request's current one) whose cookie the response sets."""
    old = request.get(_SESSION)
    store = request.app[WEB]
    if old is not None:
        await store.delete_session(old.id_hash)
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = SIGNED_IN_LIFETIME if actor is not None else ANONYMOUS_LIFETIME
    session = WebSession(
        id_hash=_hash(session_id),
        actor_id=actor.id if actor is not None else None,
        csrf_token=secrets.token_urlsafe(32),
        created_at=iso(now),
        expires_at=iso(now + lifetime),
    )
    await store.create_session(session)
    request[_SESSION] = session
    request[_USER] = actor
    request[_NEW_COOKIE] = (session_id, lifetime if actor is not None else None)
    return session


async def end_session(request: web.Request) -> None:
    """Sign out: delete the session and expire the cookie."""
    session = request.get(_SESSION)
    if session is not None:
        await request.app[WEB].delete_session(session.id_hash)
    request[_SESSION] = None
    request[_USER] = None
    request[_NEW_COOKIE] = ("", timedelta(0))


def _set_cookie(request: web.Request, response: web.StreamResponse) -> None:
    new = request.get(_NEW_COOKIE)
    if new is None or response.prepared:
        return
    value, max_age = new
    if not value:
        response.del_cookie(COOKIE, path="/")
        return
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(max_age.total_seconds()) if max_age is not None else None,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.app[CONFIG].base_url.startswith("https://"),
    )


async def _load(request: web.Request) -> None:
    request[_SESSION] = None
    request[_USER] = None
    if "Cookie" not in request.headers:  # federation traffic: skip parsing cookies at all
        return
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return
    session = await request.app[WEB].session(_hash(cookie), iso(utcnow()))
    if session is None:
        return
    request[_SESSION] = session
    if session.actor_id is not None:
        request[_USER] = await request.app[ACTORS].by_id(session.actor_id)
    # The member's own choice of language beats the cookie and Accept-Language (not ?lang=).
    chosen = request.app[LANGUAGES].get(session.locale) if session.locale else None
    if chosen is not None and request[_USER] is not None and LANG_QUERY not in request.query:
        switch(chosen)


async def _check_csrf(request: web.Request) -> None:
    session = request.get(_SESSION)
    form = await request.post()
    sent = form.get(CSRF_FIELD)
    expected = session.csrf_token if session is not None else valid_anonymous_token(request)
    if expected is None:
        raise Forbidden(_(
            "CSRF check failed: this form needs its cookie; enable cookies, "
            "reload the page and try again"
        ))
    if not isinstance(sent, str) or not hmac.compare_digest(
        sent.encode("utf-8"), expected.encode("utf-8")
    ):
        raise Forbidden(_(
            "CSRF check failed: the form is out of date or was not sent from this site; "
            "reload the page and try again"
        ))


def is_web_route(request: web.Request) -> bool:
    """Whether the matched route belongs to the web app (its names start with ``web.``)."""
    name = request.match_info.route.name or ""
    return name.startswith("web.")


@web.middleware
async def session_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Load the session from its cookie; check the CSRF token of every POST to a web route."""
    await _load(request)
    if request.method == "POST" and is_web_route(request):
        await _check_csrf(request)
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects after sign-in/out carry the cookie too
        _set_cookie(request, exc)
        set_csrf_cookie(request, exc)
        raise
    _set_cookie(request, response)
    set_csrf_cookie(request, response)
    return response
