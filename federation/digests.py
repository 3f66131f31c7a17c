"""Body digests for HTTP signatures: ``Digest`` (RFC 3230, draft-cavage) and ``Content-Digest`` (RFC 9530).

Digests are always computed over the exact body bytes received or sent, never over a
re-serialised JSON document. Pure functions; failures raise :class:`SignatureInvalid`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from federation.errors import SignatureInvalid

__all__ = [
    "content_digest_header",
    "digest_header",
    "verify_content_digest",
    "verify_digest_header",
]

# RFC 3230 / RFC 5843 algorithm names (case-insensitive) -> hashlib name.
_DIGEST_ALGORITHMS = {"sha-256": "sha256", "sha-512": "sha512"}
# RFC 9530 §5 registry keys (lowercase, case-sensitive) -> hashlib name.
_CONTENT_DIGEST_ALGORITHMS = {"sha-256": "sha256", "sha-512": "sha512"}


def digest_header(body: bytes) -> str:
    """``Digest: SHA-256=<base64>`` over the exact body bytes (RFC 3230 §4.3.2, RFC 5843)."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def _b64decode_strict(text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("digest is not valid base64") from None


def verify_digest_header(value: str, body: bytes) -> str:
    """Check a ``Digest`` header against the body (RFC 3230 §4.3.2); returns the algorithm used.

    Every instance with a known algorithm (SHA-256, SHA-512) must match; unknown ones are
    ignored, but at least one known instance is required.
    """
    checked = None
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, encoded = part.partition("=")
        if not sep:
            raise SignatureInvalid("malformed digest header")
        algorithm = _DIGEST_ALGORITHMS.get(name.strip().lower())
        if algorithm is None:
            continue
        expected = hashlib.new(algorithm, body).digest()
        if not hmac.compare_digest(_b64decode_strict(encoded), expected):
            raise SignatureInvalid("digest does not match body")
        checked = name.strip().upper()
    if checked is None:
        raise SignatureInvalid("digest uses no supported algorithm (SHA-256 or SHA-512)")
    return checked


def content_digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """``Content-Digest: sha-256=:<base64>:`` over the exact body bytes (RFC 9530 §2)."""
    name = _CONTENT_DIGEST_ALGORITHMS.get(algorithm)
    if name is None:
        raise ValueError(f"unsupported content digest algorithm {algorithm!r}")
    encoded = base64.b64encode(hashlib.new(name, body).digest()).decode("ascii")
    return f"{algorithm}=:{encoded}:"


def verify_content_digest(value: str, body: bytes) -> str:
    """Check a ``Content-Digest`` dictionary against the body (RFC 9530 §2); returns the algorithm.

    Members are ``key=:base64:`` byte sequences (RFC 8941 §3.3.5), optionally with parameters;
    every member with a known algorithm must match and at least one must be known.
    """
    checked = None
    for member in value.split(","):
        member = member.strip(" \t")
        if not member:
            raise SignatureInvalid("malformed content-digest header")
        name, sep, rest = member.partition("=")
        item = rest.split(";", 1)[0]
        if not sep or len(item) < 2 or item[0] != ":" or item[-1] != ":":
            raise SignatureInvalid("malformed content-digest header")
        algorithm = _CONTENT_DIGEST_ALGORITHMS.get(name)
        if algorithm is None:
            continue
        expected = hashlib.new(algorithm, body).digest()
        if not hmac.compare_digest(_b64decode_strict(item[1:-1]), expected):
            raise SignatureInvalid("content-digest does not match body")
        checked = name
    if checked is None:
        raise SignatureInvalid("content-digest uses no supported algorithm (sha-256 or sha-512)")
    return checked
