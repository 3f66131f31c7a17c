"""Body digests: RFC 3230 Digest and RFC 9530 Content-Digest."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.digests import (
    content_digest_header,
    digest_header,
    verify_content_digest,
    verify_digest_header,
)
from federation.errors import SignatureInvalid

BODY = b'{"hello": "world"}'
# RFC 9530 Appendix B.1 / RFC 9421 test request digests of BODY
SHA256 = "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
SHA512 = "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew=="


def test_known_values() -> None:
    assert digest_header(BODY) == f"SHA-256={SHA256}"
    assert content_digest_header(BODY) == f"sha-256=:{SHA256}:"
    assert content_digest_header(BODY, "sha-512") == f"sha-512=:{SHA512}:"
    with pytest.raises(ValueError):
        content_digest_header(BODY, "md5")


@given(st.binary(max_size=4096))
def test_round_trips(body: bytes) -> None:
    assert verify_digest_header(digest_header(body), body) == "SHA-256"
    assert verify_content_digest(content_digest_header(body), body) == "sha-256"
    assert verify_content_digest(content_digest_header(body, "sha-512"), body) == "sha-512"


def test_digest_variants_accepted() -> None:
    assert verify_digest_header(f"sha-256={SHA256}", BODY) == "SHA-256"
    assert verify_digest_header(f"MD5=abc, SHA-512={SHA512}", BODY) == "SHA-512"
    assert verify_content_digest(f"unixsum=:AAAA:, sha-512=:{SHA512}:", BODY) == "sha-512"
    assert verify_content_digest(f"sha-256=:{SHA256}:;p=1", BODY) == "sha-256"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            "SHA-256=" + base64.b64encode(hashlib.sha256(b"x").digest()).decode(),
            "digest does not match body",
        ),
        (f"SHA-256={SHA256}, SHA-512={SHA256}", "digest does not match body"),
        ("MD5=abc", "no supported algorithm"),
        ("", "no supported algorithm"),
        ("SHA-256", "malformed digest header"),
        ("SHA-256=%%%", "not valid base64"),
    ],
)
def test_digest_rejections(value: str, reason: str) -> None:
    with pytest.raises(SignatureInvalid, match=reason):
        verify_digest_header(value, BODY)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (f"sha-256=:{SHA512}:", "content-digest does not match body"),
        ("sha-256=:" + base64.b64encode(b"\0" * 32).decode() + ":", "does not match body"),
        ("md5=:AAAA:", "no supported algorithm"),
        (f"SHA-256=:{SHA256}:", "no supported algorithm"),
        (f"sha-256={SHA256}", "malformed content-digest"),
        ("sha-256=:x", "malformed content-digest"),
        ("", "malformed content-digest"),
        ("sha-256=:@@@@:", "not valid base64"),
    ],
)
def test_content_digest_rejections(value: str, reason: str) -> None:
    with pytest.raises(SignatureInvalid, match=reason):
        verify_content_digest(value, BODY)
