"""Signed one-click unsubscribe tokens (RFC 8058): who stops getting which kind of mail.

A token is ``<payload>.<mac>``: the payload names the member's account id and the kind (or
``all``), base64url; the mac is an HMAC-SHA256 of it under a key derived from the node's web
secret. It never expires (a mail read a year later still unsubscribes) and does nothing but
turn that kind's email off.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["ALL_KINDS", "read_token", "sign_token"]

ALL_KINDS = "all"
_MAX_TOKEN = 200


def _key(secret: bytes) -> bytes:
    return hmac.new(secret, b"poolnode unsubscribe v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_token(secret: bytes, actor_id: int, kind: str) -> str:
    payload = _b64(f"{actor_id}:{kind}".encode())
    mac = hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest()[:18]
    return f"{payload}.{_b64(mac)}"


def read_token(secret: bytes, token: str) -> tuple[int, str] | None:
    """The (account id, kind) a well-signed token names; None for anything else."""
    if len(token) > _MAX_TOKEN or token.count(".") != 1:
        return None
    payload, mac = token.split(".")
    expected = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest()[:18])
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        actor, kind = text.split(":", 1)
        return int(actor), kind
    except (ValueError, UnicodeDecodeError):
        return None
