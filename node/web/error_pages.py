"""HTML error pages for browsers; API clients keep getting the JSON errors of node.errors."""

from __future__ import annotations

import logging
from urllib.parse import quote

from aiohttp import web

from governance import GovernanceError
from node.errors import RateLimited
from node.web.errors import SignInRequired, wants_html
from node.web.i18n import N_
from node.web.i18n import gettext as _
from node.web.reasons import said
from node.web.refusals import core_reason
from node.web.render import render

__all__ = ["html_error_middleware"]

log = logging.getLogger("poolnode.web")

_TITLES = {
    400: N_("The request could not be used"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not allowed here"),
    409: N_("That conflicts with what is already there"),
    410: N_("This link no longer works"),
    413: N_("Too large"),
    422: N_("That goes against the rules"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
}
# What aiohttp's own errors (no route, wrong method, body too large) say, in the reader's words.
_REASONS = {
    404: N_("There is nothing at this address on this node."),
    405: N_("This address does not take that kind of request."),
    413: N_("What was sent is larger than this node accepts."),
}


def _status_and_reason(exc: BaseException) -> tuple[int, str] | None:
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            return None
        text = (exc.text or "").removeprefix(f"{exc.status}: ")
        # aiohttp's stock English phrase, or its own words on a body past the size limit
        if not text or text == exc.reason or exc.status == 413:
            return exc.status, _(_REASONS.get(exc.status, _TITLES.get(exc.status, N_("Error"))))
        return exc.status, text
    if isinstance(exc, GovernanceError):  # the core's English: the reader's words for it
        return exc.status_hint, core_reason(exc)
    status = getattr(exc, "status", None) or getattr(exc, "status_hint", None)
    reason = getattr(exc, "reason", None)
    if isinstance(status, int) and 400 <= status <= 599 and isinstance(reason, str):
        return status, said(reason)  # the node's English, if it is a sentence we know
    return None


@web.middleware
async def html_error_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """For browsers, errors become HTML pages with the same status and a readable reason."""
    try:
        return await handler(request)
    except SignInRequired as exc:
        if not wants_html(request):
            raise
        raise web.HTTPSeeOther(f"/signin?next={quote(exc.next_path, safe='/')}") from None
    except Exception as exc:
        if not wants_html(request):
            raise
        found = _status_and_reason(exc)
        if found is None:
            if isinstance(exc, web.HTTPException):
                raise
            log.exception("unhandled error on %s %s", request.method, request.path)
            found = (500, _("internal error; the node's log has the details"))
        status, reason = found
        response = await render(
            request,
            "error.html",
            {"status": status, "title": _(_TITLES.get(status, N_("Error"))), "reason": reason},
            status=status,
        )
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
