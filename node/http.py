"""The node's outgoing HTTP: one client session and one SSRF-safe Fetcher per app.

GETs of remote documents are signed (draft-cavage, rsa-sha256) so servers that demand
authorized fetch (Mastodon's secure mode) answer us. We sign as the node's FIRST pool
(the one ``poolnode init`` creates): every node has one, its key is already published
in its actor document, and no separate instance actor is needed. A node without any
pool yet fetches unsigned; the signer is chosen again on the next start.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from federation.errors import RemoteAnswered
from federation.fetch import Fetcher
from federation.httpsig import sign_request
from federation.keys import load_private_key_pem
from node.appkeys import ACTORS, CONFIG, DELIVERY, FETCHER, HTTP_SESSION, RESOLVING
from node.storage import ActorRecord

__all__ = ["USER_AGENT", "fetch_as", "http_ctx", "signed_get"]

log = logging.getLogger("poolnode.http")

USER_AGENT = "poolnode/0.1 (+https://codeberg.org/poolnode)"


def signed_get(signer: ActorRecord) -> Callable[[str], Mapping[str, str]]:
    """Headers signing a GET of ``url`` as ``signer`` (draft-cavage-12 §4.1)."""
    private_key = load_private_key_pem(signer.rsa_private_pem)

    def sign(url: str) -> Mapping[str, str]:
        headers = sign_request("GET", url, None, signer.key_id, private_key, datetime.now(UTC))
        headers.pop("Host", None)  # the Fetcher sets Host itself for the pinned address
        return headers

    return sign


async def fetch_as(app: web.Application, url: str, reader: ActorRecord | None) -> dict[str, Any]:
    """A remote document fetched with GETs signed as ``reader`` (the node's default signer if None).

    A pool whose record is members-only serves it to its members and flood peers only: the
    node asks as the local member or pool that has the right to read it.
    """
    sign_as = signed_get(reader) if reader is not None else None
    try:
        document = (await app[FETCHER].fetch(url, sign_as=sign_as)).document
    except RemoteAnswered:
        _host_answered(app, url)  # a 404 is still an answer: the host is up
        raise
    _host_answered(app, url)
    return document


def _host_answered(app: web.Application, url: str) -> None:
    """A host answered a GET: close its delivery breaker if it was open (docs/FEDERATION.md,
    "Hosts: circuit breaker and availability"); a set lookup when it was not."""
    queue = app.get(DELIVERY)
    host = (urlsplit(url).netloc or "").rpartition("@")[2].lower()
    if queue is not None and host and queue.needs_revival(host):
        queue.mark_alive(host)


async def http_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the ClientSession and the Fetcher (after the database is open)."""
    config = app[CONFIG]
    pools = await app[ACTORS].all("pool")
    signer = pools[0] if pools else None
    if signer is None:
        log.warning("no local pool yet: remote documents are fetched without a signature")
    async with aiohttp.ClientSession(headers={"User-Agent": USER_AGENT}) as session:
        app[HTTP_SESSION] = session
        app[RESOLVING] = {}
        app[FETCHER] = Fetcher(
            session,
            sign_get=signed_get(signer) if signer is not None else None,
            allow_private_addresses=config.allow_private_addresses,
        )
        yield
