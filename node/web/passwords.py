"""Password hashing with scrypt (RFC 7914): memory-hard, salted, compared in constant time."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets

from node.web.i18n import gettext as _

__all__ = ["MAX_PASSWORD", "MIN_PASSWORD", "hash_password", "password_problem", "verify_password"]

# n=2**14, r=8, p=1 needs 16 MiB per hash (128 * r * n bytes): OWASP's minimum for scrypt.
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_MAXMEM = 64 * 1024 * 1024
MIN_PASSWORD = 10
MAX_PASSWORD = 1024

# Verified when the username is unknown, so that answering takes as long as for a real account.
_DUMMY_HASH: str | None = None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=_KEY_BYTES
    )


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD:
        return _("use at least %(least)d characters (a few words make a good password)",
                 least=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return _("use at most %(most)d characters", most=MAX_PASSWORD)
    return None


def _hash_sync(password: str) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _derive(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(key)}"


def _verify_sync(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


async def hash_password(password: str) -> str:
    """An encoded ``scrypt$n$r$p$salt$key`` hash; runs off the event loop (about 50 ms)."""
    return await asyncio.to_thread(_hash_sync, password)


async def verify_password(password: str, stored: str | None) -> bool:
    """Whether the password matches; with no stored hash, spends the same time and says no."""
    global _DUMMY_HASH
    if stored is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = await hash_password(secrets.token_urlsafe(16))
        await asyncio.to_thread(_verify_sync, password, _DUMMY_HASH)
        return False
    return await asyncio.to_thread(_verify_sync, password, stored)
