"""SSRF-safe fetching of remote ActivityPub documents (actors, keys, objects).

Every hop (the first URL and each redirect, at most :data:`MAX_REDIRECTS`) goes through
:class:`federation.pinning.AddressPinner`: the URL is checked, its host resolved with the
injectable resolver, the request refused if ANY resolved address is forbidden, and sent
to the checked address itself (no DNS-rebinding gap; see that module).

Responses are capped at :data:`MAX_BODY_BYTES` (read in chunks), must be an AS2 media
type, a JSON object, and carry an ``id`` equal to the final URL fetched. Content types:
``application/activity+json`` (any parameters), ``application/ld+json`` with the AS2
profile, and, leniently, ``application/ld+json`` with no profile at all (some servers
omit it; the id check still binds the document to its URL). ``application/json`` and
``application/ld+json`` with another profile are refused.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import yarl
from aiohttp.helpers import parse_mimetype

from federation.addresses import is_forbidden_address
from federation.bounded_json import loads_bounded
from federation.errors import BadActivity, FetchError, HostUnreachable, RemoteAnswered
from federation.pinning import AddressPinner, AddressPolicy, Resolver, system_resolver

__all__ = [
    "ACCEPT",
    "AS2_PROFILE",
    "MAX_BODY_BYTES",
    "MAX_REDIRECTS",
    "FetchResult",
    "Fetcher",
    "Resolver",
    "is_as2_content_type",
    "system_resolver",
]

AS2_PROFILE = "https://www.w3.org/ns/activitystreams"
JRD = "application/jrd+json, application/json"
ACCEPT = f'application/activity+json, application/ld+json; profile="{AS2_PROFILE}"'
MAX_REDIRECTS = 3
MAX_BODY_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
_ERROR_BYTES = 2048
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

SignGet = Callable[[str], Mapping[str, str]]


def is_as2_content_type(value: str | None) -> bool:
    """Whether a Content-Type is an ActivityStreams 2 type (AS2 §3, ActivityPub §3.2)."""
    if not value:
        return False
    mime = parse_mimetype(value)
    suffix = f"+{mime.suffix}" if mime.suffix else ""
    kind = f"{mime.type}/{mime.subtype}{suffix}".lower()
    if kind == "application/activity+json":
        return True
    if kind == "application/ld+json":
        profile = mime.parameters.get("profile")
        return profile is None or AS2_PROFILE in profile.split()
    return False


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched document and the URL it was finally fetched from (after redirects)."""

    url: str
    document: dict[str, Any]


