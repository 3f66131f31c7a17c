"""The web app for people: server-rendered pages, sign-in, sessions, CSRF.

``setup_web(app)`` registers everything on the node's application. Pages that share a URL
with an ActivityPub document (a pool, a member, a pool's bylaws) are served by content
negotiation: a browser asking for HTML gets the page, every other client the JSON.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources

from aiohttp import web

from node.appkeys import CONFIG, CSRF_SECRET, DB, LANGUAGES, TEMPLATES, WEB
from node.errors import error_middleware
from node.request_text import refuse_control_characters
from node.storage import WebStore
from node.web import (
    account,
    admissions,
    assets,
    bookings,
    budget,
    bylaws_archive,
    bylaws_files,
    capital,
    capital_calls,
    discussion,
    exports,
    floods,
    invitations,
    language,
    ledger,
    member_classes,
    membership,
    moderation,
    notifications,
    password_reset,
    pools,
    proposals,
    shares,
    treasury,
    welcome,
    witnessing,
)
from node.web.csrf import load_secret
from node.web.error_pages import html_error_middleware
from node.web.errors import wants_html
from node.web.i18n import Languages
from node.web.language import language_middleware
from node.web.render import make_environment
from node.web.sessions import session_middleware

__all__ = ["NEGOTIATED_PAGES", "setup_web"]

Page = Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]]

_NAME = r"(?P<name>[a-z0-9_]+)"
# URL patterns served as HTML pages to browsers and as JSON to ActivityPub clients.
NEGOTIATED_PAGES: list[tuple[re.Pattern[str], Page]] = [
    (re.compile(rf"^/pools/{_NAME}$"), pools.pool_page),
    (re.compile(rf"^/pools/{_NAME}/bylaws$"), pools.bylaws_page),
    (re.compile(rf"^/users/{_NAME}$"), pools.member_page),
    (re.compile(rf"^/pools/{_NAME}/proposals$"), proposals.proposals_page),
    (re.compile(rf"^/pools/{_NAME}/proposals/(?P<key>[0-9a-f-]{{36}})$"), proposals.proposal_page),
    (re.compile(rf"^/pools/{_NAME}/proposals/(?P<key>[0-9a-f-]{{36}})/call$"), capital_calls.call_page),
    (re.compile(rf"^/pools/{_NAME}/ledger$"), ledger.ledger_page),
    (re.compile(rf"^/pools/{_NAME}/assets$"), assets.assets_page),
    (re.compile(rf"^/pools/{_NAME}/assets/(?P<key>[0-9a-f-]{{36}})$"), assets.asset_page),
    (re.compile(rf"^/pools/{_NAME}/shares$"), shares.share_register_page),
    (re.compile(rf"^/pools/{_NAME}/floods$"), floods.flood_page),
    (re.compile(rf"^/pools/{_NAME}/discussions$"), discussion.discussions_page),
    (re.compile(rf"^/pools/{_NAME}/discussions/(?P<key>[0-9a-f-]{{36}})$"), discussion.discussion_page),
]


def _negotiated(request: web.Request) -> tuple[Page, dict[str, str]] | None:
    if request.method not in ("GET", "HEAD") or not wants_html(request):
        return None
    if request.query.get("format") == "md":
        return None
    for pattern, page in NEGOTIATED_PAGES:
        match = pattern.match(request.path)
        if match:
            return page, match.groupdict()
    return None


@web.middleware
async def negotiation_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Browsers asking for HTML at an actor's or object's URL get its page."""
    found = _negotiated(request)
    if found is None:
        return await handler(request)
    page, params = found
    return await page(request, params)


async def _web_ctx(app: web.Application) -> AsyncIterator[None]:
    app[WEB] = WebStore(app[DB])
    app[CSRF_SECRET] = load_secret(app[CONFIG].data_dir)
    yield


def setup_web(app: web.Application) -> None:
    """Register the web app: its middlewares, stores, templates, static files and routes."""
    # The language first, so that even an error page is in the reader's language. Both go
    # just inside the node's JSON errors, around the body's deadline (node/request_body.py):
    # a form past the size limit comes back to a browser as a page in its language (413).
    inside = app.middlewares.index(error_middleware) + 1 if error_middleware in app.middlewares else 0
    app.middlewares.insert(inside, html_error_middleware)
    app.middlewares.insert(inside, language_middleware)
    # Text no store should hold is refused for every route (node/request_text.py), inside the
    # body's deadline and the error pages, so that a browser's form gets its 400 as a page.
    app.middlewares.extend([refuse_control_characters, session_middleware, negotiation_middleware])
    app[TEMPLATES] = make_environment()
    app[LANGUAGES] = Languages.load()
    app.cleanup_ctx.append(_web_ctx)
    for module in (account, admissions, assets, bookings, budget, bylaws_archive, bylaws_files,
                   capital, capital_calls, discussion, exports, floods, invitations, language, ledger,
                   member_classes, membership, moderation, notifications, password_reset, pools,
                   proposals, shares, treasury, welcome, witnessing):
        app.router.add_routes(module.routes)
    static = resources.files("node") / "static"
    app.router.add_static("/static/", str(static), name="web.static", append_version=True)
