"""The ``Idempotency-Key`` request header on C2S POSTs (draft-ietf-httpapi-idempotency-key-header).

A client that lost the response to a POST retries it with the same key; the node answers with
the first response and does nothing again. Keys belong to the posting actor, are kept 24 hours
from first use (§2.3, published in docs/PROTOCOL.md), and are matched with a fingerprint of the
request body (§2.4: SHA-256 of its exact bytes). Errors (§2.7): the same key with another body is
422, the same key while the first request is still being processed is 409; a malformed key is
400. A request that fails books nothing and releases its key, so only successes are replayed.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from node.appkeys import IDEMPOTENCY, IDEMPOTENCY_IN_FLIGHT
from node.errors import Conflict, InvalidRequest, NodeError

__all__ = [
    "HEADER",
    "KEY_LIFETIME_MS",
    "KeyInUse",
    "KeyReused",
    "idempotency_key",
    "once_per_key",
]

HEADER = "Idempotency-Key"
KEY_LIFETIME_MS = 24 * 3600 * 1000
# Visible ASCII without '"' and '\': what an sf-string (RFC 8941 §3.3.3) holds unescaped.
_KEY = re.compile(r'[\x21\x23-\x5b\x5d-\x7e]{1,255}', re.ASCII)


class KeyReused(NodeError):
    """The key was used for a request with another body (draft §2.7: 422)."""

    status = 422
    code = "idempotency_key_reused"


class KeyInUse(Conflict):
    """A request with this key is still being processed, or was cut off (draft §2.7: 409)."""

    code = "idempotency_key_in_use"


def idempotency_key(request: web.Request) -> str | None:
    """The request's key: an sf-string (``"..."``) or the bare text; None without the header."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if _KEY.fullmatch(value) is None:
        raise InvalidRequest(
            f"{HEADER} must be 1 to 255 visible ASCII characters without quotes or backslashes,"
            " e.g. a UUID"
        )
    return value


async def once_per_key(
    request: web.Request, actor_id: int, key: str, run: Callable[[], Awaitable[web.Response]]
) -> web.Response:
    """Run the request once for ``key``; a retry with the same body gets the first response."""
    store = request.app[IDEMPOTENCY]
    in_flight = request.app[IDEMPOTENCY_IN_FLIGHT]
    fingerprint = hashlib.sha256(await request.read()).hexdigest()
    now = int(time.time() * 1000)
    earlier = await store.claim(actor_id, key, fingerprint, now, now - KEY_LIFETIME_MS)
    if earlier is not None:
        if earlier.fingerprint != fingerprint:
            raise KeyReused(f"this {HEADER} was used for a different request body; use a new key")
        if earlier.status is None:
            if (actor_id, key) in in_flight:
                raise KeyInUse(f"a request with this {HEADER} is still being processed; retry later")
            raise KeyInUse(
                f"a request with this {HEADER} was cut off by a restart of the node; check your"
                " outbox to see whether it was done, and use a new key to send it again"
            )
        headers = {"Location": earlier.location} if earlier.location else {}
        return web.Response(status=earlier.status, text=earlier.body,
                            content_type=earlier.content_type, headers=headers)
    in_flight.add((actor_id, key))
    try:
        response = await run()
    except Exception:
        await store.release(actor_id, key)  # nothing was done: the key may be used again
        raise
    finally:
        in_flight.discard((actor_id, key))
    if 200 <= response.status < 300 and isinstance(response.body, bytes):
        await store.complete(actor_id, key, response.status, response.headers.get("Location"),
                             response.content_type, response.body.decode("utf-8"))
    else:
        await store.release(actor_id, key)
    return response
