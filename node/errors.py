"""The node's error hierarchy and the middleware that turns errors into JSON responses.

Errors from every layer carry a ``status`` (or governance's ``status_hint``) and a
client-safe ``reason``; the detail that only belongs in the log stays out of responses.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidRequest",
    "NodeError",
    "NotFound",
    "RateLimited",
    "Unauthorized",
    "error_middleware",
    "json_error",
]

log = logging.getLogger("poolnode.errors")


class NodeError(Exception):
    """Base of the node's errors: ``status`` for the response, ``reason`` safe to show."""

    status = 400

    def __init__(self, reason: str, *, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or reason


class InvalidRequest(NodeError):
    """The request is malformed."""

    status = 400


class Unauthorized(NodeError):
    """No valid credentials."""

    status = 401


class Forbidden(NodeError):
    """Valid credentials, but not for this."""

    status = 403


class NotFound(NodeError):
    """No such resource."""

    status = 404


class Conflict(NodeError):
    """The request conflicts with what is stored."""

    status = 409


class RateLimited(NodeError):
    """Too many requests: 429, with the whole seconds to wait sent as ``Retry-After``."""

    status = 429

    def __init__(self, reason: str, *, retry_after: int, detail: str | None = None) -> None:
        super().__init__(reason, detail=detail)
        self.retry_after = retry_after


def json_error(
    status: int, reason: str, *, retry_after: int | None = None, **extra: object
) -> web.Response:
    """A JSON error body ``{"error": reason, ...}`` with the given status."""
    body = {"error": reason, **extra}
    headers = {"WWW-Authenticate": 'Bearer realm="poolnode"'} if status == 401 else {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)  # RFC 9110 §10.2.3: delay-seconds
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def _status_of(exc: Exception) -> int | None:
    status = getattr(exc, "status", None) or getattr(exc, "status_hint", None)
    return status if isinstance(status, int) and 400 <= status <= 599 else None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The one place where errors become responses: JSON with a reason, never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            text = exc.text or ""
            reason = text if text and text != f"{exc.status}: {exc.reason}" else exc.reason
            if exc.status == 413:
                reason = "request body is larger than the configured limit"
            return json_error(exc.status, reason.removeprefix(f"{exc.status}: "))
        raise
    except Exception as exc:
        status = _status_of(exc)
        public = getattr(exc, "reason", None)
        if status is None or not isinstance(public, str):
            log.exception("unhandled error on %s %s", request.method, request.path)
            return json_error(500, "internal error")
        if status >= 500:
            log.error("%s %s: %s", request.method, request.path, getattr(exc, "detail", public))
        code = getattr(exc, "code", None)
        extra = {"code": code} if isinstance(code, str) else {}
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        return json_error(status, public, retry_after=retry_after, **extra)
