"""A member's notifications: the list (paged, newest first), marking read, email choices, and the
one-click unsubscribe link every mail carries (RFC 8058). All of it works without JavaScript."""

from __future__ import annotations

import re

from aiohttp import web

from node.appkeys import CONFIG, CSRF_SECRET, DB
from node.errors import InvalidRequest, NotFound
from node.request_numbers import whole_number
from node.storage import NotificationStore
from node.web.i18n import gettext as _
from node.web.notice_kinds import DEFAULT_MODES, KINDS, MODES, kind_label, mode_label
from node.web.notice_text import sentence
from node.web.render import render
from node.web.sessions import iso, require_user, utcnow
from node.web.unsubscribe_tokens import ALL_KINDS, read_token

__all__ = ["PAGE_SIZE", "routes"]

routes = web.RouteTableDef()

PAGE_SIZE = 30
MAX_ADDRESS = 254
# Enough to catch a typing slip; the mail server is the judge of the rest.
_ADDRESS = re.compile(r"^[^@\s<>\"(),;:\\\[\]]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


def _store(request: web.Request) -> NotificationStore:
    return NotificationStore(request.app[DB])


def _before(request: web.Request) -> int | None:
    raw = request.query.get("before")
    if raw is None:
        return None
    number = whole_number(raw)
    if number is None:
        raise InvalidRequest(_("The page to show is a notification number."))
    return number


@routes.get("/notifications", name="web.notifications")
async def notifications_page(request: web.Request) -> web.Response:
    """The member's notifications, newest first, a page at a time."""
    user = require_user(request)
    items = await _store(request).page(user.id, before=_before(request), limit=PAGE_SIZE + 1)
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    shown = [{"item": n, "sentence": sentence(n.kind, n.title, n.detail),
              "kind": kind_label(n.kind)} for n in items]
    return await render(request, "notifications.html", {
        "items": shown, "next_before": items[-1].id if more else None,
        "first_page": request.query.get("before") is None}, form=True)


@routes.post("/notifications/read", name="web.notifications_read")
async def mark_read(request: web.Request) -> web.StreamResponse:
    """Mark one notification (``id``) or all of them read, then back to the list."""
    user = require_user(request)
    form = await request.post()
    raw = str(form.get("id", ""))
    if raw == "all":
        await _store(request).mark_read(user.id, iso(utcnow()))
    elif (number := whole_number(raw)) is not None:
        await _store(request).mark_read(user.id, iso(utcnow()), [number])
    else:
        raise InvalidRequest(_("Say which notification to mark read."))
    raise web.HTTPSeeOther("/notifications")


@routes.get("/settings/notifications", name="web.notification_settings")
async def settings_page(request: web.Request) -> web.Response:
    """The email address and, for each kind, none / at once / daily."""
    return await _settings(request)


async def _settings(request: web.Request, *, notice: str | None = None,
                    error: str | None = None, status: int = 200) -> web.Response:
    user = require_user(request)
    store = _store(request)
    chosen = await store.modes(user.id)
    rows = [{"kind": k, "label": kind_label(k), "mode": chosen.get(k, DEFAULT_MODES[k])}
            for k in KINDS]
    return await render(request, "notification_settings.html", {
        "rows": rows, "modes": [(m, mode_label(m)) for m in MODES],
        "email": await store.email(user.id) or "",
        "mail_on": bool(request.app[CONFIG].smtp_host), "notice": notice, "error": error,
    }, form=True, status=status)


@routes.post("/settings/notifications", name="web.notification_settings_post")
async def save_settings(request: web.Request) -> web.StreamResponse:
    """Save the address (empty: no mail) and the mode of every kind."""
    user = require_user(request)
    form = await request.post()
    address = str(form.get("email", "")).strip()
    if address and (len(address) > MAX_ADDRESS or not _ADDRESS.match(address)):
        return await _settings(
            request, error=_("That does not look like an email address; nothing was saved."),
            status=400)
    modes: dict[str, str] = {}
    for kind in KINDS:
        mode = str(form.get(f"mode_{kind}", DEFAULT_MODES[kind]))
        if mode not in MODES:
            return await _settings(
                request, error=_("Choose none, at once or daily for each kind; nothing was saved."),
                status=400)
        modes[kind] = mode
    store, now = _store(request), iso(utcnow())
    await store.set_email(user.id, address or None, now)
    await store.set_modes(user.id, modes, now)
    return await _settings(request, notice=_("Your notification settings are saved."))


def _token(request: web.Request) -> tuple[int, str]:
    found = read_token(request.app[CSRF_SECRET], request.match_info["token"])
    if found is None or (found[1] != ALL_KINDS and found[1] not in KINDS):
        raise NotFound(_("This unsubscribe link is not valid."))
    return found


@routes.get("/unsubscribe/{token}", name="web.unsubscribe")
async def unsubscribe_page(request: web.Request) -> web.Response:
    """What the link in a mail opens: a button (a GET changes nothing; mail scanners follow links)."""
    _actor, kind = _token(request)
    what = _("all notification emails") if kind == ALL_KINDS else kind_label(kind)
    return await render(request, "unsubscribe.html", {"what": what, "done": False})


@routes.post("/unsubscribe/{token}", name="unsubscribe.one_click")
async def unsubscribe(request: web.Request) -> web.Response:
    """RFC 8058 one-click: the mail client POSTs ``List-Unsubscribe=One-Click``; the page's
    button posts the same. The signed token is the authority (no session, no CSRF token)."""
    actor_id, kind = _token(request)
    kinds = list(KINDS) if kind == ALL_KINDS else [kind]
    await _store(request).set_modes(actor_id, {k: "none" for k in kinds}, iso(utcnow()))
    what = _("all notification emails") if kind == ALL_KINDS else kind_label(kind)
    return await render(request, "unsubscribe.html", {"what": what, "done": True})
