"""HTML error pages for browsers; API clients keep getting the JSON errors of node.errors."""

from __future__ import annotations

import logging
from urllib.parse import quote

from aiohttp import web

from node.activitypub import wants_activitypub
from node.errors import RateLimited, Unauthorized

__all__ = ["SignInRequired", "TooManyAttempts", "html_error_middleware", "wants_html"]

log = logging.getLogger("poolnode.web")


class SignInRequired(Unauthorized):
    """The page needs a signed-in member; browsers are sent to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in to see this page")
        self.next_path = next_path


class TooManyAttempts(RateLimited):
    """Too many failed sign-ins: 429 with Retry-After."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason, retry_after=retry_after)


def wants_html(request: web.Request) -> bool:
    """A browser: its Accept header prefers HTML over ActivityStreams JSON."""
    return not wants_activitypub(request)


_TITLES = {
    400: "The request could not be used",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    409: "That conflicts with what is already there",
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
        from node.web.render import render  # the renderer imports this module

        response = await render(
            request,
            "error.html",
            {"status": status, "title": _TITLES.get(status, "Error"), "reason": reason},
            status=status,
        )
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
