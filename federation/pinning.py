"""Resolve a URL's host once, check every address, and connect to the checked one.

Used by the Fetcher (GETs) and the delivery workers (POSTs). :meth:`AddressPinner.pin`
checks the URL (:func:`federation.addresses.check_url`), resolves its host with the
injectable resolver and refuses it if ANY address is forbidden. The request then goes to
the checked IP itself: the URL's host is replaced by that address, with the original
name sent as ``Host`` and used as the TLS ``server_hostname`` (SNI and certificate
check). So there is no DNS-rebinding gap between check and connect, whatever client makes
the request: the Fetcher's caller-owned :class:`aiohttp.ClientSession` (we do not rely on
a resolver inside its connector, which aiohttp skips for IP-literal hosts and which may not
be ours to configure; it keys pooled connections by address, port and ``server_hostname``,
so keep-alive still works per host), or the delivery workers' HTTP/1.1 client
(``node.delivery.http1``), which keeps one connection pool per pinned origin.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import yarl

from federation.addresses import IPAddress, check_url, is_forbidden_address, literal_address
from federation.errors import HostUnreachable, UnsafeAddress

__all__ = ["AddressPinner", "AddressPolicy", "PinnedURL", "Resolver", "system_resolver"]

#: ``(host, port) -> addresses``; must not return an empty list (raise OSError instead).
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
AddressPolicy = Callable[[IPAddress], "str | None"]


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Resolve ``host`` with the event loop's getaddrinfo (TCP), de-duplicated, in order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in out:
            out.append(ip)
    return out


@dataclass(frozen=True, slots=True)
class PinnedURL:
    """Where to send a request for ``url``: the checked address, and what to tell the server."""

    url: yarl.URL
    """The URL with its host replaced by the checked address."""
    host_header: str
    """The original authority (host[:port], no userinfo), for the ``Host`` header."""
    server_hostname: str | None
    """The original host name for TLS (SNI, certificate), None for plain http."""
    address: IPAddress


@dataclass(frozen=True, slots=True)
class _PinnedOrigin:
    """A checked origin's address and what to tell its server, for any path on it."""

    ip: IPAddress
    ip_text: str
    host_header: str
    server_hostname: str | None

    def pinned(self, parsed: yarl.URL) -> PinnedURL:
        return PinnedURL(
            url=parsed.with_host(self.ip_text),
            host_header=self.host_header,
            server_hostname=self.server_hostname,
            address=self.ip,
        )


class AddressPinner:
    """Checks URLs and the addresses their hosts resolve to; pins the request to one of them.

    ``allow_private_addresses`` turns the address policy off (loopback test networks);
    the host is still resolved once and connected to by address. ``cache_ttl`` keeps
    resolved (and checked) addresses that long, and the verdict on each URL origin (scheme
    and authority, userinfo included) with them: the caches only ever hold what passed the
    check, so they open no gap, and a fan-out to many inboxes on one host checks it once.
    """

    def __init__(
        self,
        *,
        allow_private_addresses: bool = False,
        resolver: Resolver = system_resolver,
        is_forbidden: AddressPolicy = is_forbidden_address,
        timeout: float = 5.0,
        verb: str = "fetch from",
        cache_ttl: float = 0.0,
        cache_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy: AddressPolicy | None = None if allow_private_addresses else is_forbidden
        self._resolver = resolver
        self._timeout = timeout
        self._verb = verb
        self._ttl = cache_ttl
        self._size = cache_size
        self._clock = clock
        self._cache: OrderedDict[tuple[str, int], tuple[float, IPAddress]] = OrderedDict()
        self._origins: OrderedDict[tuple[str, str], tuple[float, _PinnedOrigin]] = OrderedDict()
        self._pending: dict[tuple[str, int], asyncio.Future[IPAddress]] = {}

    async def pin(self, url: str | yarl.URL) -> PinnedURL:
        """Check ``url`` and resolve its host; raises UnsafeAddress, or HostUnreachable (a FetchError) if unresolvable."""
        parsed = url if isinstance(url, yarl.URL) else yarl.URL(url)
        # What is checked depends on the scheme and authority only, never on the path.
        key = (parsed.scheme, parsed.raw_authority)
        if self._ttl > 0:
            cached = self._origins.get(key)
            if cached is not None and cached[0] > self._clock():
                return cached[1].pinned(parsed)
        # IP literals (legacy IPv4 forms included) are checked by ``address`` below.
        check_url(str(parsed), None)
        host = parsed.raw_host
        assert host is not None and parsed.port is not None  # check_url guarantees a host
        ip = await self.address(host, parsed.port)
        origin = _PinnedOrigin(
            ip=ip,
            ip_text=str(ip),
            host_header=parsed.raw_authority.rsplit("@", 1)[-1],
            server_hostname=parsed.host if parsed.scheme == "https" else None,
        )
        if self._ttl > 0:
            self._origins[key] = (self._clock() + self._ttl, origin)
            self._origins.move_to_end(key)
            while len(self._origins) > self._size:
                self._origins.popitem(last=False)
        return origin.pinned(parsed)

    async def address(self, host: str, port: int) -> IPAddress:
        """The address to connect to for ``host``, after checking every address it resolves to."""
        literal = literal_address(host)
        if literal is not None:
            self._check(host, [literal])
            return literal
        key = (host, port)
        if self._ttl <= 0:
            return await self._resolve(host, port)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        # Concurrent requests to one host share one lookup.
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = asyncio.ensure_future(self._resolve(host, port))
            pending.add_done_callback(lambda _t: self._pending.pop(key, None))
        ip = await asyncio.shield(pending)
        self._cache[key] = (self._clock() + self._ttl, ip)
        self._cache.move_to_end(key)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return ip

    async def _resolve(self, host: str, port: int) -> IPAddress:
        try:
            async with asyncio.timeout(self._timeout):
                addresses = await self._resolver(host, port)
        except TimeoutError:
            raise HostUnreachable("timed out resolving host", detail=host) from None
        except OSError as exc:
            raise HostUnreachable("could not resolve host", detail=f"{host}: {exc}") from exc
        if not addresses:
            raise HostUnreachable("could not resolve host", detail=host)
        self._check(host, addresses)
        return addresses[0]

    def _check(self, host: str, addresses: Sequence[IPAddress]) -> None:
        if self.policy is None:
            return
        for ip in addresses:
            reason = self.policy(ip)
            if reason:
                raise UnsafeAddress(f"refusing to {self._verb} a {reason}", detail=f"{host} -> {ip}")
