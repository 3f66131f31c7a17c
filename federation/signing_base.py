"""What both HTTP signature schemes share: the prepared request, header view, HTTP dates, key primitives.

:mod:`federation.httpsig` (draft-cavage-12) and :mod:`federation.rfc9421` (RFC 9421) both build
on this module and neither imports the other's internals; ``now`` is an aware ``datetime``.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from federation.errors import SignatureInvalid
from federation.keys import PublicKey

__all__ = [
    "DEFAULT_WINDOW_SECONDS",
    "HeaderView",
    "PreparedSignature",
    "PrivateKey",
    "Scheme",
    "VerifiedSignature",
    "check_window",
    "epoch_seconds",
    "format_http_date",
    "host_header",
    "parse_http_date",
    "sign_bytes",
    "verify_signature_bytes",
]

DEFAULT_WINDOW_SECONDS = 3600
"""One hour of clock skew either way, as Mastodon accepts."""

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

Scheme = Literal["cavage", "rfc9421"]

_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()

@dataclass(frozen=True, slots=True)
class PreparedSignature:
    """A request that passed every check but the key operation: what remains to verify."""

    scheme: Scheme
    key_id: str
    algorithm: str | None
    signed_headers: tuple[str, ...]
    message: bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """A verified request signature.

    ``algorithm`` is the primitive actually used: ``rsa-sha256`` or ``ed25519`` for cavage
    (``hs2019`` is resolved from the key type), ``rsa-v1_5-sha256`` or ``ed25519`` for RFC 9421.
    ``signed_headers`` lists the covered headers / components in signed order.
    """

    key_id: str
    algorithm: str
    signed_headers: tuple[str, ...]
    scheme: Scheme


# --------------------------------------------------------------------------- helpers


def epoch_seconds(now: datetime) -> int:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return int(now.timestamp())


def format_http_date(now: datetime) -> str:
    """IMF-fixdate, e.g. ``Tue, 20 Apr 2021 02:07:55 GMT`` (RFC 7231 §7.1.1.1)."""
    epoch_seconds(now)
    return email.utils.format_datetime(now.astimezone(UTC).replace(microsecond=0), usegmt=True)


def host_header(url: str) -> str:
    """The ``Host`` value for a URL, with the port only when it is not the default (RFC 7230 §5.4)."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if port is not None and port != default:
        return f"{host}:{port}"
    return host


class HeaderView:
    """Case-insensitive, multi-value view over a header mapping (multidict or plain dict)."""

    __slots__ = ("_getall", "_lower")

    def __init__(self, headers: Mapping[str, str]) -> None:
        getall = getattr(headers, "getall", None)
        self._getall: Callable[[str, list[str]], list[str]] | None = getall
        self._lower: dict[str, list[str]] = {}
        if getall is None:
            for k, v in headers.items():
                self._lower.setdefault(k.lower(), []).append(v)

    def values(self, name: str) -> list[str]:
        if self._getall is not None:
            return list(self._getall(name, []))
        return self._lower.get(name, [])

    def get(self, name: str) -> str | None:
        """All instances of a header, OWS-trimmed, joined with ", " (RFC 9110 §5.3)."""
        values = self.values(name)
        if not values:
            return None
        if len(values) == 1:  # the usual case, on every verified request
            return values[0].strip(" \t")
        return ", ".join(v.strip(" \t") for v in values)


def check_window(moment: int, now: int, window_seconds: int, reason: str) -> None:
    if abs(now - moment) > window_seconds:
        raise SignatureInvalid(reason)


@lru_cache(maxsize=256)
def parse_http_date(value: str) -> int:
    # Cached: under load many requests carry the same Date (one-second resolution), and
    # email.utils' parser is a large part of preparing a verification.
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise SignatureInvalid("date header is malformed") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


# --------------------------------------------------------------------------- primitives


def sign_bytes(private_key: PrivateKey, message: bytes) -> bytes:
    """Sign with RSASSA-PKCS1-v1_5 SHA-256 (RSA) or Ed25519 (RFC 8017 §8.2, RFC 8032 §5.1.6)."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(message, _PKCS1, _SHA256)
    return private_key.sign(message)


def verify_signature_bytes(
    algorithm: str | None, public_key: PublicKey, message: bytes, signature: bytes
) -> str:
    """Check a signature with ``cryptography``; returns the primitive used (draft-cavage-12 §2.5, RFC 9421 §3.3).

    ``algorithm`` is ``rsa-sha256`` / ``rsa-v1_5-sha256`` (RSA only), ``ed25519`` (Ed25519 only)
    or ``hs2019`` / ``None`` (from the key type). Raises :class:`SignatureInvalid`.
    """
    is_rsa = isinstance(public_key, rsa.RSAPublicKey)
    if algorithm in ("rsa-sha256", "rsa-v1_5-sha256"):
        if not is_rsa:
            raise SignatureInvalid("key type does not match the signature algorithm")
        used = algorithm
    elif algorithm == "ed25519":
        if is_rsa:
            raise SignatureInvalid("key type does not match the signature algorithm")
        used = algorithm
    elif algorithm in ("hs2019", None):
        used = "rsa-sha256" if is_rsa else "ed25519"
    else:
        raise SignatureInvalid("unsupported signature algorithm")
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, message, _PKCS1, _SHA256)
        else:
            public_key.verify(signature, message)
    except InvalidSignature:
        raise SignatureInvalid("signature does not verify") from None
    return used
