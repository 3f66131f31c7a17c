"""The SSRF policy: forbidden address ranges and URL pre-checks."""

from __future__ import annotations

import ipaddress

import pytest

from federation.addresses import check_url, is_forbidden_address, literal_address
from federation.errors import UnsafeAddress


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),
        ("169.254.0.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("fec0::1", "site-local"),
        ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
        ("::ffff:10.1.2.3", "IPv4-mapped private"),
        ("::ffff:169.254.169.254", "IPv4-mapped link-local"),
        ("64:ff9b::7f00:1", "IPv4-embedding loopback"),
        ("2002:7f00:1::", "IPv4-embedding loopback"),
        ("192.0.2.1", "non-global"),
        ("2001:db8::1", "non-global"),
    ],
)
def test_forbidden_addresses_name_their_reason(address: str, reason: str) -> None:
    got = is_forbidden_address(ipaddress.ip_address(address))
    assert got is not None and got.startswith(reason), got


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.215.14", "100.63.255.255"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_forbidden_address(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.org/", "only http and https"),
        ("http://user:pw@example.org/", "credentials"),
        ("http://user@example.org/", "credentials"),
        ("http:///path", "no host"),
        ("http://127.0.0.1/", "loopback"),
        ("http://[::1]:8080/", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped loopback"),
        ("http://[fe80::1%25eth0]/", "link-local"),
        # Legacy IPv4 spellings getaddrinfo/inet_aton still resolve.
        ("http://2130706433/", "loopback"),
        ("http://0x7f.1/", "loopback"),
        ("http://0x7f000001/", "loopback"),
        ("http://017700000001/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://127.1/", "loopback"),
        ("http://127.0.0.1./", "loopback"),
        ("http://0/", "unspecified"),
        ("http://167772161/", "private"),
    ],
)
def test_check_url_refuses(url: str, reason: str) -> None:
    with pytest.raises(UnsafeAddress) as caught:
        check_url(url)
    assert reason in caught.value.reason
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/users/alice",
        "http://example.org:8080/x?y=1#frag",
        "https://93.184.215.14/",
        "https://cafe.be/",
        "https://1.example/",
    ],
)
def test_check_url_allows_public_urls(url: str) -> None:
    check_url(url)


def test_literal_address_distinguishes_names_from_numbers() -> None:
    assert literal_address("example.org") is None
    assert literal_address("deadbeef") is None
    assert literal_address("0xdeadbeef") == ipaddress.ip_address("222.173.190.239")
    assert literal_address("[::1]") == ipaddress.ip_address("::1")
