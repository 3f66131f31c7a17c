"""The node's error hierarchy and the middleware that turns errors into JSON responses.

Errors from every layer carry a ``status`` (or governance's ``status_hint``), a client-safe
``reason`` and a machine ``code``; the detail that only belongs in the log stays out of
responses. Every JSON error body is ``{"error": reason, "code": code}`` (docs/PROTOCOL.md
§Errors): an error without a code of its own gets the one of its HTTP status.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

__all__ = [
    "Conflict",
    "Forbidden",
    "Gone",
    "InvalidRequest",
    "NodeError",
    "NotFound",
    "NotPoolProposal",
    "RateLimited",
    "Unauthorized",
    "error_middleware",
    "json_error",
    "status_code",
]

log = logging.getLogger("poolnode.errors")


class NodeError(Exception):
    """Base of the node's errors: ``status`` for the response, ``reason`` safe to show, ``code`` for machines."""

    status = 400
    code: str | None = None
    """A stable machine code; ``None``: the code of ``status`` (:func:`status_code`)."""

    def __init__(self, reason: str, *, detail: str | None = None, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or reason
        if code is not None:
            self.code = code


class InvalidRequest(NodeError):
    """The request is malformed."""

    status = 400
    code = "invalid_request"


class Unauthorized(NodeError):
    """No valid credentials."""

    status = 401
    code = "unauthorized"


class Forbidden(NodeError):
    """Valid credentials, but not for this."""

    status = 403
    code = "forbidden"


class NotFound(NodeError):
    """No such resource."""

    status = 404
    code = "not_found"


class NotPoolProposal(NotFound):
    """No pool on this node holds the proposal: the pool engine's answer to a ballot on any
    other proposal, which its caller may hand to a flood (node/routing.py)."""


class Conflict(NodeError):
    """The request conflicts with what is stored."""

    status = 409
    code = "conflict"


class Gone(NodeError):
    """The resource was here and is no more (an expired or revoked link)."""

    status = 410
    code = "gone"


class RateLimited(NodeError):
    """Too many requests: 429, with the whole seconds to wait sent as ``Retry-After``."""

    status = 429
    code = "rate_limited"

    def __init__(self, reason: str, *, retry_after: int = 60, detail: str | None = None) -> None:
        super().__init__(reason, detail=detail)
        self.retry_after = retry_after


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
    504: "gateway_timeout",
}


def status_code(status: int) -> str:
    """The generic machine code of an HTTP error status (``http_<n>`` for the unlisted)."""
    return _STATUS_CODES.get(status, f"http_{status}")


def json_error(
    status: int, reason: str, *, code: str | None = None, retry_after: int | None = None,
    **extra: object,
) -> web.Response:
    """A JSON error body ``{"error": reason, "code": code, ...}``; ``code`` defaults to the status's."""
    body = {"error": reason, "code": code or status_code(status), **extra}
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
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        return json_error(status, public, code=code if isinstance(code, str) and code else None,
                          retry_after=retry_after)
