"""HTML error pages for browsers; API clients keep getting the JSON errors of node.errors."""

from __future__ import annotations

import logging
from urllib.parse import quote

from aiohttp import web

from node.errors import RateLimited
from node.web.errors import SignInRequired, wants_html
from node.web.render import render

__all__ = ["html_error_middleware"]

log = logging.getLogger("poolnode.web")

_TITLES = {
    400: "The request could not be used",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    409: "That conflicts with what is already there",
    410: "This link no longer works",
    413: "Too large",
    422: "That goes against the rules",
    429: "Too many attempts",
    500: "Something went wrong",
}


def _status_and_reason(exc: BaseException) -> tuple[int, str] | None:
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            return None
        text = (exc.text or "").removeprefix(f"{exc.status}: ")
        return exc.status, text or exc.reason
    status = getattr(exc, "status", None) or getattr(exc, "status_hint", None)
    reason = getattr(exc, "reason", None)
    if isinstance(status, int) and 400 <= status <= 599 and isinstance(reason, str):
        return status, reason
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
            found = (500, "internal error; the node's log has the details")
        status, reason = found
        response = await render(
            request,
            "error.html",
            {"status": status, "title": _TITLES.get(status, "Error"), "reason": reason},
            status=status,
        )
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
