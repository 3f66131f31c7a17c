"""The verifier's only I/O: bounded GETs of a pool's public record, signed when it must be.

Everything goes through :class:`federation.fetch.Fetcher` (address checks, at most 3 redirects,
a size cap per response, a time cap per request); this module adds a cap on the number of
requests, paging through collections (docs/PROTOCOL.md §Verifying a result as a third party),
the signing of GETs with a key the user passes, and the actors' keys, each of which must be
published by the actor that controls it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.errors import FetchError, RemoteAnswered, UnsafeAddress
from federation.fetch import Fetcher
from federation.httpsig import sign_request
from federation.keys import ed25519_public_from_multibase, load_private_key_pem, load_public_key_pem

__all__ = ["Limits", "RecordReader", "Unreadable", "key_signer", "reader_credentials"]

SignGet = Callable[[str], Mapping[str, str]]


class Unreadable(Exception):
    """A document the verifier needs could not be had; the check it serves is an ``error``."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one run may read (the whole run's time is bounded by its caller)."""

    max_requests: int = 5000
    max_bytes: int = 4 * 1024 * 1024
    request_timeout: float = 20.0
    concurrency: int = 8
    allow_private_addresses: bool = False


def key_signer(pem_path: Path, key_id: str) -> SignGet:
    """Headers signing a GET as the actor whose key ``key_id`` names (draft-cavage-12 §4.1:
    ``rsa-sha256`` for an RSA key, ``hs2019`` for Ed25519). ValueError if the file holds no key."""
    try:
        private_key = load_private_key_pem(pem_path.read_text("ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the key file {pem_path}: {exc}") from exc
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{pem_path} holds no unencrypted PEM private key (RSA or Ed25519)") from exc

    def sign(url: str) -> Mapping[str, str]:
        headers = sign_request("GET", url, None, key_id, private_key, datetime.now(UTC))
        headers.pop("Host", None)  # the Fetcher sets Host for the address it checked
        return headers

    return sign


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def reader_credentials(target: str, *, signer: SignGet | None = None,
                       token: str | None = None) -> SignGet | None:
    """What each GET carries: a member's bearer token on the target's own origin only (the
    pool's node issued it; no other server ever sees it), else a signature by ``signer``."""
    if signer is None and not token:
        return None
    home = _origin(target)

    def credentials(url: str) -> Mapping[str, str]:
        if token and _origin(url) == home:
            return {"Authorization": f"Bearer {token}"}
        return signer(url) if signer is not None else {}

    return credentials


def _reason(exc: FetchError, signed: bool) -> str:
    if isinstance(exc, RemoteAnswered):
        if exc.remote_status == 401:
            if signed:
                said = f": {exc.remote_reason}" if exc.remote_reason else ""
                return f"HTTP 401: the credentials given were refused{said}"
            return ("HTTP 401: this pool's record is visible to its members only (bylaws: visibility "
                    "members); pass a member's --token, or --key-file and --key-id of a member's "
                    "actor or of a pool of its floods")
        if exc.remote_status == 403:
            return ("HTTP 403: the actor of --key-id may not read this record" if signed else
                    "HTTP 403: this server refuses to serve it to an anonymous reader")
        said = f": {exc.remote_reason}" if exc.remote_reason else ""
        return f"HTTP {exc.remote_status}{said}"
    if isinstance(exc, UnsafeAddress):
        return f"{exc.reason} (--allow-private-addresses reads a node on a private network)"
    return exc.reason if not exc.detail else f"{exc.reason} ({exc.detail})"


class RecordReader:
    """Reads documents for one run, counting the requests against :class:`Limits`."""

    def __init__(self, fetcher: Fetcher, limits: Limits, progress: Callable[[str], None],
                 *, signed: bool = False) -> None:
        self._fetcher = fetcher
        self.limits = limits
        self.progress = progress
        self.requests = 0
        self._signed = signed
        self._keys: dict[str, tuple[str, ed25519.Ed25519PublicKey]] = {}
        self._key_failures: dict[str, str] = {}
        self._gate = asyncio.Semaphore(limits.concurrency)

    def _count(self, url: str) -> None:
        if self.requests >= self.limits.max_requests:
            raise Unreadable(url, f"the bound of {self.limits.max_requests} requests was reached "
                                  "(--max-requests)")
        self.requests += 1

    async def document(self, url: str) -> dict[str, Any]:
        """The ActivityStreams document at ``url`` (its ``id`` must be ``url``)."""
        self._count(url)
        async with self._gate:
            try:
                return (await self._fetcher.fetch(url)).document
            except FetchError as exc:
                raise Unreadable(url, _reason(exc, self._signed)) from exc

    async def maybe_document(self, url: str) -> dict[str, Any] | None:
        """The document at ``url``, or None when its server answers that there is none (404, 410)."""
        try:
            return await self.document(url)
        except Unreadable as exc:
            cause = exc.__cause__
            if isinstance(cause, RemoteAnswered) and cause.remote_status in (404, 410):
                return None
            raise

    async def json(self, url: str) -> Any:
        """A plain JSON view (e.g. ``{pool}/ledger/balances``)."""
        self._count(url)
        async with self._gate:
            try:
                return await self._fetcher.fetch_json(url)
            except FetchError as exc:
                raise Unreadable(url, _reason(exc, self._signed)) from exc

    async def items(self, collection_id: str, what: str,
                    extra: int = 1000) -> tuple[dict[str, Any], list[Any]]:
        """A collection and its items: inline, or from ``first`` through each page's ``next``.

        At most ``extra`` items more than its ``totalItems`` are read (see :meth:`pages`).
        """
        collection = await self.document(collection_id)
        inline = collection.get("orderedItems")
        if isinstance(inline, list):
            return collection, inline
        total = collection.get("totalItems")
        limit = (total if isinstance(total, int) and total > 0 else 0) + extra
        return collection, await self.pages(collection_id, collection.get("first"), limit, what)

    async def pages(self, collection_id: str, first: Any, limit: int, what: str) -> list[Any]:
        """The items of a collection's pages from ``first`` through each page's ``next``.

        Every page must lie under the collection's id and be new, an empty page may not have a
        ``next``, and at most ``limit`` items are read (Unreadable otherwise, with the reason).
        """
        found: list[Any] = []
        seen: set[str] = set()
        page: Any = first
        while page is not None:
            if isinstance(page, str):
                if not page.startswith(collection_id) or page in seen:
                    raise Unreadable(collection_id, f"the page {page} is not a new page of it")
                seen.add(page)
                page = await self.document(page)
            if not isinstance(page, dict) or not isinstance(page.get("orderedItems"), list):
                raise Unreadable(collection_id, "a page has no orderedItems")
            if not page["orderedItems"] and page.get("next") is not None:
                raise Unreadable(collection_id, "an empty page has a next page")
            found.extend(page["orderedItems"])
            if len(found) > limit:
                raise Unreadable(collection_id, f"it holds more than {limit} {what}")
            if len(seen) % 20 == 0:
                self.progress(f"  {what}: {len(found)} read")
            page = page.get("next")
        return found

    async def key(self, method: str) -> tuple[str, ed25519.Ed25519PublicKey]:
        """(the controlling actor's id, its Ed25519 key) for a verification method: the key
        must be in the actor document at the method's URL, controlled by that actor."""
        known = self._keys.get(method)
        if known is not None:
            return known
        if method in self._key_failures:
            raise Unreadable(method, self._key_failures[method])
        try:
            self._count(method)
            async with self._gate:
                actor, material = await self._fetcher.fetch_key(method)
        except (FetchError, Unreadable) as exc:
            reason = exc.reason if isinstance(exc, Unreadable) else _reason(exc, self._signed)
            self._key_failures[method] = reason
            raise Unreadable(method, reason) from exc
        if material.startswith("z"):
            public = ed25519_public_from_multibase(material)
        else:
            loaded = load_public_key_pem(material)
            if not isinstance(loaded, ed25519.Ed25519PublicKey):
                raise ValueError("not an Ed25519 key: proofs are eddsa-jcs-2022")
            public = loaded
        self._keys[method] = (str(actor["id"]), public)
        return self._keys[method]

    def key_failure(self, method: str) -> str | None:
        """Why the key of ``method`` could not be had (None if it was, or was not tried)."""
        return self._key_failures.get(method)
