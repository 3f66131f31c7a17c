"""ActivityPub media types, content negotiation and JSON bodies."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from federation.bounded_json import loads_bounded
from federation.errors import BadActivity
from node.errors import InvalidRequest

__all__ = [
    "AP_JSON",
    "AS_PROFILE",
    "LD_JSON",
    "activity_response",
    "read_json_object",
    "wants_activitypub",
]

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
AP_JSON = "application/activity+json"
LD_JSON = f'application/ld+json; profile="{AS_PROFILE}"'


def _accepts_ld_json(accept: str) -> bool:
    """True when the client asked for application/ld+json ahead of activity+json."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, media.lower()))
    for _, _, media in sorted(ranked):
        if media == AP_JSON:
            return False
        if media == "application/ld+json":
            return True
    return False


def wants_activitypub(request: web.Request) -> bool:
    """True when the Accept header asks for an ActivityStreams document rather than HTML."""
    accept = request.headers.get("Accept", "")
    if not accept or "text/html" not in accept:
        return True
    return "application/activity+json" in accept or "application/ld+json" in accept


def activity_response(
    request: web.Request,
    document: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Serve an ActivityStreams document in the media type the client asked for."""
    media = LD_JSON if _accepts_ld_json(request.headers.get("Accept", "")) else AP_JSON
    out = {"Content-Type": f"{media}; charset=utf-8" if media == AP_JSON else media, "Vary": "Accept"}
    if headers:
        out.update(headers)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return web.Response(status=status, body=body, headers=out)


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object; 413 past the size limit, 400 with a reason otherwise.

    Nesting depth and number length are bounded (``federation.bounded_json``), so no body
    reaches a ``RecursionError`` or a huge integer conversion, and no string holds a NUL, another
    C0 control but tab and newlines, or a lone surrogate (text a database should not hold).
    """
    body = await request.read()  # the application's client_max_size answers 413 past the limit
    if not body:
        raise InvalidRequest("request body is empty; send a JSON object")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("request body is not UTF-8") from None
    try:
        parsed = loads_bounded(text)
    except BadActivity as exc:
        raise InvalidRequest(f"request body is refused: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(parsed, dict):
        raise InvalidRequest(f"request body must be a JSON object, got a JSON {type(parsed).__name__}")
    return parsed
