"""The client address behind a request: proxy headers only from trusted proxies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

from node.client_address import client_address, limit_key
from node.config import Config, ConfigError


def _config(tmp_path: Path, **settings: Any) -> Config:
    return Config(data_dir=tmp_path, base_url="https://pool.example", **settings)


def _request(peer: str, headers: dict[str, str] | list[tuple[str, str]]) -> Any:
    request = make_mocked_request("POST", "/inbox", headers=headers)
    return request.clone(remote=peer)


PROXY = ["10.0.0.0/8", "2001:db8:ffff::1"]


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        # No trusted proxies: the headers are ignored whatever they say.
        ("203.0.113.9", {"X-Forwarded-For": "198.51.100.1"}, "203.0.113.9"),
        ("10.0.0.5", {"X-Forwarded-For": "198.51.100.1"}, "10.0.0.5"),
    ],
)
def test_headers_are_ignored_without_trusted_proxies(tmp_path, peer, headers, expected) -> None:
    assert client_address(_request(peer, headers), _config(tmp_path)) == expected


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        # A client that is not a trusted proxy cannot choose its address.
        ("203.0.113.9", {"X-Forwarded-For": "198.51.100.1"}, "203.0.113.9"),
        # The trusted proxy's hop is read; a spoofed hop left of it is not.
        ("10.0.0.5", {"X-Forwarded-For": "1.2.3.4, 198.51.100.1"}, "198.51.100.1"),
        # Trusted hops on the right are skipped (two proxies in a row).
        ("10.0.0.5", {"X-Forwarded-For": "198.51.100.1, 10.0.0.7"}, "198.51.100.1"),
        ("10.0.0.5", [("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-For", "10.1.1.1")],
         "198.51.100.1"),
        # A hop with a port, and no header at all.
        ("10.0.0.5", {"X-Forwarded-For": "198.51.100.1:4711"}, "198.51.100.1"),
        ("10.0.0.5", {}, "10.0.0.5"),
        # Garbage from the proxy: the proxy stands for the client.
        ("10.0.0.5", {"X-Forwarded-For": "not an address"}, "10.0.0.5"),
        # The other header is not the configured one: ignored.
        ("10.0.0.5", {"Forwarded": "for=198.51.100.1"}, "10.0.0.5"),
        ("2001:db8:ffff::1", {"X-Forwarded-For": "2001:db8:1::2"}, "2001:db8:1::2"),
    ],
)
def test_x_forwarded_for_from_a_trusted_proxy(tmp_path, peer, headers, expected) -> None:
    config = _config(tmp_path, trusted_proxies=tuple(PROXY))
    assert client_address(_request(peer, headers), config) == expected


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("10.0.0.5", 'for="[2001:db8:cafe::17]:4711";proto=https', "2001:db8:cafe::17"),
        ("10.0.0.5", "for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60"),
        ("10.0.0.5", "for=1.2.3.4, for=192.0.2.60", "192.0.2.60"),
        ("10.0.0.5", "for=192.0.2.60, for=10.0.0.9", "192.0.2.60"),
        ("10.0.0.5", "for=unknown", "10.0.0.5"),
        ("10.0.0.5", "for=_hidden, for=10.0.0.9", "10.0.0.9"),
        ("203.0.113.9", "for=192.0.2.60", "203.0.113.9"),
    ],
)
def test_forwarded_rfc7239_from_a_trusted_proxy(tmp_path, peer, header, expected) -> None:
    config = _config(tmp_path, trusted_proxies=tuple(PROXY), proxy_header="forwarded")
    request = _request(peer, {"Forwarded": header, "X-Forwarded-For": "6.6.6.6"})
    assert client_address(request, config) == expected


def test_ipv6_clients_are_limited_by_their_64() -> None:
    assert limit_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert limit_key("192.0.2.1") == "192.0.2.1"


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"trusted_proxies": ("10.0.0.0/33",)}, "not an IP address or CIDR"),
        ({"trusted_proxies": ("proxy.example",)}, "not an IP address or CIDR"),
        ({"proxy_header": "x-real-ip"}, "proxy_header must be one of"),
        ({"inbox_sender_burst": 0}, "inbox_sender_burst must be at least 1"),
        ({"inbox_retention_days": 1, "signature_window_seconds": 86400}, "longer than"),
    ],
)
def test_proxy_and_limit_settings_are_checked(tmp_path, settings, words) -> None:
    with pytest.raises(ConfigError, match=words):
        _config(tmp_path, **settings)
