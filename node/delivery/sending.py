"""One delivery's I/O: signing claimed rows in a thread, POSTing one, probing a host.

Each function turns the failures it expects into a short message for the row or the host
(stored, shown to operators); the workers in ``node.delivery.queue`` decide what they mean.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from federation.errors import FetchError
from federation.httpsig import PrivateKey, sign_request
from federation.pinning import AddressPinner, PinnedURL
from node.delivery.http1 import HTTP1Client
from node.storage import ClaimedDelivery

__all__ = ["CONTENT_TYPE", "USER_AGENT", "Claimed", "Signed", "post", "probe", "sign_chunk"]

USER_AGENT = "poolnode/0.1 (+https://codeberg.org/poolnode)"
CONTENT_TYPE = "application/activity+json"

Signed = dict[str, str] | str
"""A row's request headers, or why it could not be signed."""


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed row waiting for a worker, with its body and its (future) signature."""

    row: ClaimedDelivery
    body: bytes
    signed: asyncio.Future[list[Signed]]
    index: int
    send_by: float


def sign_chunk(jobs: list[tuple[str, bytes, str, PrivateKey]], now: datetime) -> list[Signed]:
    """Sign each (inbox, body, key id, key) POST as ``sign_request`` does (run in a thread)."""
    out: list[Signed] = []
    for inbox, body, key_id, key in jobs:
        try:
            headers = sign_request("POST", inbox, body, key_id, key, now)
        except ValueError as exc:
            out.append(f"cannot sign for this inbox: {exc}"[:500])
            continue
        # sign_request's Host header names the inbox's host, not the pinned address.
        headers["Content-Type"] = CONTENT_TYPE
        headers["User-Agent"] = USER_AGENT
        out.append(headers)
    return out


async def post(
    client: HTTP1Client,
    pinned: PinnedURL,
    body: bytes,
    headers: dict[str, str],
    seconds: float,
) -> tuple[int, str | None] | str:
    """POST to the checked address within ``seconds``: (status, Retry-After), or what went wrong."""
    return await client.request("POST", pinned, headers, body, seconds=seconds)


async def probe(client: HTTP1Client, pinner: AddressPinner, url: str, seconds: float) -> str | None:
    """GET ``url`` (a host's NodeInfo links) within ``seconds``: None if it answers below 500."""
    try:
        pinned = await pinner.pin(url)
    except FetchError as exc:
        return f"{exc.reason}: {exc.detail}"[:500]
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    answer = await client.request("GET", pinned, headers, seconds=seconds)
    if isinstance(answer, str):
        return answer
    return f"HTTP {answer[0]}" if answer[0] >= 500 else None
