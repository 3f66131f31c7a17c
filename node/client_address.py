"""The address of the client behind a request, for every per-address limit of the node.

The direct peer is the client, unless the peer is a reverse proxy the operator lists in
``trusted_proxies``. Only then is the proxy's header read (``X-Forwarded-For`` or
``Forwarded``, RFC 7239, as ``proxy_header`` says), from the right: each hop appended by
a trusted proxy is skipped, and the first address that is not a trusted proxy is the
client. Anything left of it was written by the client and could be anything, so it is
never read. A request from any other peer has its headers ignored: a client cannot
choose its own address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from aiohttp import web
from multidict import CIMultiDictProxy

from node.config import Config

__all__ = ["client_address", "forwarded_chain", "limit_key"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_UNKNOWN = "unknown"


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse_ip(text: str) -> IPAddress | None:
    """An address as a header hop gives it: bare, ``"[v6]:port"`` or ``v4:port``; None if not one.

    Every request's peer is parsed: the last few thousand are remembered (only texts as short
    as an address with its port, so a long header value never fills the cache)."""
    return _parse_ip_cached(text) if len(text) <= 64 else _parse_ip_text(text)


def _parse_ip_text(text: str) -> IPAddress | None:
    text = text.strip().strip('"').strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


_parse_ip_cached = lru_cache(maxsize=4096)(_parse_ip_text)


def _trusted(address: IPAddress, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def forwarded_chain(headers: CIMultiDictProxy[str], header: str) -> list[str]:
    """The hops a proxy header lists, nearest the client first (RFC 7239 §5.2 ``for=``)."""
    hops: list[str] = []
    for line in headers.getall(header, []):
        for element in line.split(","):
            if header == "forwarded":
                found = ""
                for pair in element.split(";"):
                    name, _, value = pair.partition("=")
                    if name.strip().lower() == "for":
                        found = value
                hops.append(found)
            else:
                hops.append(element)
    return hops


def _from_chain(peer: IPAddress, hops: list[str], networks: tuple[Network, ...]) -> str:
    address = peer
    for hop in reversed(hops):
        parsed = _parse_ip(hop)
        if parsed is None:
            # "unknown", an obfuscated name or garbage: the trusted hop that wrote it stands
            # for the client, which is no worse than having no proxy header at all.
            return str(address)
        address = parsed
        if not _trusted(address, networks):
            return str(address)
    return str(address)


def client_address(request: web.Request, config: Config) -> str:
    """The client's address (see the module docstring); ``"unknown"`` if the peer has none."""
    peer = _parse_ip(request.remote or "")
    if peer is None:
        return request.remote or _UNKNOWN
    networks = _networks(config.trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return str(peer)
    return _from_chain(peer, forwarded_chain(request.headers, config.proxy_header), networks)


def limit_key(address: str) -> str:
    """What a per-address limit counts: an IPv6 client by its /64 (one host's usual share)."""
    parsed = _parse_ip(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address
