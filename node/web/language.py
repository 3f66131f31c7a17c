"""Choosing the language of the pages: per request, by link (a cookie) and as a member's setting.

The middleware picks each request's language before anything else runs, so error pages speak
it too: ``?lang=`` (that page only), the ``pn_lang`` cookie, ``Accept-Language``, English. The
session middleware then lets a signed-in member's own setting win over the cookie and the
header (node/web/sessions.py). Without JavaScript, anyone switches with the links at the foot of
every page (``GET /language/es?next=/where``: a cookie, nothing stored on the node); a
signed-in member's buttons and the settings page store their choice (``POST /settings/language``).
"""

from __future__ import annotations

from aiohttp import web

from node.accounts import now_iso
from node.appkeys import CONFIG, LANGUAGES, WEB
from node.errors import InvalidRequest, NotFound
from node.web.i18n import LANG_COOKIE, LANG_QUERY, Language, Languages, speaking
from node.web.i18n import gettext as _
from node.web.sessions import local_path, require_user

__all__ = ["COOKIE_LIFETIME", "choose", "language_middleware", "routes"]

routes = web.RouteTableDef()
COOKIE_LIFETIME = 365 * 86400


def choose(languages: Languages, request: web.Request) -> Language:
    """The request's language before the member is known: ``?lang=``, cookie, Accept-Language."""
    for code in (request.query.get(LANG_QUERY), request.cookies.get(LANG_COOKIE)):
        found = languages.get(code)
        if found is not None:
            return found
    return languages.negotiate(request.headers.get("Accept-Language"))


@web.middleware
async def language_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Serve the request in its language (English when it asks for none: federation traffic)."""
    if ("Accept-Language" not in request.headers and "Cookie" not in request.headers
            and LANG_QUERY not in request.query):
        return await handler(request)
    with speaking(choose(request.app[LANGUAGES], request)):
        return await handler(request)


def _remember(request: web.Request, response: web.StreamResponse, code: str | None) -> None:
    if code is None:
        response.del_cookie(LANG_COOKIE, path="/")
        return
    response.set_cookie(LANG_COOKIE, code, max_age=COOKIE_LIFETIME, path="/", httponly=True,
                        samesite="Lax", secure=request.app[CONFIG].base_url.startswith("https://"))


@routes.get(r"/language/{code:[A-Za-z0-9_-]{1,35}}", name="web.language")
async def switch_language(request: web.Request) -> web.StreamResponse:
    """Show the pages in this language from now on, on this browser; back to where one was."""
    language = request.app[LANGUAGES].get(request.match_info["code"])
    if language is None:
        raise NotFound(_("This node has no pages in that language."))
    response = web.HTTPSeeOther(local_path(request.query.get("next")))
    _remember(request, response, language.code)
    raise response


@routes.post("/settings/language", name="web.settings_language")
async def set_language(request: web.Request) -> web.StreamResponse:
    """A member's language, on every device they sign in on; empty: the browser's language."""
    user = require_user(request)
    form = await request.post()
    code = str(form.get("locale", "")).strip()
    language = request.app[LANGUAGES].get(code) if code else None
    if code and language is None:
        raise InvalidRequest(_("Choose one of the languages listed; nothing was changed."))
    chosen = language.code if language is not None else None
    await request.app[WEB].set_locale(user.id, chosen, now_iso())
    response = web.HTTPSeeOther(local_path(form.get("next")))
    _remember(request, response, chosen)
    raise response
