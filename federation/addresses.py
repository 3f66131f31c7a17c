"""SSRF guard: which IP addresses and URLs the node refuses to fetch (pure, no I/O).

:func:`is_forbidden_address` is the policy for every address a host resolves to; the
fetcher applies it inside its connector's resolver so the checked address is the one
connected to. :func:`check_url` rejects what can be refused before any DNS lookup,
including IPv4 literals in the legacy forms ``getaddrinfo`` still accepts
(``http://2130706433/``, ``http://0x7f.1/``, ``http://0177.0.0.1/``, ``http://127.1/``).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable

import yarl

from federation.errors import UnsafeAddress

__all__ = [
    "IPAddress",
    "check_url",
    "is_forbidden_address",
    "literal_address",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")  # RFC 6598 shared address space
_PRIVATE_V4 = (
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
    ipaddress.IPv4Network("192.168.0.0/16"),
)
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")  # RFC 4193
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")  # RFC 3056
# Hosts made only of digits, hex digits, 'x' and dots may be numeric IPv4 in inet_aton's
# legacy syntax (decimal, octal, hex, 1-4 parts); anything else is a name.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)


def is_forbidden_address(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be fetched from (loopback, private, link-local, ...), or None if public."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            inner = is_forbidden_address(ip.ipv4_mapped)
            return f"IPv4-mapped {inner}" if inner else None
        for prefix in (_NAT64, _SIX_TO_FOUR):
            if ip in prefix:
                embedded = ipaddress.IPv4Address(
                    int(ip) & 0xFFFFFFFF if prefix is _NAT64 else (int(ip) >> 80) & 0xFFFFFFFF
                )
                inner = is_forbidden_address(embedded)
                if inner:
                    return f"IPv4-embedding {inner}"
                return None
        if ip.is_site_local:
            return "site-local address"
        if ip in _UNIQUE_LOCAL:
            return "private address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_loopback:
        return "loopback address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if isinstance(ip, ipaddress.IPv4Address):
        if ip in _CGNAT:
            return "carrier-grade NAT address"
        if any(ip in net for net in _PRIVATE_V4):
            return "private address"
    if ip.is_reserved:
        return "reserved address"
    if ip.is_private or not ip.is_global:
        return "non-global address"
    return None


def literal_address(host: str) -> IPAddress | None:
    """The IP a URL host denotes if it is an IP literal (incl. legacy IPv4 forms), else None."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare.rstrip(".")))
        except OSError:
            return None
    return None


def check_url(
    url: str, is_forbidden: Callable[[IPAddress], str | None] | None = is_forbidden_address
) -> None:
    """Refuse URLs we never fetch: non-http(s), userinfo, no host, forbidden IP literal.

    Raises :class:`~federation.errors.UnsafeAddress`. ``is_forbidden`` is the address
    policy (None: skip the IP-literal check). Host names are checked later, on every
    address they resolve to (see ``federation.fetch``).
    """
    try:
        parsed = yarl.URL(url)
    except (ValueError, TypeError):
        raise UnsafeAddress("malformed URL") from None
    if parsed.scheme not in ("http", "https"):
        raise UnsafeAddress("only http and https URLs can be fetched")
    if parsed.user is not None or parsed.password is not None:
        raise UnsafeAddress("URLs with credentials are refused")
    host = parsed.host
    if not host:
        raise UnsafeAddress("URL has no host")
    ip = literal_address(host)
    if ip is not None and is_forbidden is not None:
        reason = is_forbidden(ip)
        if reason:
            raise UnsafeAddress(f"refusing to fetch from a {reason}", detail=f"{url}: {ip}")
