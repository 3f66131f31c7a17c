"""Jinja2 templates (autoescaped) and the helpers every page uses."""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from node.appkeys import CONFIG, DB, LANGUAGES, TEMPLATES
from node.storage import NotificationStore
from node.web.ballot_form import ordinal
from node.web.csrf import anonymous_token
from node.web.i18n import current
from node.web.labels import label
from node.web.localise import money, number, percent
from node.web.markdown import render_markdown
from node.web.moments import deadline, localtime
from node.web.sessions import CSRF_FIELD, SESSION, current_user

__all__ = ["make_environment", "render"]


def _gettext(message: str) -> str:
    return current().translations.gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return current().translations.ngettext(singular, plural, n)


def _pgettext(context: str, message: str) -> str:
    return current().translations.pgettext(context, message)


def make_environment() -> jinja2.Environment:
    """The template environment: autoescape on for every template, undefined names fail."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("node", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # ``_()``, ``ngettext()`` and ``{% trans %}`` answer in the request's language: the
    # callables read it from node.web.i18n (set per request by the language middleware).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext)
    # A {% trans %} block's whitespace is collapsed, so its catalog entry reads as one line.
    env.policies["ext.i18n.trimmed"] = True
    env.filters["money"] = money
    env.filters["number"] = number
    env.filters["markdown"] = render_markdown
    env.filters["percent"] = percent
    env.filters["deadline"] = deadline
    env.filters["localtime"] = localtime
    env.filters["label"] = label
    env.globals["ordinal"] = ordinal
    return env


async def render(
    request: web.Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    form: bool = False,
) -> web.Response:
    """Render a page; ``form=True`` embeds a CSRF token (the session's, else an anonymous one)."""
    user = current_user(request)
    session = request.get(SESSION)
    if session is not None:
        csrf_token = session.csrf_token
    else:
        csrf_token = anonymous_token(request) if form else ""
    language = current()
    unread = await NotificationStore(request.app[DB]).unread_count(user.id) if user else 0
    values: dict[str, Any] = {
        "unread_count": unread,
        "user": user,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token,
        "node_domain": request.app[CONFIG].domain,
        "open_registrations": request.app[CONFIG].open_registrations,
        "mail_on": bool(request.app[CONFIG].smtp_host),
        "path": request.path,
        "path_qs": request.path_qs,
        "language": language,
        "languages": request.app[LANGUAGES].listed(),
    }
    values.update(context or {})
    html = request.app[TEMPLATES].get_template(template).render(values)
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={
            # The page depends on the language the browser asks for and on the cookies (the
            # session, the language chosen with the links).
            "Vary": "Accept, Accept-Language, Cookie",
            "Content-Language": language.code,
            "Cache-Control": "no-store" if csrf_token else "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": (
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            ),
        },
    )
