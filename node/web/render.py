"""Jinja2 templates (autoescaped) and the helpers every page uses."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import jinja2
from aiohttp import web

from governance import format_money
from node.appkeys import CONFIG, TEMPLATES
from node.web.csrf import anonymous_token
from node.web.markdown import render_markdown
from node.web.moments import deadline, localtime
from node.web.sessions import CSRF_FIELD, SESSION, current_user

__all__ = ["make_environment", "render"]


def _percent(value: Fraction | float | int) -> str:
    return f"{round(float(value) * 100)}%"


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
    # Every user-visible string goes through ``_()`` / ``{% trans %}``; until a locale is
    # chosen per request the strings render as written (English).
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["money"] = format_money
    env.filters["markdown"] = render_markdown
    env.filters["percent"] = _percent
    env.filters["deadline"] = deadline
    env.filters["localtime"] = localtime
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
    values: dict[str, Any] = {
        "user": user,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token,
        "node_domain": request.app[CONFIG].domain,
        "open_registrations": request.app[CONFIG].open_registrations,
        "path": request.path,
    }
    values.update(context or {})
    html = request.app[TEMPLATES].get_template(template).render(values)
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={
            "Vary": "Accept, Cookie",
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