class Fetcher:
    """Fetches remote AS2 documents through a caller-owned session, refusing SSRF targets."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        sign_get: SignGet | None = None,
        allow_private_addresses: bool = False,
        resolver: Resolver = system_resolver,
        is_forbidden: AddressPolicy = is_forbidden_address,
        connect_timeout: float = 5.0,
        total_timeout: float = 10.0,
        max_bytes: int = MAX_BODY_BYTES,
        cache_ttl: float = 600.0,
        cache_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._sign_get = sign_get
        self._pinner = AddressPinner(
            allow_private_addresses=allow_private_addresses,
            resolver=resolver,
            is_forbidden=is_forbidden,
            timeout=connect_timeout,
            verb="fetch from",
        )
        self._connect_timeout = connect_timeout
        self._total_timeout = total_timeout
        self._max_bytes = max_bytes
        self._ttl = cache_ttl
        self._cache_size = cache_size
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    async def fetch(self, url: str, *, sign_as: SignGet | None = None) -> FetchResult:
        """GET an AS2 document (ActivityPub §3.2), following at most 3 checked redirects.

        ``sign_as`` signs the GETs as a chosen actor (one the server lets read it, e.g. a
        member of a pool whose record is members-only) instead of the fetcher's default signer.
        """
        try:
            async with asyncio.timeout(self._total_timeout):
                final, body = await self._body(url, sign_as or self._sign_get, plain=False)
        except TimeoutError:
            raise HostUnreachable("timed out fetching remote document", detail=url) from None
        return FetchResult(url=final, document=_parse_document(body, final))

    async def fetch_json(self, url: str, *, sign_as: SignGet | None = None) -> Any:
        """GET a plain JSON resource (``application/json``, e.g. a node's JSON views), with the
        checks, redirects and caps of :meth:`fetch`; an AS2 body is taken too. No ``id`` check:
        such a resource has none."""
        try:
            async with asyncio.timeout(self._total_timeout):
                final, body = await self._body(url, sign_as or self._sign_get, plain=True)
        except TimeoutError:
            raise HostUnreachable("timed out fetching remote document", detail=url) from None
        try:
            return loads_bounded(body)
        except (ValueError, BadActivity):
            raise FetchError("response is not JSON", detail=final) from None

    async def _body(self, url: str, sign_get: SignGet | None, plain: bool) -> tuple[str, bytes]:
        """The final URL and the capped body of a GET, after at most 3 checked redirects."""
        current = yarl.URL(url)
        accept = f"application/json, {ACCEPT}" if plain else ACCEPT
        for hop in range(MAX_REDIRECTS + 1):
            async with await self._request(current, sign_get, accept=accept) as resp:
                if resp.status in _REDIRECTS:
                    location = resp.headers.get("Location")
                    if not location:
                        raise FetchError("redirect without Location", detail=str(current))
                    if hop == MAX_REDIRECTS:
                        raise FetchError("too many redirects", detail=url)
                    current = current.join(yarl.URL(location)).with_fragment(None)
                    continue
                if resp.status != 200:
                    raise RemoteAnswered(f"remote answered HTTP {resp.status}", detail=str(current),
                                         remote_status=resp.status,
                                         remote_reason=await _error_reason(resp))
                content_type = resp.headers.get("Content-Type")
                if plain and not (_is_json(content_type) or is_as2_content_type(content_type)):
                    raise FetchError("response is not JSON", detail=f"{current}: {content_type}")
                if not plain and not is_as2_content_type(content_type):
                    raise FetchError(
                        "response is not an ActivityStreams document",
                        detail=f"{current}: {content_type}",
                    )
                return str(current), await self._read_capped(resp)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _request(
        self, url: yarl.URL, sign_get: SignGet | None, *, accept: str = ACCEPT
    ) -> aiohttp.ClientResponse:
        pinned = await self._pinner.pin(url)
        headers = {"Accept": accept}
        if sign_get is not None:
            headers.update(sign_get(str(url)))
        headers["Host"] = pinned.host_header
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self._connect_timeout)
        try:
            return await self._session.get(
                pinned.url,
                headers=headers,
                allow_redirects=False,
                timeout=timeout,
                server_hostname=pinned.server_hostname,
            )
        except aiohttp.ClientError as exc:
            raise HostUnreachable("could not connect to remote server", detail=f"{url}: {exc}") from exc

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        declared = resp.content_length
        if declared is not None and declared > self._max_bytes:
            raise FetchError("response too large", detail=f"Content-Length {declared}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > self._max_bytes:
                raise FetchError("response too large", detail=f"more than {self._max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def webfinger(self, user: str, host: str, *, scheme: str = "https") -> str:
        """The ActivityPub actor id of ``acct:user@host`` (RFC 7033 §4; the ``self`` link)."""
        host, _, port = host.partition(":")
        resource = f"acct:{user}@{host}{':' + port if port else ''}"
        url = yarl.URL.build(scheme=scheme, host=host, port=int(port) if port.isdigit() else None,
                             path="/.well-known/webfinger", query={"resource": resource})
        try:
            async with asyncio.timeout(self._total_timeout):
                async with await self._request(url, None, accept=JRD) as resp:
                    if resp.status != 200:
                        raise RemoteAnswered(f"{host} answered HTTP {resp.status}",
                                             detail=str(url), remote_status=resp.status)
                    body = await self._read_capped(resp)
        except TimeoutError:
            raise FetchError("timed out asking for the handle", detail=str(url)) from None
        try:
            document = loads_bounded(body)
        except (ValueError, BadActivity):
            raise FetchError("the WebFinger answer is not JSON", detail=str(url)) from None
        links = document.get("links") if isinstance(document, dict) else None
        for link in links if isinstance(links, list) else []:
            if (isinstance(link, dict) and link.get("rel") == "self"
                    and is_as2_content_type(link.get("type"))
                    and isinstance(link.get("href"), str)
                    and link["href"].startswith(("https://", "http://"))):
                return str(link["href"])
        raise FetchError("the WebFinger answer names no ActivityPub actor", detail=str(url))

    async def fetch_actor(self, url: str, *, refresh: bool = False) -> dict[str, Any]:
        """Fetch an actor document (ActivityPub §4.1), from the TTL cache unless ``refresh``."""
        now = self._clock()
        cached = None if refresh else self._cache.get(url)
        if cached is not None and cached[0] > now:
            self._cache.move_to_end(url)
            return cached[1]
        result = await self.fetch(url)
        self._cache[url] = (now + self._ttl, result.document)
        self._cache.move_to_end(url)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return result.document

    async def fetch_key(self, key_id: str, *, refresh: bool = False) -> tuple[dict[str, Any], str]:
        """Resolve a keyId to (actor, PEM or publicKeyMultibase); the key must be the actor's own.

        Looks in Mastodon-style ``publicKey`` (security v1) and FEP-521a ``assertionMethod``
        Multikeys; the key's ``owner``/``controller`` must be the fetched actor's ``id``.
        """
        actor_url = str(yarl.URL(key_id).with_fragment(None))
        actor = await self.fetch_actor(actor_url, refresh=refresh)
        actor_id = actor.get("id")
        for key in _as_objects(actor.get("publicKey")):
            if key.get("id") == key_id:
                pem = key.get("publicKeyPem")
                if key.get("owner") != actor_id or not isinstance(pem, str):
                    raise FetchError("key is not owned by the actor", detail=key_id)
                return actor, pem
        for key in _as_objects(actor.get("assertionMethod")):
            if key.get("id") == key_id and key.get("type") == "Multikey":
                multibase = key.get("publicKeyMultibase")
                if key.get("controller") != actor_id or not isinstance(multibase, str):
                    raise FetchError("key is not controlled by the actor", detail=key_id)
                return actor, multibase
        raise FetchError("key not found in actor document", detail=key_id)

    def forget(self, url: str) -> None:
        """Drop one actor from the cache (e.g. after a Delete or Update of that actor)."""
        self._cache.pop(url, None)


async def _error_reason(resp: aiohttp.ClientResponse) -> str:
    """The ``error`` of a short JSON error body (docs/PROTOCOL.md §Errors), else ""."""
    if not _is_json(resp.headers.get("Content-Type")):
        return ""
    try:
        body = await resp.content.read(_ERROR_BYTES + 1)
    except aiohttp.ClientError:
        return ""
    if len(body) > _ERROR_BYTES:
        return ""
    try:
        document = loads_bounded(body)
    except (ValueError, BadActivity):
        return ""
    reason = document.get("error") if isinstance(document, dict) else None
    return reason[:_ERROR_BYTES] if isinstance(reason, str) else ""


def _is_json(value: str | None) -> bool:
    if not value:
        return False
    mime = parse_mimetype(value)
    return mime.type.lower() == "application" and mime.subtype.lower() == "json"


def _as_objects(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _parse_document(body: bytes, url: str) -> dict[str, Any]:
    try:
        document = loads_bounded(body)
    except (ValueError, BadActivity):
        raise FetchError("response is not JSON", detail=url) from None
    if not isinstance(document, dict):
        raise FetchError("response is not a JSON object", detail=url)
    if document.get("id") != url:
        raise FetchError(
            "fetched id does not match URL", detail=f"{url}: id {document.get('id')!r}"
        )
    return document
